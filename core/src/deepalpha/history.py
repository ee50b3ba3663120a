"""The rolling window of bars an agent may look at.

The engine appends each closed bar before agents see it, and agents only get views of the rows
appended so far. This is what makes look-ahead impossible by construction: in a backtest the
future rows are not in the buffer yet, exactly as in a live run.
"""

from __future__ import annotations

import numpy as np

from .domain import Bar

_FIELDS = ("ts", "open", "high", "low", "close", "volume")


class History:
    """Append-only columnar buffer of one symbol's bars, grown geometrically."""

    __slots__ = ("_cols", "_n", "symbol")

    def __init__(self, symbol: str, capacity: int = 1024) -> None:
        self.symbol = symbol
        self._n = 0
        capacity = max(int(capacity), 16)
        self._cols = {
            name: np.empty(capacity, dtype=np.int64 if name == "ts" else np.float64)
            for name in _FIELDS
        }

    def __len__(self) -> int:
        return self._n

    def append(self, bar: Bar) -> None:
        n = self._n
        cols = self._cols
        ts = cols["ts"]
        if n == len(ts):
            for name in _FIELDS:
                grown = np.empty(2 * n, dtype=cols[name].dtype)
                grown[:n] = cols[name]
                cols[name] = grown
            ts = cols["ts"]
        if n and bar.ts <= ts[n - 1]:
            raise ValueError(f"{self.symbol}: bar at {bar.ts} is not after {int(ts[n - 1])}")
        ts[n] = bar.ts
        cols["open"][n] = bar.open
        cols["high"][n] = bar.high
        cols["low"][n] = bar.low
        cols["close"][n] = bar.close
        cols["volume"][n] = bar.volume
        self._n = n + 1

    def column(self, name: str) -> np.ndarray:
        """Read-only view of a column up to and including the latest bar."""
        view = self._cols[name][: self._n]
        view.flags.writeable = False
        return view

    @property
    def close(self) -> np.ndarray:
        return self.column("close")

    @property
    def open(self) -> np.ndarray:
        return self.column("open")

    @property
    def high(self) -> np.ndarray:
        return self.column("high")

    @property
    def low(self) -> np.ndarray:
        return self.column("low")

    @property
    def volume(self) -> np.ndarray:
        return self.column("volume")

    @property
    def ts(self) -> np.ndarray:
        return self.column("ts")
