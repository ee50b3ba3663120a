"""Several processes' worth of stores on one database: first open, then concurrent writers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from deepalpha.domain import Order, OrderStatus, OrderType, Side
from deepalpha.storage import Store

WORKERS = 4


def test_concurrent_first_open_and_journal_writes(db_url: str) -> None:
    """A fresh database opened by several stores at once is migrated exactly once (SQLite:
    BEGIN IMMEDIATE; PostgreSQL: advisory lock), and read-then-write journal transactions from
    concurrent writers all land instead of failing on a stale snapshot."""
    barrier = threading.Barrier(WORKERS)

    def work(worker: int) -> tuple[str, int]:
        barrier.wait()
        with Store.open(db_url) as store:
            run_id = store.start_run("paper", {"worker": worker}, ["BTC/USD"])
            journal = store.journal(run_id)
            for i in range(10):
                order = Order(f"o{i}", "BTC/USD", Side.BUY, OrderType.MARKET, Decimal(i + 1), ts=i)
                journal.record_order(order)
                journal.record_order(order.transition(OrderStatus.CANCELED))
            return run_id, len(store.orders(run_id))

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(work, range(WORKERS)))

    assert [count for _, count in results] == [10] * WORKERS
    with Store.open(db_url) as store:
        assert len(store.runs(limit=100)) == WORKERS
        for run_id, _ in results:
            events = store.order_events(run_id)
            assert len(events) == 20
            assert {o.status for o in store.orders(run_id)} == {OrderStatus.CANCELED}
