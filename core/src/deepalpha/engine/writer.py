"""A writer thread for a backtest's batched storage writes.

SQLite does its B-tree work without holding the GIL, so equity rows, decisions and journal
batches written from a second thread overlap with the engine's loop on the other core instead of
stalling it. Writes keep their order (one thread, FIFO). A failed write is re-raised in the
engine's thread at the next submit or at ``close``: a run never ends as if its data were stored
when it was not.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

#: Batches allowed in flight before the engine waits for the oldest (bounds memory).
MAX_IN_FLIGHT = 4


class BackgroundWriter:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deepalpha-writer")
        self._futures: deque[Future[Any]] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        while self._futures and (self._futures[0].done() or len(self._futures) >= MAX_IN_FLIGHT):
            self._futures.popleft().result()  # re-raises a failed write here
        self._futures.append(self._pool.submit(fn, *args))

    def close(self) -> None:
        """Wait for every write; raise the first failure."""
        try:
            while self._futures:
                self._futures.popleft().result()
        finally:
            self._pool.shutdown(wait=True)
