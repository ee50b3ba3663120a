"""The HTML report: one offline file showing the portfolio, each symbol, the trades and the
configuration, whose embedded figure data is what the run produced."""

from __future__ import annotations

import base64
import html as htmllib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal as D
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from deepalpha.domain import Fill, Side
from deepalpha.results import breakdown, report
from deepalpha.results.metrics import drawdown
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

HOUR = 3_600_000
T0 = 1_600_000_000_000
A, B = "BTC/USD", "ETH/USD"

SECRETS = ("s3cr3t-api-key-1", "s3cr3t-secret-2", "s3cr3t-token-3", "s3cr3t-pw-4", "s3cr3t-5")
CONFIG = {
    "market": {"symbols": [A, B], "timeframe": "1h"},
    "exchange": {"name": "kraken", "api_key": SECRETS[0], "secret": SECRETS[1]},
    "llm": {"providers": {"openai": {"model": "gpt", "api_token": SECRETS[2]}}},
    "storage": {"url": f"postgresql://alice:{SECRETS[3]}@db.local/deepalpha"},
    "news": {"credentials": {"password": SECRETS[4]}, "sources": [{"url": "file:news"}]},
    "risk": {"max_drawdown": D("0.2")},
}


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def two_symbol_run(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR
    close_a = 100 * np.cumprod(1 + rng.normal(0, 0.01, n))
    close_b = 20 * np.cumprod(1 + rng.normal(0, 0.01, n))

    def px(close, i):
        return D(f"{close[i]:.2f}")

    fills = [
        Fill("f1", "o1", A, Side.BUY, D(2), px(close_a, 2), D("0.2"), int(ts[2])),
        Fill("f2", "o2", B, Side.SELL, D(10), px(close_b, 3), D("0.1"), int(ts[3])),
        Fill("f3", "o3", A, Side.SELL, D(1), px(close_a, n // 2), D("0.1"), int(ts[n // 2])),
        Fill("f4", "o4", B, Side.BUY, D(10), px(close_b, n - 3), D(0), int(ts[n - 3])),
        Fill("f5", "o5", A, Side.SELL, D(1), px(close_a, n - 2), D("0.1"), int(ts[n - 2])),
    ]
    equity = 1_000 + np.cumsum(rng.normal(0, 5, n))
    closes = {A: (ts, close_a), B: (ts, close_b)}
    return breakdown(ts, equity, closes, fills, HOUR)


def embedded(page: str, element_id: str):
    match = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S
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
    def find(cls, page: str) -> list[tuple[str, str]]:
        parser = cls()
        parser.feed(page)
        return parser.found


class TableReader(HTMLParser):
    """Rows of cell texts of the ``<table class="...">`` named at construction."""

    def __init__(self, css: str) -> None:
        super().__init__()
        self.css, self.inside, self.rows, self.cell = css, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("class") == self.css:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    @classmethod
    def read(cls, page: str, css: str) -> list[list[str]]:
        parser = cls(css)
        parser.feed(page)
        return parser.rows


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    bd = two_symbol_run(12_000)
    path = tmp_path_factory.mktemp("report") / "sub" / "run.html"
    out = report.write_report(path, bd, title="SMA <cross> test", config=CONFIG)
    return out, out.read_text(encoding="utf-8"), bd


def test_the_report_is_one_offline_file(written):
    out, page, _ = written
    assert isinstance(out, Path) and out.is_file()
    # Nothing is fetched: no element of the page points at another resource.
    assert ResourceFinder.find(page) == []
    assert ResourceFinder.find('<p><script src="https://x/p.js"></script>') == [
        ("script", "https://x/p.js")
    ]
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.js inline
    assert "SMA &lt;cross&gt; test" in page  # the title is escaped
    assert [p.name for p in out.parent.iterdir()] == ["run.html"]  # no temp file left


def test_portfolio_and_symbol_tables_and_data_are_embedded(written):
    _, page, bd = written
    for label in ("Total return", "Sharpe", "Max drawdown", "Profit factor", "Buy &amp; hold"):
        assert f"<td>{label}</td>" in page
    rows = TableReader.read(page, "symbols")
    assert rows[0][:2] == ["Symbol", "Trades"] and "Contribution" in rows[0]
    # A: two long trades (1 of 2 closed at mid-run, 1 near the end); B: one short trade.
    assert [(r[0], r[1]) for r in rows[1:]] == [(A, "2"), (B, "1")]
    assert embedded(page, report.SUMMARY_DATA_ID) == json.loads(json.dumps(bd.to_dict()))


def test_each_symbol_has_its_section_and_price_chart_with_its_trades(written):
    _, page, bd = written
    figures = embedded(page, report.FIGURE_DATA_ID)
    assert [f["symbol"] for f in figures["symbols"]] == [A, B]
    for spec in figures["symbols"]:
        symbol = spec["symbol"]
        section = re.search(
            rf'<section class="symbol" data-symbol="{re.escape(symbol)}">(.*?)</section>',
            page,
            re.S,
        )
        assert section and f"<h2>{symbol}</h2>" in section.group(1)
        assert f'<div id="{spec["div"]}"></div>' in section.group(1)
        traces = {t["name"]: t for t in spec["figure"]["data"]}
        _, close = bd.closes[symbol]
        price = values(traces["Close"]["y"])
        assert len(price) <= report.SYMBOL_MAX_POINTS < len(close)
        assert price.max() == close.max() and price.min() == close.min()
    a = {t["name"]: t for t in figures["symbols"][0]["figure"]["data"]}
    b = {t["name"]: t for t in figures["symbols"][1]["figure"]["data"]}
    assert set(a) == {"Close", "Long entry", "Exit"} and set(b) == {"Close", "Short entry", "Exit"}
    entry = next(t for t in bd.trades if t.symbol == A)
    assert values(a["Long entry"]["y"]).tolist() == [float(entry.entry_price)]
    assert values(a["Long entry"]["x"]).tolist() == [float(entry.entry_ts)]  # epoch ms
    assert len(values(a["Exit"]["y"])) == 2
    short = next(t for t in bd.trades if t.symbol == B)
    assert values(b["Short entry"]["y"]).tolist() == [float(short.entry_price)]
    assert b["Exit"]["marker"]["color"] == ["#1a9850" if short.pnl > 0 else "#d73027"]


def test_portfolio_figure_holds_equity_buy_and_hold_drawdown_and_symbol_pnl(written):
    _, page, bd = written
    data = embedded(page, report.FIGURE_DATA_ID)["portfolio"]["data"]
    by_name = {trace["name"]: trace for trace in data}
    assert set(by_name) == {
        "Strategy",
        "Buy & hold (equal weight)",
        "Drawdown %",
        f"P&L {A}",
        f"P&L {B}",
    }
    eq, ts = bd.equity, bd.ts
    strategy = values(by_name["Strategy"]["y"])
    assert len(strategy) <= report.MAX_POINTS < len(eq)
    keep = report.extrema_indices(eq)
    assert (values(by_name["Strategy"]["x"]) == ts[keep]).all()
    assert (strategy == eq[keep]).all()

    # Equal weight: half of the first equity in each symbol at its first close.
    (_, ca), (_, cb) = bd.closes[A], bd.closes[B]
    expected = eq[0] * (ca / ca[0] + cb / cb[0]) / 2
    hold = values(by_name["Buy & hold (equal weight)"]["y"])
    assert hold[-1] == pytest.approx(expected[-1])
    assert hold.max() == pytest.approx(expected.max())

    dd = values(by_name["Drawdown %"]["y"])
    assert dd.min() == pytest.approx(-100 * drawdown(eq).max())
    for symbol in (A, B):
        pnl = values(by_name[f"P&L {symbol}"]["y"])
        assert len(pnl) <= report.SYMBOL_MAX_POINTS
        assert pnl[-1] == pytest.approx(bd.symbols[symbol].pnl)


def test_the_trade_list_has_one_row_per_trade(written):
    _, page, bd = written
    rows = TableReader.read(page, "trades")
    assert rows[0] == [
        "Symbol",
        "Side",
        "Entry time",
        "Entry price",
        "Exit time",
        "Exit price",
        "Quantity",
        "P&L",
        "Return",
        "Fees",
        "Duration",
    ]
    assert len(rows) == 1 + 3
    a1, b1, a2 = bd.trades  # exit order: A at mid-run, B near the end, A last
    row = rows[1]
    assert row[:3] == [A, "long", when(a1.entry_ts)]
    assert row[3] == str(a1.entry_price) and row[5] == str(a1.exit_price) and row[6] == "1"
    # 1 x (exit - entry) less half the 0.2 entry fee and all of the 0.1 exit fee.
    assert D(row[7].replace(",", "")) == (a1.exit_price - a1.entry_price - D("0.2")).quantize(
        D("0.01")
    )
    assert row[9] == "0.20"
    assert row[10] == f"{(6_000 - 2) // 24}d {(6_000 - 2) % 24}h"
    assert rows[2][:2] == [B, "short"] and rows[2][6] == "10" and rows[2][9] == "0.10"
    assert D(rows[2][7].replace(",", "")) == ((b1.entry_price - b1.exit_price) * 10 - D("0.1"))
    assert rows[3][:2] == [A, "long"] and rows[3][4] == when(a2.exit_ts)
    assert "3 closed trades in exit order." in page


def test_the_configuration_is_shown_without_secrets(written):
    _, page, _ = written
    match = re.search(r'<pre class="config">(.*?)</pre>', page, re.S)
    assert match
    shown = yaml.safe_load(htmllib.unescape(match.group(1)))
    assert shown["market"] == {"symbols": [A, B], "timeframe": "1h"}
    assert shown["exchange"] == {"name": "kraken", "api_key": "***", "secret": "***"}
    assert shown["llm"]["providers"]["openai"] == {"model": "gpt", "api_token": "***"}
    assert shown["storage"]["url"] == "postgresql://alice:***@db.local/deepalpha"
    assert shown["news"]["credentials"] == {"password": "***"}
    assert shown["risk"] == {"max_drawdown": "0.2"}
    for secret in SECRETS:
        assert secret not in page


def test_mask_config_masks_whole_secret_sections_and_keeps_the_rest():
    masked = report.mask_config(
        {
            "Exchange_Secrets": {"a": 1},
            "token": None,
            "api_key": "",
            "items": ({"passphrase": "x", "name": "y"},),
            "url": "redis://:pw@host:6379/0",
        }
    )
    assert masked == {
        "Exchange_Secrets": "***",
        "token": None,
        "api_key": "",
        "items": [{"passphrase": "***", "name": "y"}],
        "url": "redis://:***@host:6379/0",
    }
    assert report.config_text(None) == "(not recorded)"


def test_a_long_trade_list_is_cut_with_a_note(tmp_path, monkeypatch):
    bd = two_symbol_run(40)
    monkeypatch.setattr(report, "MAX_TRADE_ROWS", 1)
    page = report.render_html(bd, title="t")
    assert len(TableReader.read(page, "trades")) == 1 + 1
    assert "3 closed trades in exit order; the first 1 are listed, 2 more are not." in page


def test_one_symbol_without_trades(tmp_path):
    n = 40
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR
    close = np.linspace(10.0, 20.0, n)
    equity = np.linspace(1000.0, 900.0, n)
    bd = breakdown(ts, equity, {A: (ts, close)}, [], HOUR)
    page = report.write_report(tmp_path / "r.html", bd, title="t").read_text(encoding="utf-8")
    figures = embedded(page, report.FIGURE_DATA_ID)
    portfolio = {t["name"]: t for t in figures["portfolio"]["data"]}
    assert set(portfolio) == {"Strategy", "Buy & hold", "Drawdown %", f"P&L {A}"}
    assert values(portfolio["Strategy"]["y"]).tolist() == equity.tolist()  # short: whole
    assert values(portfolio["Buy & hold"]["y"]) == pytest.approx(1000 * close / 10)
    assert [t["name"] for t in figures["symbols"][0]["figure"]["data"]] == ["Close"]
    assert "0 closed trades in exit order." in page
    assert "(not recorded)" in page


def test_ten_symbols_of_20000_bars_stay_a_few_megabytes(tmp_path):
    n, rng = 20_000, np.random.default_rng(3)
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR
    closes, fills = {}, []
    for j in range(10):
        symbol = f"S{j}/USD"
        close = 100 * np.cumprod(1 + rng.normal(0, 0.01, n))
        closes[symbol] = (ts, close)
        for k, i in enumerate(range(10, n - 100, 400)):
            price = D(f"{close[i]:.2f}")
            fills.append(Fill(f"{j}-{k}a", "o", symbol, Side.BUY, D(1), price, D(0), int(ts[i])))
            price = D(f"{close[i + 50]:.2f}")
            fills.append(
                Fill(f"{j}-{k}b", "o", symbol, Side.SELL, D(1), price, D(0), int(ts[i + 50]))
            )
    bd = breakdown(ts, 10_000 + np.cumsum(rng.normal(0, 5, n)), closes, fills, HOUR)
    out = report.write_report(tmp_path / "big.html", bd, title="ten", config=CONFIG)
    size = out.stat().st_size
    assert size < 9_000_000, f"{size:,} bytes"
    figures = embedded(out.read_text(encoding="utf-8"), report.FIGURE_DATA_ID)
    points = sum(
        len(values(t["y"]))
        for spec in [figures["portfolio"], *(s["figure"] for s in figures["symbols"])]
        for t in spec["data"]
    )
    # 3 portfolio curves + 10 P&L curves + 10 prices, each decimated, plus ~1,000 trade markers.
    assert points <= 3 * report.MAX_POINTS + 20 * report.SYMBOL_MAX_POINTS + 2_000


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


def test_agent_weights_are_shown_in_their_symbol_section():
    bd = two_symbol_run(40)
    weights = {
        A: {
            "technical": {"weight": 1.25, "accuracy": 0.6, "observations": 12},
            "trend": {"weight": 0.5, "accuracy": 0.4, "observations": 12},
        }
    }
    page = report.render_html(bd, title="t", weights=weights)
    a = re.search(r'data-symbol="BTC/USD">(.*?)</section>', page, re.S).group(1)
    b = re.search(r'data-symbol="ETH/USD">(.*?)</section>', page, re.S).group(1)
    rows = TableReader.read(a, "weights")
    assert rows == [
        ["Agent", "Weight", "Accuracy", "Observations"],
        ["technical", "1.250", "0.600", "12"],
        ["trend", "0.500", "0.400", "12"],
    ]
    assert "Agent weights" not in b  # no weights given for ETH/USD
