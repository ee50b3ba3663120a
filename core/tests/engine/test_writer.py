"""The backtest writer thread keeps order and never swallows a failed write."""

from __future__ import annotations

import threading

import pytest
from deepalpha.engine.writer import MAX_IN_FLIGHT, BackgroundWriter


def test_writes_run_in_order_on_one_other_thread() -> None:
    seen: list[tuple[int, str]] = []
    writer = BackgroundWriter()
    for i in range(50):
        writer.submit(lambda i=i: seen.append((i, threading.current_thread().name)))
    writer.close()
    assert [i for i, _ in seen] == list(range(50))
    assert {name for _, name in seen} != {threading.current_thread().name}
    assert len({name for _, name in seen}) == 1


def test_a_failed_write_is_raised_in_the_caller() -> None:
    writer = BackgroundWriter()
    gate = threading.Event()

    def fail() -> None:
        raise OSError("disk full")

    writer.submit(fail)
    with pytest.raises(OSError, match="disk full"):
        for _ in range(MAX_IN_FLIGHT + 1):  # at the latest once the queue is full
            writer.submit(gate.wait)
            gate.set()
        writer.close()


def test_close_raises_a_late_failure() -> None:
    writer = BackgroundWriter()
    writer.submit(lambda: (_ for _ in ()).throw(RuntimeError("late")))
    with pytest.raises(RuntimeError, match="late"):
        writer.close()
