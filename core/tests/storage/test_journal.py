"""The gateway journal: upserted orders with an event log, fills, positions, and durability."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from deepalpha.domain import Fill, Order, OrderStatus, OrderType, Position, Side
from deepalpha.gateways import Journal
from deepalpha.storage import Store

D = Decimal


def _order(**changes) -> Order:
    fields = dict(
        id="o-1",
        symbol="BTC/USD",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D("0.123456789012345678"),
        ts=1_500_000_000_000,
        limit_price=D("10123.45"),
        reason="ema cross",
        client_tag="t1",
    )
    fields.update(changes)
    return Order(**fields)


def _fill(fill_id: str, quantity: str, price: str, order_id: str = "o-1") -> Fill:
    return Fill(
        id=fill_id,
        order_id=order_id,
        symbol="BTC/USD",
        side=Side.BUY,
        quantity=D(quantity),
        price=D(price),
        fee=D("0.0001"),
        ts=1_500_000_360_000,
    )


def test_journal_satisfies_protocol(store: Store, run_id: str) -> None:
    journal: Journal = store.journal(run_id)
    assert callable(journal.record_order) and callable(journal.record_fill)
    with pytest.raises(ValueError, match="unknown run"):
        store.journal("f" * 32)


def test_order_upsert_keeps_one_row_and_logs_every_state(store: Store, run_id: str) -> None:
    journal = store.journal(run_id)
    new = _order()
    journal.record_order(new)
    opened = new.transition(OrderStatus.OPEN)
    journal.record_order(opened)
    partial = opened.transition(
        OrderStatus.PARTIALLY_FILLED, filled_quantity=D("0.1"), average_price=D("10120")
    )
    journal.record_order(partial)
    done = partial.transition(
        OrderStatus.FILLED, filled_quantity=new.quantity, average_price=D("10121.5")
    )
    journal.record_order(done)

    assert store.orders(run_id) == [done]
    events = store.order_events(run_id)
    assert [e.status for e in events] == [
        OrderStatus.NEW,
        OrderStatus.OPEN,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ]
    assert events[-1].filled_quantity == new.quantity
    assert events[-1].average_price == D("10121.5")
    assert events[0].average_price is None


def test_orders_are_per_run(store: Store, run_id: str) -> None:
    other = store.start_run("paper", {}, ["BTC/USD"])
    store.journal(run_id).record_order(_order())
    store.journal(other).record_order(_order(quantity=D("2")))  # same order id, other run
    assert [o.quantity for o in store.orders(run_id)] == [_order().quantity]
    assert [o.quantity for o in store.orders(other)] == [D("2")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(status=OrderStatus.NEW), "illegal status change filled -> new"),
        (dict(side=Side.SELL), "side cannot change"),
        (dict(symbol="ETH/USD"), "symbol cannot change"),
        (dict(filled_quantity=D("0.01")), "filled quantity cannot decrease"),
    ],
)
def test_journal_refuses_to_rewrite_history(store: Store, run_id: str, change, message) -> None:
    journal = store.journal(run_id)
    filled = _order(status=OrderStatus.FILLED, filled_quantity=D("0.1"), average_price=D("1"))
    journal.record_order(_order())
    journal.record_order(filled)
    with pytest.raises(ValueError, match=message):
        journal.record_order(_order(**{"status": OrderStatus.FILLED, **change}))
    assert store.orders(run_id) == [filled]
    assert len(store.order_events(run_id)) == 2


def test_fills_update_the_latest_position(store: Store, run_id: str) -> None:
    journal = store.journal(run_id)
    journal.record_order(_order(order_type=OrderType.MARKET, limit_price=None))
    position = Position("BTC/USD")
    fills = [_fill("f-1", "0.1", "10000.10"), _fill("f-2", "0.023456789012345678", "10001.9")]
    for fill in fills:
        position = position.apply(fill)
        journal.record_fill(fill, position)
    assert store.fills(run_id) == fills
    assert store.positions(run_id) == [position]
    assert position.quantity == D("0.123456789012345678")


def test_fill_for_unrecorded_order_is_refused(store: Store, run_id: str) -> None:
    fill = _fill("f-1", "1", "2", order_id="ghost")
    with pytest.raises(ValueError, match="order 'ghost' was never recorded"):
        store.journal(run_id).record_fill(fill, Position("BTC/USD").apply(fill))
    assert store.fills(run_id) == [] and store.positions(run_id) == []


def test_duplicate_fill_and_mismatched_position_are_refused(store: Store, run_id: str) -> None:
    journal = store.journal(run_id)
    journal.record_order(_order())
    fill = _fill("f-1", "0.1", "10000")
    journal.record_fill(fill, Position("BTC/USD").apply(fill))
    with pytest.raises(ValueError, match="already recorded"):
        journal.record_fill(fill, Position("BTC/USD").apply(fill))
    with pytest.raises(ValueError, match="position after it is for ETH/USD"):
        journal.record_fill(_fill("f-2", "1", "1"), Position("ETH/USD"))
    assert store.fills(run_id) == [fill]


def test_float_amounts_are_refused(store: Store, run_id: str) -> None:
    with pytest.raises(sa.exc.StatementError, match="booked amounts must be Decimal"):
        store.journal(run_id).record_order(_order(quantity=0.1))
    assert store.orders(run_id) == []


def test_committed_before_returning(db_url: str) -> None:
    """Crash safety: a second, independent Store sees each write as soon as the call returns."""
    writer = Store.open(db_url)
    try:
        run_id = writer.start_run("paper", {}, ["BTC/USD"])
        journal = writer.journal(run_id)
        order = _order()
        journal.record_order(order)
        with Store.open(db_url) as reader:
            assert reader.orders(run_id) == [order]
        fill = _fill("f-1", "0.1", "10000")
        position = Position("BTC/USD").apply(fill)
        journal.record_fill(fill, position)
        with Store.open(db_url) as reader:
            assert reader.fills(run_id) == [fill]
            assert reader.positions(run_id) == [position]
    finally:
        writer.close()
