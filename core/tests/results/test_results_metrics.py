"""Run metrics: small curves computed by hand (pure Python, another route), degenerate inputs,
and properties over arbitrary positive equity curves."""

from __future__ import annotations

import io
import itertools
import json
import math
import statistics
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import numpy as np
import pytest
from deepalpha.domain import Fill, Side
from deepalpha.results.metrics import Summary, summarize, summary_table
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

DAY = 86_400_000
HOUR = 3_600_000
T0 = 1_600_000_000_000


def days(n: int) -> list[int]:
    return [T0 + i * DAY for i in range(n)]


def fill(n: int, side: Side, qty: str, price: str, ts: int, fee: str = "0") -> Fill:
    return Fill(f"f{n}", f"o{n}", "BTC/USD", side, D(qty), D(price), D(fee), ts)


EQUITY = [100.0, 120.0, 90.0, 130.0, 117.0]


def test_five_point_curve_against_a_pure_python_computation():
    s = summarize(days(5), EQUITY, timeframe_ms=DAY)

    returns = [b / a - 1 for a, b in itertools.pairwise(EQUITY)]
    mean = statistics.fmean(returns)
    sharpe = mean / statistics.stdev(returns) * math.sqrt(365)
    downside = math.sqrt(sum(min(r, 0) ** 2 for r in returns) / len(returns))
    elapsed = datetime(2020, 1, 5, tzinfo=UTC) - datetime(2020, 1, 1, tzinfo=UTC)
    cagr = (117 / 100) ** (timedelta(days=365) / elapsed) - 1

    assert s.total_return == pytest.approx(0.17)
    assert s.sharpe == pytest.approx(sharpe)
    assert s.sortino == pytest.approx(mean / downside * math.sqrt(365))
    assert s.cagr == pytest.approx(cagr)
    # Peak 120 on day 1, trough 90 on day 2 (-25 %), back above 120 on day 3.
    assert s.max_drawdown == pytest.approx(0.25)
    assert (s.max_drawdown_start_ts, s.max_drawdown_end_ts) == (T0 + DAY, T0 + 3 * DAY)
    assert s.max_drawdown_duration_ms == 2 * DAY and s.max_drawdown_recovered
    assert (s.bars, s.initial_equity, s.final_equity) == (5, 100.0, 117.0)


def test_an_unrecovered_drawdown_lasts_until_the_last_bar():
    s = summarize(days(5), [100, 100, 80, 60, 70], timeframe_ms=DAY)
    assert s.max_drawdown == pytest.approx(0.4)
    # The drawdown starts at the *last* bar at the peak (day 1), not the first.
    assert s.max_drawdown_start_ts == T0 + DAY
    assert s.max_drawdown_end_ts == T0 + 4 * DAY and not s.max_drawdown_recovered
    assert s.max_drawdown_duration_ms == 3 * DAY


def test_annualisation_follows_the_timeframe():
    daily = summarize(days(5), EQUITY, timeframe_ms=DAY)
    hourly = summarize([T0 + i * HOUR for i in range(5)], EQUITY, timeframe_ms=HOUR)
    assert hourly.sharpe == pytest.approx(daily.sharpe * math.sqrt(24))


def test_trade_statistics_win_rate_and_profit_factor():
    fills = [
        fill(1, Side.BUY, "1", "100", T0),
        fill(2, Side.SELL, "1", "130", T0 + DAY),  # +30
        fill(3, Side.BUY, "1", "100", T0 + 2 * DAY),
        fill(4, Side.SELL, "1", "90", T0 + 3 * DAY),  # -10
        fill(5, Side.SELL, "1", "100", T0 + 4 * DAY, fee="0.5"),
        fill(6, Side.BUY, "1", "94.5", T0 + 5 * DAY, fee="0.5"),  # +5.5 - 1 = +4.5
    ]
    s = summarize(days(6), [100, 130, 130, 120, 120, 124.5], timeframe_ms=DAY, fills=fills)
    assert (s.trades, s.wins, s.losses) == (3, 2, 1)
    assert s.win_rate == pytest.approx(2 / 3)
    assert s.gross_profit == D("34.5") and s.gross_loss == D(10)
    assert s.profit_factor == pytest.approx(3.45)
    assert s.net_pnl == D("24.5")
    assert s.fees_paid == D(1)


def test_exposure_counts_bars_whose_close_has_an_open_position():
    ts = [T0 + i * HOUR for i in range(10)]
    fills = [
        fill(1, Side.BUY, "1", "100", ts[2] + 1),  # during bar 2
        fill(2, Side.SELL, "1", "100", ts[5]),  # at the open of bar 5
    ]
    s = summarize(ts, [100.0] * 10, timeframe_ms=HOUR, fills=fills)
    assert s.exposure == pytest.approx(0.3)  # bars 2, 3, 4
    qty = [0, 0, 1, 1, 1, 1, -2, 0, 0, 0]
    assert summarize(ts, [100.0] * 10, timeframe_ms=HOUR, position_qty=qty).exposure == 0.5


def test_buy_and_hold_over_the_same_bars():
    s = summarize(days(3), [100, 101, 102], timeframe_ms=DAY, close=[50.0, 40.0, 60.0])
    assert s.buy_hold_return == pytest.approx(0.2)
    assert summarize(days(3), [100, 101, 102], timeframe_ms=DAY).buy_hold_return is None


def test_a_precomputed_buy_and_hold_return_is_kept():
    s = summarize(days(3), [100, 101, 102], timeframe_ms=DAY, buy_hold_return=-0.25)
    assert s.buy_hold_return == -0.25


def test_one_bar_is_defined_everywhere_and_json_safe():
    s = summarize([T0], [1000.0], timeframe_ms=HOUR, close=[5.0])
    assert (s.total_return, s.max_drawdown, s.exposure, s.buy_hold_return) == (0.0, 0.0, 0.0, 0.0)
    assert s.cagr is s.sharpe is s.sortino is s.win_rate is s.profit_factor is None
    assert s.max_drawdown_start_ts is None and s.max_drawdown_duration_ms == 0
    json.dumps(s.to_dict(), allow_nan=False)


def test_flat_equity_has_no_sharpe_and_no_drawdown():
    s = summarize(days(50), [100.0] * 50, timeframe_ms=DAY)
    assert s.sharpe is None and s.sortino is None
    assert (s.total_return, s.cagr, s.max_drawdown) == (0.0, 0.0, 0.0)


def test_steady_compounding_has_constant_returns_hence_no_sharpe():
    s = summarize(days(30), 100 * 1.01 ** np.arange(30), timeframe_ms=DAY)
    assert s.sharpe is None and s.sortino is None and s.total_return > 0


def test_no_losing_trade_leaves_profit_factor_undefined_and_prints_inf():
    fills = [fill(1, Side.BUY, "1", "100", T0), fill(2, Side.SELL, "1", "110", T0 + DAY)]
    s = summarize(days(2), [100, 110], timeframe_ms=DAY, fills=fills)
    assert s.profit_factor is None and s.win_rate == 1.0
    assert "inf" in render(s)


def test_equity_wiped_out_keeps_metrics_finite():
    s = summarize(days(4), [100, 50, 0, 0], timeframe_ms=DAY)
    assert s.max_drawdown == 1.0 and s.total_return == -1.0 and s.cagr == -1.0
    assert s.sharpe is None and s.sortino is None
    json.dumps(s.to_dict(), allow_nan=False)


def test_a_tiny_span_with_a_big_gain_gives_no_cagr_instead_of_inf():
    s = summarize([T0, T0 + 1], [1.0, 1e300], timeframe_ms=1)
    assert s.cagr is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ts": [], "equity": []}, "ts: the equity curve is empty"),
        ({"equity": [1.0, 2.0]}, "equity: has 2 values, ts has 3"),
        ({"equity": [1.0, float("nan"), 2.0]}, r"equity\[1\]: must be finite"),
        ({"equity": [0.0, 1.0, 2.0]}, r"equity\[0\]: the starting equity must be > 0"),
        ({"ts": [3, 2, 4]}, r"ts\[1\]: timestamps must increase strictly, got 2 after 3"),
        ({"timeframe_ms": 0}, "timeframe_ms: must be a positive integer, got 0"),
        ({"close": [1.0, 2.0]}, "close: has 2 values, ts has 3"),
        ({"position_qty": [1]}, "position_qty: has 1 values, ts has 3"),
        ({"equity": [[1.0], [2.0], [3.0]]}, "equity: must be one-dimensional"),
        (
            {"close": [1.0, 2.0, 3.0], "buy_hold_return": 0.1},
            "close, buy_hold_return: give one or the other",
        ),
        ({"buy_hold_return": float("inf")}, "buy_hold_return: must be finite, got inf"),
    ],
)
def test_bad_input_names_the_argument(kwargs, message):
    args = {"ts": days(3), "equity": [1.0, 2.0, 3.0], "timeframe_ms": DAY} | kwargs
    with pytest.raises(ValueError, match=message):
        summarize(args.pop("ts"), args.pop("equity"), **args)


def render(summary: Summary) -> str:
    console = Console(file=io.StringIO(), width=100, record=True)
    console.print(summary_table(summary, title="Backtest"))
    return console.export_text()


def test_summary_table_has_the_rows_users_compare():
    s = summarize(days(5), EQUITY, timeframe_ms=DAY, close=[10, 11, 12, 13, 14])
    text = render(s)
    for label in (
        "Total return",
        "CAGR",
        "Sharpe",
        "Sortino",
        "Max drawdown",
        "Win rate",
        "Profit factor",
        "Trades",
        "Exposure",
        "Buy & hold",
    ):
        assert label in text
    assert "17.00%" in text and "25.00% (2d 0h)" in text and "40.00%" in text
    assert "n/a" in text  # win rate without trades


# --- properties ------------------------------------------------------------------------------

curves = st.lists(
    st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(curves)
def test_properties_of_any_positive_curve(equity):
    ts = days(len(equity))
    s = summarize(ts, equity, timeframe_ms=DAY)
    assert 0.0 <= s.max_drawdown <= 1.0
    assert s.total_return == equity[-1] / equity[0] - 1
    assert 0 <= s.max_drawdown_duration_ms <= ts[-1] - ts[0]
    # A brute-force drawdown: the worst fall from any earlier point.
    worst = max((1 - b / a for i, a in enumerate(equity) for b in equity[i:]), default=0.0)
    assert s.max_drawdown == pytest.approx(worst, abs=1e-12)
    data = s.to_dict()
    json.dumps(data, allow_nan=False)
    assert Summary.from_dict(json.loads(json.dumps(data))) == s


@settings(max_examples=100, deadline=None)
@given(curves.filter(lambda e: len(e) >= 3), st.floats(min_value=1e-3, max_value=1e3))
def test_risk_ratios_do_not_depend_on_account_size(equity, scale):
    a = summarize(days(len(equity)), equity, timeframe_ms=DAY)
    b = summarize(days(len(equity)), np.array(equity) * scale, timeframe_ms=DAY)
    assert b.max_drawdown == pytest.approx(a.max_drawdown, abs=1e-9)
    if a.sharpe is not None and b.sharpe is not None:
        assert b.sharpe == pytest.approx(a.sharpe, rel=1e-6, abs=1e-6)


def test_from_dict_names_unknown_and_missing_keys():
    data = summarize(days(3), [1.0, 2.0, 3.0], timeframe_ms=DAY).to_dict()
    with pytest.raises(ValueError, match=r"unknown keys \['extra'\]"):
        Summary.from_dict(data | {"extra": 1})
    del data["sharpe"]
    with pytest.raises(ValueError, match=r"missing keys \['sharpe'\]"):
        Summary.from_dict(data)


def test_a_one_bar_summary_renders():
    text = render(summarize([T0], [1000.0], timeframe_ms=HOUR))
    assert "Total return" in text and "0.00%" in text and "n/a" in text
