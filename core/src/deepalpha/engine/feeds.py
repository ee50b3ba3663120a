"""Where the engine's bars come from, and the clock that goes with them.

A feed yields closed bars in time order. The historical feed runs on a simulated clock (as fast as
the pipeline goes); the replay feed paces the same bars on the wall clock, which is how the bundled
data plays as a live feed; the live feed polls a data source for candles as they close.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator, Sequence

from ..data import BarSeries, DataSource, timeframe_ms
from ..domain import Bar


def historical(series: Sequence[BarSeries]) -> Iterator[Bar]:
    """Bars of every series merged by timestamp (ties broken by symbol order)."""
    if len(series) == 1:
        yield from series[0].bars()
        return
    yield from heapq.merge(*(s.bars() for s in series), key=lambda bar: bar.ts)


def replay(
    series: Sequence[BarSeries],
    speed: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[Bar]:
    """Historical bars released at ``speed`` bars per second (0: unthrottled)."""
    if speed <= 0:
        yield from historical(series)
        return
    interval = 1.0 / speed
    due = monotonic()
    for bar in historical(series):
        due += interval
        delay = due - monotonic()
        if delay > 0:
            sleep(delay)
        yield bar


def live(
    source: DataSource,
    symbols: Sequence[str],
    timeframe: str,
    poll_seconds: float,
    *,
    start: int | None = None,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
) -> Iterator[Bar]:
    """Candles as they close, polled from ``source``. Runs until ``stop()`` is true."""
    step = timeframe_ms(timeframe)
    last: dict[str, int] = {s: (start if start is not None else now_ms() - step) for s in symbols}
    while not stop():
        fresh: list[Bar] = []
        for symbol in symbols:
            series = source.fetch(symbol, timeframe, last[symbol] + 1, now_ms())
            for bar in series.bars():
                if bar.ts > last[symbol]:
                    fresh.append(bar)
                    last[symbol] = bar.ts
        fresh.sort(key=lambda bar: bar.ts)
        yield from fresh
        if stop():
            return
        sleep(poll_seconds)
