"""Per-symbol breakdown of a portfolio run: hand-computed two-symbol cases (long and short, partial
exits, fees, a symbol listed late), and the invariant that the symbols' P&L curves add up to the
portfolio's equity, checked against an independent cash-and-positions ledger."""

from __future__ import annotations

import json
import math
from decimal import Decimal as D

import numpy as np
import pytest
from deepalpha.domain import Fill, Side
from deepalpha.results import Breakdown, SymbolSummary, breakdown, summarize, symbol_table
from hypothesis import given, settings
from hypothesis import strategies as st

HOUR = 3_600_000
T0 = 1_600_000_000_000
BUY, SELL = Side.BUY, Side.SELL
A, B = "BTC/USD", "ETH/USD"


def hours(n: int) -> np.ndarray:
    return T0 + np.arange(n, dtype=np.int64) * HOUR


def fill(n: int, symbol: str, side: Side, qty: str, price: str, row: int, fee: str = "0") -> Fill:
    return Fill(f"f{n}", f"o{n}", symbol, side, D(qty), D(price), D(fee), T0 + row * HOUR)


def ledger_equity(
    ts: np.ndarray, closes: dict, fills: list[Fill], cash: D, timeframe_ms: int = HOUR
) -> np.ndarray:
    """The engine's way, written again: one cash balance and one position per symbol, fills
    applied when their bar is processed, everything marked at the last close seen so far."""
    held: dict[str, D] = {}
    out = []
    pending = sorted(fills, key=lambda f: f.ts)
    k = 0
    for t in ts:
        while k < len(pending) and pending[k].ts < t + timeframe_ms:
            f = pending[k]
            sign = 1 if f.side is BUY else -1
            cash -= sign * f.quantity * f.price + f.fee
            held[f.symbol] = held.get(f.symbol, D(0)) + sign * f.quantity
            k += 1
        value = float(cash)
        for symbol, qty in held.items():
            sym_ts, close = closes[symbol]
            seen = [c for s, c in zip(sym_ts, close, strict=True) if s <= t]
            value += float(qty) * (seen[-1] if seen else 0.0)
        out.append(value)
    return np.array(out)


# -- two symbols, by hand ------------------------------------------------------------------------

TS = hours(6)
CLOSE_A = np.array([100.0, 110.0, 120.0, 115.0, 130.0, 125.0])
CLOSE_B = np.array([50.0, 48.0, 45.0, 47.0, 40.0, 42.0])
CLOSES = {A: (TS, CLOSE_A), B: (TS, CLOSE_B)}
FILLS = [
    fill(1, A, BUY, "2", "101", 1, "0.2"),  # long 2
    fill(2, B, SELL, "3", "49", 1, "0.15"),  # short 3
    fill(3, A, SELL, "1", "119", 2, "0.1"),  # partial exit
    fill(4, B, BUY, "1", "46", 3, "0.05"),  # partial cover
    fill(5, A, SELL, "1", "131", 4, "0.1"),  # flat
    fill(6, B, BUY, "2", "50", 5, "0.1"),  # covered at a loss, flat
]
# Worked out on paper (cash moved by the symbol's fills + position x close):
# A: row1 -202.2 + 2x110 = 17.8; row2 -83.3 + 120 = 36.7; row3 -83.3 + 115 = 31.7; row4 47.6
# B: row1 146.85 - 3x48 = 2.85; row2 146.85 - 135 = 11.85; row3 100.8 - 2x47 = 6.8;
#    row4 100.8 - 80 = 20.8; row5 100.8 - 100.1 = 0.7
PNL_A = [0.0, 17.8, 36.7, 31.7, 47.6, 47.6]
PNL_B = [0.0, 2.85, 11.85, 6.8, 20.8, 0.7]
EQUITY = np.array([1000.0, 1020.65, 1048.55, 1038.5, 1068.4, 1048.3])


@pytest.fixture(scope="module")
def two() -> Breakdown:
    return breakdown(TS, EQUITY, CLOSES, FILLS, HOUR)


def test_the_hand_worked_equity_is_what_a_ledger_gives():
    # Guards the fixture itself: the hand-typed equity is the engine's cash + positions view.
    assert ledger_equity(TS, CLOSES, FILLS, D(1000)) == pytest.approx(EQUITY, abs=1e-9)


def test_per_symbol_pnl_curves_long_short_partial_exits_and_fees(two):
    assert two.pnl[A] == pytest.approx(PNL_A, abs=1e-9)
    assert two.pnl[B] == pytest.approx(PNL_B, abs=1e-9)
    assert two.initial_cash == 1000.0
    assert two.initial_cash + two.pnl[A] + two.pnl[B] == pytest.approx(EQUITY, abs=1e-9)


def test_per_symbol_trades_and_their_statistics(two):
    a, b = two.symbols[A], two.symbols[B]
    # A: 1 @101 -> 119 (+18 - 0.1 - 0.1) and 1 @101 -> 131 (+30 - 0.1 - 0.1); both long wins.
    assert [t.pnl for t in two.trades_of(A)] == [D("17.8"), D("29.8")]
    assert all(t.is_long for t in two.trades_of(A))
    assert (a.trades, a.wins, a.losses, a.win_rate) == (2, 2, 0, 1.0)
    assert a.profit_factor is None and a.gross_profit == D("47.6")
    assert a.net_pnl == D("47.6") and a.fees_paid == D("0.4")
    # B short: 1 @49 -> 46 (+3 - 0.05 - 0.05) wins, 2 @49 -> 50 (-2 - 0.1 - 0.1) loses.
    assert [t.pnl for t in two.trades_of(B)] == [D("2.9"), D("-2.2")]
    assert not any(t.is_long for t in two.trades_of(B))
    assert (b.trades, b.wins, b.losses, b.win_rate) == (2, 1, 1, 0.5)
    assert b.profit_factor == pytest.approx(2.9 / 2.2)
    assert b.net_pnl == D("0.7") and b.fees_paid == D("0.3")
    # Flat at the end: the curve's last value is the closed trades' net.
    assert (a.pnl, b.pnl) == (pytest.approx(47.6), pytest.approx(0.7))
    assert a.open_quantity == 0 and b.open_quantity == 0


def test_exposure_buy_and_hold_and_contribution(two):
    a, b = two.symbols[A], two.symbols[B]
    assert a.exposure == pytest.approx(3 / 6)  # rows 1-3 hold A
    assert b.exposure == pytest.approx(4 / 6)  # rows 1-4 hold B
    assert a.bars == b.bars == 6
    assert a.buy_hold_return == pytest.approx(0.25)  # 100 -> 125
    assert b.buy_hold_return == pytest.approx(-0.16)  # 50 -> 42
    assert a.contribution == pytest.approx(0.0476)
    assert b.contribution == pytest.approx(0.0007)
    assert a.contribution + b.contribution == pytest.approx(two.portfolio.total_return)


def test_portfolio_summary_and_equal_weight_buy_and_hold(two):
    p = two.portfolio
    assert p.total_return == pytest.approx(0.0483)
    assert (p.trades, p.wins, p.losses) == (4, 3, 1)
    assert p.fees_paid == D("0.7") and p.net_pnl == D("48.3")
    assert p.exposure == pytest.approx(4 / 6)  # something held at rows 1-4; flat at row 5
    # Equal weight: 500 into each at the first close; return = mean(+25 %, -16 %).
    assert p.buy_hold_return == pytest.approx(0.045)
    expected = 1000 * (CLOSE_A / 100 + CLOSE_B / 50) / 2
    assert two.buy_hold == pytest.approx(expected)
    assert two.buy_hold[2] == pytest.approx(1050.0)  # (1.2 + 0.9) / 2


def test_a_symbol_listed_late_with_a_gap():
    """B trades only from row 2 and has no bar at row 4: it is marked at its last close, its share
    of the benchmark waits in cash, and its exposure counts its own bars."""
    ts = hours(6)
    b_ts = ts[[2, 3, 5]]
    b_close = np.array([10.0, 12.0, 9.0])
    closes = {A: (ts, np.full(6, 100.0)), B: (b_ts, b_close)}
    fills = [fill(1, B, BUY, "10", "10", 2), fill(2, B, SELL, "10", "9", 5, "0.5")]
    equity = ledger_equity(ts, closes, fills, D(500))
    bd = breakdown(ts, equity, closes, fills, HOUR)
    # Cash -100 from row 2; marks 10, 12, 12 (row 4: still 12), then sold at 9 less 0.5.
    assert bd.pnl[B] == pytest.approx([0, 0, 0, 20, 20, -10.5])
    assert bd.pnl[A] == pytest.approx(np.zeros(6))
    b = bd.symbols[B]
    assert b.bars == 3 and b.exposure == pytest.approx(2 / 3)  # held at 2 of its 3 closes
    assert b.buy_hold_return == pytest.approx(-0.1)  # 10 -> 9
    assert bd.portfolio.buy_hold_return == pytest.approx(-0.05)  # mean(0, -10 %)
    assert bd.buy_hold == pytest.approx(
        500 * (1 + np.array([1, 1, 1, 1.2, 1.2, 0.9])) / 2
    )  # B's half idle until row 2
    assert (b.trades, b.losses, b.net_pnl) == (1, 1, D("-10.5"))


def test_an_open_position_is_marked_but_not_a_trade():
    ts = hours(4)
    closes = {A: (ts, np.array([100.0, 100, 104, 108])), B: (ts, np.array([20.0, 20, 22, 18]))}
    fills = [
        fill(1, A, BUY, "1", "100", 1, "1"),
        fill(2, B, SELL, "5", "20", 1),
        fill(3, B, BUY, "3", "22", 2),  # covers 3 of 5 at a loss of 2 each
    ]
    equity = ledger_equity(ts, closes, fills, D(1000))
    bd = breakdown(ts, equity, closes, fills, HOUR)
    a, b = bd.symbols[A], bd.symbols[B]
    assert a.pnl == pytest.approx(7.0)  # 108 - 100 - 1 fee, still open
    assert a.net_pnl == 0 and a.trades == 0 and a.open_quantity == D(1)
    assert b.pnl == pytest.approx(-6.0 + 2 * (20 - 18))  # -6 realised, +4 on the 2 still short
    assert b.net_pnl == D(-6) and b.open_quantity == D(-2)
    assert bd.initial_cash + bd.pnl[A] + bd.pnl[B] == pytest.approx(equity, abs=1e-9)


def test_one_symbol_gives_exactly_the_summary_of_today():
    ts = hours(5)
    close = np.array([10.0, 11.0, 9.0, 12.0, 13.0])
    fills = [fill(1, A, BUY, "1", "11", 1, "0.01"), fill(2, A, SELL, "1", "12", 3, "0.01")]
    equity = ledger_equity(ts, {A: (ts, close)}, fills, D(100))
    bd = breakdown(ts, equity, {A: (ts, close)}, fills, HOUR)
    assert bd.portfolio == summarize(ts, equity, timeframe_ms=HOUR, fills=fills, close=close)
    assert bd.portfolio.buy_hold_return == pytest.approx(0.3)
    assert bd.to_dict()["buy_hold"] == "single"


def test_to_dict_is_json_safe_and_round_trips(two):
    data = json.loads(json.dumps(two.to_dict(), allow_nan=False))
    assert data["summary"] == json.loads(json.dumps(two.portfolio.to_dict()))
    assert list(data["symbols"]) == [A, B]
    assert data["buy_hold"] == "equal-weight" and data["initial_cash"] == 1000.0
    for name, s in two.symbols.items():
        assert SymbolSummary.from_dict(data["symbols"][name]) == s
    assert D(data["symbols"][B]["net_pnl"]) == D("0.7")  # exact, as a string
    with pytest.raises(ValueError, match=r"unknown keys \['x'\]"):
        SymbolSummary.from_dict(data["symbols"][A] | {"x": 1})


def test_symbol_table_renders(two):
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(symbol_table(two))
    text = console.export_text()
    assert A in text and B in text and "Contribution" in text and "+4.76%" in text


@pytest.mark.parametrize(
    ("closes", "fills", "message"),
    [
        ({A: (TS, CLOSE_A)}, FILLS, r"fills: fill 'f2' is for 'ETH/USD', which has no bars"),
        ({A: (TS, CLOSE_A[:-1])}, [], r"closes\['BTC/USD'\]: close has 5 values, ts has 6"),
        ({A: (TS[::-1], CLOSE_A)}, [], r"closes\['BTC/USD'\].ts: timestamps must increase"),
        ({A: TS}, [], r"closes\['BTC/USD'\]: must be a \(ts, close\) pair"),
        ({A: (TS, CLOSE_A * np.nan)}, [], r"closes\['BTC/USD'\].close\[0\]: must be finite"),
    ],
)
def test_bad_input_names_the_argument(closes, fills, message):
    with pytest.raises(ValueError, match=message):
        breakdown(TS, EQUITY, closes, fills, HOUR)


def test_a_curve_that_does_not_match_ts_is_refused():
    with pytest.raises(ValueError, match="equity: has 5 values, ts has 6"):
        breakdown(TS, EQUITY[:-1], CLOSES, FILLS, HOUR)


# -- the invariant, for any sequence of fills ------------------------------------------------------

SYMBOLS = (A, B, "SOL/USD")


@st.composite
def runs(draw):
    n = draw(st.integers(2, 40))
    ts = hours(n)
    closes = {}
    for symbol in draw(st.sampled_from([SYMBOLS[:2], SYMBOLS])):
        start = draw(st.integers(0, n - 1))
        cents = draw(st.lists(st.integers(1, 10**6), min_size=n - start, max_size=n - start))
        closes[symbol] = (ts[start:], np.array(cents, dtype=np.float64) / 100)
    fills = []
    for k in range(draw(st.integers(0, 30))):
        symbol = draw(st.sampled_from(list(closes)))
        sym_ts, _ = closes[symbol]
        at = draw(st.integers(int(sym_ts[0]), int(ts[-1])))  # any ms, mid-bar included
        fills.append(
            Fill(
                f"f{k}",
                f"o{k}",
                symbol,
                draw(st.sampled_from([BUY, SELL])),
                D(draw(st.integers(1, 10**4))) / 1000,
                D(draw(st.integers(1, 10**6))) / 100,
                D(draw(st.integers(0, 10**4))) / 100,
                at,
            )
        )
    return ts, closes, fills


@settings(max_examples=200, deadline=None)
@given(runs())
def test_symbol_curves_add_up_to_the_portfolio(run):
    ts, closes, fills = run
    cash = D(10**7)  # more than 30 fills of at most 10 x 10,000 can spend: equity stays > 0
    equity = ledger_equity(ts, closes, fills, cash)
    bd = breakdown(ts, equity, closes, fills, HOUR)
    total = bd.initial_cash + sum(bd.pnl.values())
    # Float rounding is relative to the largest amounts summed: cash, notionals, marked positions.
    top = max(float(c.max()) for _, c in closes.values())
    scale = float(cash) + sum(float(f.quantity) * (float(f.price) + top) for f in fills)
    assert np.abs(total - equity).max() <= 1e-12 * scale
    assert bd.initial_cash == pytest.approx(float(cash), abs=1e-12 * scale)
    assert math.fsum(s.contribution for s in bd.symbols.values()) == pytest.approx(
        bd.portfolio.total_return, abs=1e-12 * scale / float(equity[0])
    )
    for symbol, s in bd.symbols.items():
        assert 0.0 <= s.exposure <= 1.0
        assert s.trades == len(bd.trades_of(symbol))
        own = [f for f in fills if f.symbol == symbol]
        assert s.fees_paid == sum((f.fee for f in own), D(0))
        if s.open_quantity == 0:
            # A flat symbol's P&L is its closed trades' net, whatever the route.
            assert s.pnl == pytest.approx(float(s.net_pnl), abs=1e-12 * scale)
    assert sum(s.trades for s in bd.symbols.values()) == bd.portfolio.trades
    # The portfolio's exposure from the symbols' positions is the one the fills give directly.
    assert bd.portfolio.exposure == summarize(ts, equity, timeframe_ms=HOUR, fills=fills).exposure
