"""The rolling window of bars an agent may look at, its higher timeframes, and the other symbols.

The engine appends each closed bar before agents see it, and agents only get views of the rows
appended so far. This is what makes look-ahead impossible by construction: in a backtest the
future rows are not in the buffer yet, exactly as in a live run.

Three ways of looking, each with the same guarantee:

- ``history.close`` and the other columns: this symbol's bars up to and including the current one.
- ``history.resampled("4h")``: bars of a coarser timeframe built from this one; a coarse bar
  appears only once its last base bar has closed, so an agent never sees a 4h bar still forming.
- ``history.market``: the other symbols of the run, strictly before the current bar's time, so what
  an agent sees does not depend on the order in which symbols sharing a timestamp are processed.

In a backtest the engine hands ``History`` the columns the data source returned
(:meth:`History.over`): appending a bar then only moves the end of the view, nothing is copied.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .data import TIMEFRAMES, BarSeries
from .domain import Bar

_FIELDS = ("ts", "open", "high", "low", "close", "volume")

#: Coarse bars are aligned to the Unix epoch (1970-01-01 was a Thursday); weeks start on Monday,
#: as exchanges and pandas' ``W-MON`` do, hence the 4-day offset.
_WEEK_OFFSET_MS = 4 * 86_400_000


class History:
    """Append-only columnar buffer of one symbol's bars, grown geometrically.

    ``timeframe`` is the bar length (``"1h"``); it is needed for :meth:`resampled` and for the bar's
    close time (``ts + step_ms``). ``market`` is the run's :class:`Market`, or ``None`` outside an
    engine (a unit test driving an agent by hand).
    """

    __slots__ = (
        "_coarse",
        "_cols",
        "_n",
        "_preloaded",
        "market",
        "step_ms",
        "symbol",
        "timeframe",
    )

    def __init__(
        self,
        symbol: str,
        capacity: int = 1024,
        *,
        timeframe: str | None = None,
        market: Market | None = None,
    ) -> None:
        self.symbol = symbol
        self.timeframe = timeframe
        self.step_ms = _step(timeframe) if timeframe is not None else 0
        self.market = market
        self._n = 0
        self._preloaded = False
        self._coarse: dict[str, _Resampler] | None = None
        capacity = max(int(capacity), 16)
        self._cols = {
            name: np.empty(capacity, dtype=np.int64 if name == "ts" else np.float64)
            for name in _FIELDS
        }

    @classmethod
    def over(cls, series: BarSeries, *, market: Market | None = None) -> History:
        """An empty history whose rows are ``series``' own columns, revealed one bar at a time.

        ``append`` of the next row's bar only advances the end of the view (no copy); a bar that is
        not the next row (a replay that skipped or changed data) falls back to copying.
        """
        history = cls(series.symbol, 16, timeframe=series.timeframe, market=market)
        history._cols = {name: getattr(series, name) for name in _FIELDS}
        history._preloaded = True
        return history

    def __len__(self) -> int:
        return self._n

    def append(self, bar: Bar) -> None:
        n = self._n
        cols = self._cols
        ts = cols["ts"]
        if self._preloaded:
            if n < len(ts) and ts[n] == bar.ts and cols["close"][n] == bar.close:
                self._n = n + 1
                if self._coarse:
                    self._feed_coarse(bar)
                return
            self._own_columns()
            cols = self._cols
            ts = cols["ts"]
        if n == len(ts):
            for name in _FIELDS:
                grown = np.empty(2 * n, dtype=cols[name].dtype)
                grown[:n] = cols[name][:n]
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
        if self._coarse:
            self._feed_coarse(bar)

    def _own_columns(self) -> None:
        """Stop sharing the source's (read-only) columns: copy the rows seen so far."""
        n = self._n
        capacity = max(16, 2 * n)
        owned = {}
        for name in _FIELDS:
            col = np.empty(capacity, dtype=self._cols[name].dtype)
            col[:n] = self._cols[name][:n]
            owned[name] = col
        self._cols = owned
        self._preloaded = False

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

    def last(self) -> Bar | None:
        """The latest bar as a ``Bar``, or ``None`` while empty."""
        n = self._n
        if not n:
            return None
        c = self._cols
        i = n - 1
        return Bar(
            self.symbol,
            int(c["ts"][i]),
            float(c["open"][i]),
            float(c["high"][i]),
            float(c["low"][i]),
            float(c["close"][i]),
            float(c["volume"][i]),
        )

    # -- higher timeframes ------------------------------------------------------------------------

    def resampled(self, timeframe: str) -> History:
        """Bars of ``timeframe`` built from this history, closed bars only.

        The first call builds the coarse history from every bar seen so far; afterwards it grows as
        bars are appended, so asking on every bar costs a dictionary look-up. A coarse bar is
        emitted when the base bar that ends its period has closed, or, across a gap in the data,
        when the first bar of a later period arrives (nothing of that bar is in it).
        """
        if timeframe == self.timeframe:
            return self
        coarse = self._coarse.get(timeframe) if self._coarse else None
        if coarse is None:
            coarse = self._start_coarse(timeframe)
        return coarse.history

    def _start_coarse(self, timeframe: str) -> _Resampler:
        if self.timeframe is None:
            raise ValueError(
                f"{self.symbol}: this History has no base timeframe; build it with "
                "History(symbol, timeframe='1h') to resample it"
            )
        step = _step(timeframe)
        if step < self.step_ms or step % self.step_ms:
            raise ValueError(
                f"timeframe {timeframe!r} cannot be resampled from {self.symbol}'s "
                f"{self.timeframe!r} bars: it must be a whole multiple of {self.timeframe!r}"
            )
        resampler = _Resampler(
            History(self.symbol, timeframe=timeframe, market=self.market), step, self.step_ms
        )
        c = self._cols
        for i in range(self._n):
            resampler.add(
                int(c["ts"][i]),
                float(c["open"][i]),
                float(c["high"][i]),
                float(c["low"][i]),
                float(c["close"][i]),
                float(c["volume"][i]),
            )
        if self._coarse is None:
            self._coarse = {}
        self._coarse[timeframe] = resampler
        return resampler

    def _feed_coarse(self, bar: Bar) -> None:
        for resampler in self._coarse.values():
            resampler.add(bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume)


class _Resampler:
    """Aggregates base bars into one coarse period at a time (OHLCV: first, max, min, last, sum)."""

    __slots__ = ("_base", "_c", "_h", "_l", "_o", "_offset", "_start", "_step", "_v", "history")

    def __init__(self, history: History, step: int, base_step: int) -> None:
        self.history = history
        self._step = step
        self._base = base_step
        self._offset = _WEEK_OFFSET_MS if step == TIMEFRAMES["1w"] else 0
        self._start: int | None = None
        self._o = self._h = self._l = self._c = self._v = 0.0

    def add(self, ts: int, o: float, h: float, lo: float, c: float, v: float) -> None:
        start = (ts - self._offset) // self._step * self._step + self._offset
        if self._start is not None and start != self._start:
            self._emit()  # a gap: the previous period ended without its last base bar
        if self._start is None:
            self._start, self._o, self._h, self._l, self._v = start, o, h, lo, 0.0
        if h > self._h:
            self._h = h
        if lo < self._l:
            self._l = lo
        self._c = c
        self._v += v
        if ts + self._base >= start + self._step:
            self._emit()

    def _emit(self) -> None:
        self.history.append(
            Bar(self.history.symbol, self._start, self._o, self._h, self._l, self._c, self._v)
        )
        self._start = None


class Market:
    """The run's histories of every symbol, as other symbols' agents may see them.

    Only bars strictly before the asking bar's time are visible (``before=bar.ts``): bars sharing a
    timestamp are processed one symbol after another, and seeing a neighbour's bar of the same time
    would make an agent's answer depend on that order.
    """

    __slots__ = ("_histories",)

    def __init__(self, histories: Mapping[str, History]) -> None:
        self._histories = histories

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._histories)

    def column(self, symbol: str, name: str, *, before: int) -> np.ndarray:
        """``symbol``'s column ``name`` for its bars with ``ts < before`` (read-only)."""
        history = self._histories.get(symbol)
        if history is None:
            known = ", ".join(self._histories) or "none"
            raise KeyError(f"symbol {symbol!r} is not in this run (symbols: {known})")
        ts = history.ts
        end = int(np.searchsorted(ts, before, side="left"))
        if name == "ts":
            return ts[:end]
        if name not in _FIELDS:
            raise KeyError(f"no column {name!r}; columns: {', '.join(_FIELDS)}")
        return history.column(name)[:end]


def _step(timeframe: str) -> int:
    try:
        return TIMEFRAMES[timeframe]
    except KeyError:
        valid = ", ".join(TIMEFRAMES)
        raise ValueError(f"timeframe {timeframe!r} is not one of: {valid}") from None
