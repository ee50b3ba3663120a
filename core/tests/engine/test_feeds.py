"""Feeds: merged historical bars, paced replay, and the polling live feed."""

from __future__ import annotations

import numpy as np
from deepalpha.data import BarSeries, DataSource
from deepalpha.engine import feeds

H = 3_600_000


def _series(symbol: str, start: int, n: int) -> BarSeries:
    ts = np.arange(start, start + n * H, H, dtype=np.int64)
    c = np.linspace(1, 2, n)
    return BarSeries(symbol, "1h", ts, c, c, c, c, c)


def test_historical_merges_symbols_by_time() -> None:
    bars = list(feeds.historical([_series("A", 0, 3), _series("B", H // 2, 3)]))
    assert [(b.symbol, b.ts) for b in bars] == [
        ("A", 0),
        ("B", H // 2),
        ("A", H),
        ("B", 3 * H // 2),
        ("A", 2 * H),
        ("B", 5 * H // 2),
    ]


def test_replay_paces_on_the_given_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bars = list(feeds.replay([_series("A", 0, 4)], 2.0, sleep=sleep, monotonic=lambda: now[0]))
    assert len(bars) == 4
    assert slept == [0.5, 0.5, 0.5, 0.5]


class GrowingSource(DataSource):
    """Closed candles up to 'now'; each poll the clock advances one hour."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, int | None]] = []

    def fetch(self, symbol, timeframe, start=None, end=None):
        self.calls.append((start, end))
        full = _series(symbol, 0, 100)
        return full.between(start, end - H + 1 if end is not None else None)


def test_live_feed_yields_each_closed_candle_once() -> None:
    source = GrowingSource()
    clock = [5 * H]
    polls = [0]

    def sleep(_seconds: float) -> None:
        clock[0] += H
        polls[0] += 1

    bars = list(
        feeds.live(
            source,
            ["A"],
            "1h",
            10.0,
            start=2 * H,
            stop=lambda: polls[0] >= 3,
            sleep=sleep,
            now_ms=lambda: clock[0],
        )
    )
    # polls at 5H, 6H, 7H: candles close one hour after they open, and none comes twice
    assert [b.ts for b in bars] == [3 * H, 4 * H, 5 * H, 6 * H]
    assert source.calls == [(2 * H + 1, 5 * H), (4 * H + 1, 6 * H), (5 * H + 1, 7 * H)]
