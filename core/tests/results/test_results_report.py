"""The HTML report: one offline file whose embedded figure data is what the run produced."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal as D
from html.parser import HTMLParser
from pathlib import Path

import attrs
import numpy as np
import pytest
from deepalpha.data import BarSeries
from deepalpha.domain import Fill, Side, ms_to_datetime
from deepalpha.results import report
from deepalpha.results.metrics import drawdown, summarize
from deepalpha.results.trades import round_trips
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

HOUR = 3_600_000
T0 = 1_600_000_000_000


def make_run(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR
    close = 100 * np.cumprod(1 + rng.normal(0, 0.01, n))
    bars = BarSeries("BTC/USD", "1h", ts, close, close * 1.01, close * 0.99, close, np.ones(n))
    fills = [
        Fill("f1", "o1", "BTC/USD", Side.BUY, D(1), D(f"{close[2]:.2f}"), D("0.1"), int(ts[2])),
        Fill(
            "f2",
            "o2",
            "BTC/USD",
            Side.SELL,
            D(1),
            D(f"{close[n // 2]:.2f}"),
            D("0.1"),
            int(ts[n // 2]),
        ),
        Fill("f3", "o3", "BTC/USD", Side.SELL, D(2), D(f"{close[-3]:.2f}"), D(0), int(ts[-3])),
        Fill("f4", "o4", "BTC/USD", Side.BUY, D(2), D(f"{close[-2]:.2f}"), D(0), int(ts[-2])),
    ]
    equity = 1_000 + np.cumsum(rng.normal(0, 5, n))
    trades = round_trips(fills)
    summary = summarize(ts, equity, timeframe_ms=HOUR, fills=fills, close=close)
    return bars, ts, equity, trades, summary


def embedded(html: str, element_id: str):
    match = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S
    )
    assert match, f"no {element_id} in the report"
    return json.loads(match.group(1))


def values(array) -> np.ndarray:
    """Plotly stores numpy arrays as base64 typed arrays; plain lists stay lists."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array)


class ResourceFinder(HTMLParser):
    """Elements with ``src`` or ``href``; script bodies are opaque to the parser, as in browsers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, value) for name, value in attrs if name in ("src", "href")]

    @classmethod
    def find(cls, html: str) -> list[tuple[str, str]]:
        parser = cls()
        parser.feed(html)
        return parser.found


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    bars, ts, equity, trades, summary = make_run(12_000)
    path = tmp_path_factory.mktemp("report") / "sub" / "run.html"
    out = report.write_report(
        path,
        title="SMA <cross> test",
        summary=summary,
        bars=bars,
        ts=ts,
        equity=equity,
        trades=trades,
    )
    return out, bars, ts, equity, trades, summary


def test_the_report_is_one_offline_file(written):
    out, *_ = written
    assert isinstance(out, Path) and out.is_file()
    html = out.read_text(encoding="utf-8")
    # Nothing is fetched: no element of the page points at another resource.
    assert ResourceFinder.find(html) == []
    assert ResourceFinder.find('<p><script src="https://x/p.js"></script>') == [
        ("script", "https://x/p.js")
    ]
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js inline
    assert "SMA &lt;cross&gt; test" in html  # the title is escaped
    assert [p.name for p in out.parent.iterdir()] == ["run.html"]  # no temp file left


def test_the_summary_table_and_data_are_embedded(written):
    out, *_, summary = written
    html = out.read_text(encoding="utf-8")
    for label in ("Total return", "Sharpe", "Max drawdown", "Profit factor", "Buy &amp; hold"):
        assert f"<td>{label}</td>" in html
    assert embedded(html, report.SUMMARY_DATA_ID) == json.loads(json.dumps(summary.to_dict()))


def test_equity_buy_and_hold_and_drawdown_traces_hold_the_run(written):
    out, bars, ts, equity, _, _ = written
    data = embedded(out.read_text(encoding="utf-8"), report.FIGURE_DATA_ID)["data"]
    by_name = {trace["name"]: trace for trace in data}
    assert {
        "Strategy",
        "Buy & hold",
        "Drawdown %",
        "Close",
        "Long entry",
        "Short entry",
        "Exit",
    } <= set(by_name)

    strategy = values(by_name["Strategy"]["y"])
    assert len(strategy) <= report.MAX_POINTS < len(equity)
    assert strategy.max() == equity.max() and strategy.min() == equity.min()
    assert (strategy[0], strategy[-1]) == (equity[0], equity[-1])
    keep = report.extrema_indices(equity)
    x = np.array(by_name["Strategy"]["x"], dtype="datetime64[ms]")
    assert (x == ts[keep].astype("datetime64[ms]")).all()
    assert (values(by_name["Strategy"]["y"]) == equity[keep]).all()

    hold = values(by_name["Buy & hold"]["y"])
    expected_hold = equity[0] * bars.close / bars.close[0]
    assert hold[-1] == pytest.approx(expected_hold[-1])
    assert hold.max() == pytest.approx(expected_hold.max())

    dd = values(by_name["Drawdown %"]["y"])
    assert dd.min() == pytest.approx(-100 * drawdown(equity).max())
    assert -dd.min() / 100 == pytest.approx(written[-1].max_drawdown)


def test_trades_are_marked_on_price(written):
    out, _, _, _, trades, _ = written
    data = embedded(out.read_text(encoding="utf-8"), report.FIGURE_DATA_ID)["data"]
    by_name = {trace["name"]: trace for trace in data}
    long_trade, short_trade = trades
    for name, trade in (("Long entry", long_trade), ("Short entry", short_trade)):
        assert by_name[name]["y"] == [float(trade.entry_price)]
        assert by_name[name]["x"] == [ms_to_datetime(trade.entry_ts).isoformat()]
    exits = by_name["Exit"]
    assert exits["y"] == [float(long_trade.exit_price), float(short_trade.exit_price)]
    colors = exits["marker"]["color"]
    assert colors == ["#1a9850" if t.pnl > 0 else "#d73027" for t in trades]


def test_a_short_run_is_plotted_whole(tmp_path):
    bars, ts, equity, trades, summary = make_run(40)
    out = report.write_report(
        tmp_path / "r.html",
        title="t",
        summary=summary,
        bars=bars,
        ts=ts,
        equity=equity,
        trades=trades,
    )
    data = embedded(out.read_text(encoding="utf-8"), report.FIGURE_DATA_ID)["data"]
    strategy = next(t for t in data if t["name"] == "Strategy")
    assert values(strategy["y"]).tolist() == equity.tolist()


def test_mismatched_curve_is_refused(tmp_path):
    bars, ts, equity, trades, summary = make_run(40)
    with pytest.raises(ValueError, match="equity: has 39 values, ts has 40"):
        report.write_report(
            tmp_path / "r.html",
            title="t",
            summary=summary,
            bars=bars,
            ts=ts,
            equity=equity[:-1],
            trades=trades,
        )
    assert not list(tmp_path.iterdir())


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 3_000), elements=st.floats(-1e6, 1e6)),
    st.integers(4, 400),
)
def test_decimation_keeps_ends_and_extremes(series, max_points):
    keep = report.extrema_indices(series, max_points)
    assert len(keep) <= max(max_points, len(series) if len(series) <= max_points else 0)
    assert np.all(np.diff(keep) > 0) and keep[0] == 0 and keep[-1] == len(series) - 1
    assert series[keep].max() == series.max() and series[keep].min() == series.min()


def test_without_trades_of_this_symbol_there_are_no_markers(tmp_path):
    bars, ts, equity, trades, summary = make_run(40)
    other = [attrs.evolve(t, symbol="ETH/USD") for t in trades]
    for given_trades in ([], other):
        out = report.write_report(
            tmp_path / "r.html",
            title="t",
            summary=summary,
            bars=bars,
            ts=ts,
            equity=equity,
            trades=given_trades,
        )
        data = embedded(out.read_text(encoding="utf-8"), report.FIGURE_DATA_ID)["data"]
        assert [t["name"] for t in data] == ["Strategy", "Buy & hold", "Drawdown %", "Close"]
