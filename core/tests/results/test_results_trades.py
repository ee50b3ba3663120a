"""FIFO round trips: hand-computed cases, then properties against ``Position.apply``."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from deepalpha.domain import Fill, Position, Side
from deepalpha.results.trades import build_trades, round_trips, total_pnl
from hypothesis import given, settings
from hypothesis import strategies as st

BUY, SELL = Side.BUY, Side.SELL


def fill(n: int, side: Side, qty: str, price: str, fee: str = "0", symbol: str = "BTC/USD") -> Fill:
    return Fill(f"f{n}", f"o{n}", symbol, side, D(qty), D(price), D(fee), ts=1_000 * n)


def test_long_round_trip_nets_both_fees():
    (t,) = round_trips([fill(1, BUY, "2", "100", "0.2"), fill(2, SELL, "2", "110", "0.22")])
    assert (t.side, t.quantity, t.entry_price, t.exit_price) == (BUY, D(2), D(100), D(110))
    assert (t.entry_ts, t.exit_ts) == (1_000, 2_000)
    assert t.fees == D("0.42")
    assert t.gross_pnl == D(20)
    assert t.pnl == D("19.58")
    assert t.return_pct == pytest.approx(19.58 / 200 * 100)
    assert (t.entry_fill_id, t.exit_fill_id) == ("f1", "f2")


def test_short_round_trip_profits_when_price_falls():
    (t,) = round_trips([fill(1, SELL, "2", "100", "0.2"), fill(2, BUY, "2", "90", "0.18")])
    assert t.side is SELL and not t.is_long
    assert t.pnl == D("19.62")


def test_partial_closes_split_the_entry_fee_pro_rata():
    trades = round_trips(
        [
            fill(1, BUY, "3", "100", "0.3"),
            fill(2, SELL, "1", "120", "0.12"),
            fill(3, SELL, "2", "90", "0.18"),
        ]
    )
    assert [t.quantity for t in trades] == [D(1), D(2)]
    assert [t.fees for t in trades] == [D("0.22"), D("0.38")]
    assert [t.pnl for t in trades] == [D("19.78"), D("-20.38")]


def test_fifo_closes_the_oldest_lot_first_and_keeps_the_rest_open():
    book = build_trades(
        [fill(1, BUY, "1", "100"), fill(2, BUY, "1", "200"), fill(3, SELL, "1.5", "150", "0.3")]
    )
    first, second = book.trades
    assert (first.entry_price, first.quantity, first.pnl, first.fees) == (
        D(100),
        D(1),
        D("49.8"),
        D("0.2"),
    )
    assert (second.entry_price, second.quantity, second.pnl, second.fees) == (
        D(200),
        D("0.5"),
        D("-25.1"),
        D("0.1"),
    )
    (lot,) = book.open_lots
    assert (lot.quantity, lot.price, lot.fill_id) == (D("0.5"), D(200), "f2")
    assert book.open_quantity == {"BTC/USD": D("0.5")}


def test_a_fill_that_flips_the_position_closes_then_opens_with_the_rest_of_its_fee():
    book = build_trades(
        [fill(1, BUY, "1", "100"), fill(2, SELL, "3", "110", "0.3"), fill(3, BUY, "2", "100")]
    )
    long_trade, short_trade = book.trades
    assert (long_trade.side, long_trade.pnl, long_trade.fees) == (BUY, D("9.9"), D("0.1"))
    assert (short_trade.side, short_trade.quantity) == (SELL, D(2))
    assert (short_trade.pnl, short_trade.fees) == (D("19.8"), D("0.2"))
    assert book.open_lots == ()
    assert book.open_quantity == {}


def test_fee_thirds_add_up_exactly():
    fills = [fill(1, BUY, "3", "10", "1")] + [fill(n, SELL, "1", "10", "0") for n in (2, 3, 4)]
    trades = round_trips(fills)
    # Shares of what is left are rounded to 12 places (half even); the last takes the exact rest.
    assert [t.fees for t in trades] == [
        D("0.333333333333"),
        D("0.333333333334"),
        D("0.333333333333"),
    ]
    assert sum((t.fees for t in trades), D(0)) == D(1)
    assert total_pnl(trades) == D(-1)


def test_symbols_are_matched_separately_and_input_order_does_not_matter():
    fills = [
        fill(4, SELL, "1", "12", symbol="ETH/USD"),
        fill(1, BUY, "1", "10", symbol="ETH/USD"),
        fill(2, BUY, "1", "100"),
        fill(3, SELL, "1", "101"),
    ]
    trades = round_trips(fills)
    assert [(t.symbol, t.pnl) for t in trades] == [("BTC/USD", D(1)), ("ETH/USD", D(2))]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", D(0), "quantity must be a finite Decimal > 0, got Decimal('0')"),
        ("price", D(-1), "price must be a finite Decimal > 0"),
        ("fee", D("NaN"), "fee must be a finite Decimal"),
        ("quantity", 1.5, "quantity must be a finite Decimal > 0, got 1.5"),
    ],
)
def test_bad_fills_are_named(field, value, message):
    import attrs

    bad = attrs.evolve(fill(7, BUY, "1", "1"), **{field: value})
    with pytest.raises(ValueError, match="fill 'f7'") as err:
        build_trades([bad])
    assert message in str(err.value)


# --- properties ------------------------------------------------------------------------------

quantities = st.integers(1, 10_000).map(lambda n: D(n) / 100)
prices = st.integers(1, 1_000_000).map(lambda n: D(n) / 100)
fees = st.integers(0, 500).map(lambda n: D(n) / 1000)
raw_fills = st.lists(
    st.tuples(st.sampled_from(["BTC/USD", "ETH/USD"]), st.booleans(), quantities, prices, fees),
    min_size=1,
    max_size=30,
)


def make_fills(raw) -> list[Fill]:
    return [
        Fill(f"f{i}", f"o{i}", sym, BUY if buy else SELL, q, p, fee, ts=i)
        for i, (sym, buy, q, p, fee) in enumerate(raw)
    ]


def positions(fills: list[Fill]) -> dict[str, Position]:
    out: dict[str, Position] = {}
    for f in fills:
        out[f.symbol] = out.get(f.symbol, Position(f.symbol)).apply(f)
    return out


def flatten(fills: list[Fill], price: D) -> list[Fill]:
    """Close every open position with one more fill (fee-free) at ``price``."""
    extra = []
    for sym, pos in positions(fills).items():
        if pos.quantity:
            side = SELL if pos.quantity > 0 else BUY
            n = len(fills) + len(extra)
            extra.append(Fill(f"x{n}", f"x{n}", sym, side, abs(pos.quantity), price, D(0), n))
    return fills + extra


# Position.apply rounds its average price to 28 significant digits; FIFO matching is exact.
TOLERANCE = D("1e-12")


@settings(max_examples=200, deadline=None)
@given(raw_fills, prices)
def test_pnl_of_a_flat_book_equals_realised_pnl_minus_fees(raw, close_price):
    fills = flatten(make_fills(raw), close_price)
    book = build_trades(fills)
    realised = sum((p.realized_pnl for p in positions(fills).values()), D(0))
    all_fees = sum((f.fee for f in fills), D(0))
    assert book.open_lots == ()
    assert abs(total_pnl(book.trades) - (realised - all_fees)) <= TOLERANCE


@settings(max_examples=200, deadline=None)
@given(raw_fills, prices)
def test_marked_pnl_matches_average_cost_accounting_while_positions_are_open(raw, mark):
    fills = make_fills(raw)
    book = build_trades(fills)
    fifo = sum((t.gross_pnl for t in book.trades), D(0)) + sum(
        ((mark - lot.price) * lot.quantity * lot.side.sign for lot in book.open_lots), D(0)
    )
    avg = sum(
        (p.realized_pnl + (mark - p.average_price) * p.quantity for p in positions(fills).values()),
        D(0),
    )
    assert abs(fifo - avg) <= TOLERANCE


@settings(max_examples=200, deadline=None)
@given(raw_fills)
def test_fees_and_quantities_are_conserved_exactly(raw):
    fills = make_fills(raw)
    book = build_trades(fills)
    allocated = sum((t.fees for t in book.trades), D(0)) + sum(
        (lot.fee for lot in book.open_lots), D(0)
    )
    assert allocated == sum((f.fee for f in fills), D(0))
    expected_open = {s: p.quantity for s, p in positions(fills).items() if p.quantity}
    assert book.open_quantity == expected_open
    for t in book.trades:
        assert t.quantity > 0 and t.entry_ts <= t.exit_ts
        assert t.exit_fill_id != t.entry_fill_id
