"""The backtest journal writes in batches but keeps the per-call journal's checks and results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import Fill, Order, OrderStatus, OrderType, Position, Side
from deepalpha.storage import Store

D = Decimal


def _order(order_id: str = "o-1") -> Order:
    return Order(order_id, "BTC/USD", Side.BUY, OrderType.MARKET, D("0.5"), 1_000)


def _fill(fill_id: str, order_id: str = "o-1") -> Fill:
    return Fill(fill_id, order_id, "BTC/USD", Side.BUY, D("0.5"), D("100.25"), D("0.05"), 2_000)


def _session(journal) -> None:
    order = _order()
    journal.record_order(order)
    journal.record_order(order.transition(OrderStatus.OPEN))
    journal.record_fill(_fill("f-1"), Position("BTC/USD", D("0.5"), D("100.25")))
    journal.record_order(
        order.transition(OrderStatus.OPEN).transition(
            OrderStatus.FILLED, filled_quantity=D("0.5"), average_price=D("100.25")
        )
    )


def test_buffered_writes_only_on_flush_and_then_equals_the_per_call_journal(store: Store) -> None:
    direct = store.start_run("backtest", {}, ["BTC/USD"])
    _session(store.journal(direct))
    batched = store.start_run("backtest", {}, ["BTC/USD"])
    journal = store.journal(batched, buffered=True)
    _session(journal)
    assert store.orders(batched) == [] and store.fills(batched) == []
    journal.flush()
    assert store.orders(batched) == store.orders(direct)
    assert store.fills(batched) == store.fills(direct)
    assert store.positions(batched) == store.positions(direct)
    strip = lambda events: [(e.order_id, e.status) for e in events]  # noqa: E731
    assert strip(store.order_events(batched)) == strip(store.order_events(direct))
    journal.flush()  # nothing pending: no duplicate rows
    assert len(store.fills(batched)) == 1


def test_buffered_journal_refuses_what_the_per_call_journal_refuses(store: Store) -> None:
    journal = store.journal(store.start_run("backtest", {}, ["BTC/USD"]), buffered=True)
    with pytest.raises(ValueError, match="was never recorded"):
        journal.record_fill(_fill("f-1"), Position("BTC/USD", D("0.5"), D("100.25")))
    order = _order()
    journal.record_order(order)
    filled = order.transition(OrderStatus.FILLED, filled_quantity=D("0.5"))
    journal.record_order(filled)
    with pytest.raises(ValueError, match="illegal status change filled -> open"):
        journal.record_order(order.transition(OrderStatus.OPEN))
    journal.record_fill(_fill("f-1"), Position("BTC/USD", D("0.5"), D("100.25")))
    with pytest.raises(ValueError, match="already recorded"):
        journal.record_fill(_fill("f-1"), Position("BTC/USD", D("1"), D("100.25")))
