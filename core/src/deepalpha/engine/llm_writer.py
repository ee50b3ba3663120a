"""Writes the LLM records and the spend ledger on a thread of their own.

A recorded answer and a ledger row are each a committed transaction (about a millisecond on
SQLite with full sync); on the decision's path that was most of the engine's own time per LLM
decision. Here they are queued in order and written behind it. What is queued is already in the
engine's memory (the answer memo, the run's spend), so nothing waits for the disk; ``drain``
(the end of a run) waits for everything queued. A crash can lose the last few queued writes: a
lost record means the question is asked again, a lost ledger row that the day's budget counts
that call's cost too low, both bounded by the calls of the last moment.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class BackgroundWriter:
    """Runs queued store writes in order on one daemon thread (started on first use)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple, dict] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="deepalpha-llm-writer", daemon=True
                )
                self._thread.start()
        self._queue.put((write, args, kwargs))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            write, args, kwargs = item
            try:
                write(*args, **kwargs)
            except Exception:  # a failed write must not stop the ones behind it
                log.exception("writing an LLM record or ledger row failed")

    def drain(self) -> None:
        """Write everything queued, then stop the thread (a later ``submit`` starts another)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()
