"""The data-source extension point and the columnar bar series it returns.

Sources return whole columns (numpy arrays) rather than lists of ``Bar`` objects: a year of minute
bars is half a million rows and the backtester walks them at hundreds of thousands per second.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator

import attrs
import numpy as np
from attrs import frozen

from .domain import Bar
from .errors import DataError
from .timeframes import TIMEFRAMES

__all__ = ["TIMEFRAMES", "BarSeries", "DataSource", "timeframe_ms"]


def timeframe_ms(timeframe: str) -> int:
    try:
        return TIMEFRAMES[timeframe]
    except KeyError:
        valid = ", ".join(TIMEFRAMES)
        raise DataError(f"timeframe {timeframe!r} is not one of: {valid}") from None


def _column(name: str, dtype: type):
    def convert(value: object) -> np.ndarray:
        array = np.ascontiguousarray(value, dtype=dtype)
        array.flags.writeable = False
        return array

    return attrs.field(converter=convert)


@frozen
class BarSeries:
    """Candles of one symbol and timeframe, oldest first, as read-only contiguous columns."""

    symbol: str
    timeframe: str
    ts: np.ndarray = _column("ts", np.int64)
    open: np.ndarray = _column("open", np.float64)
    high: np.ndarray = _column("high", np.float64)
    low: np.ndarray = _column("low", np.float64)
    close: np.ndarray = _column("close", np.float64)
    volume: np.ndarray = _column("volume", np.float64)

    def __attrs_post_init__(self) -> None:
        n = len(self.ts)
        for name in ("open", "high", "low", "close", "volume"):
            if len(getattr(self, name)) != n:
                raise DataError(
                    f"{self.symbol} {self.timeframe}: column {name} has "
                    f"{len(getattr(self, name))} rows, ts has {n}"
                )
        if n > 1 and not bool(np.all(np.diff(self.ts) > 0)):
            raise DataError(
                f"{self.symbol} {self.timeframe}: timestamps are not strictly increasing"
            )

    def __len__(self) -> int:
        return len(self.ts)

    def between(self, start: int | None = None, end: int | None = None) -> BarSeries:
        """Rows with ``start <= ts < end`` (epoch ms, either bound optional)."""
        lo = 0 if start is None else int(np.searchsorted(self.ts, start, side="left"))
        hi = len(self.ts) if end is None else int(np.searchsorted(self.ts, end, side="left"))
        return self.take(slice(lo, hi))

    def take(self, rows: slice) -> BarSeries:
        return BarSeries(
            self.symbol,
            self.timeframe,
            self.ts[rows],
            self.open[rows],
            self.high[rows],
            self.low[rows],
            self.close[rows],
            self.volume[rows],
        )

    def bars(self) -> Iterator[Bar]:
        symbol = self.symbol
        columns = (self.ts, self.open, self.high, self.low, self.close, self.volume)
        for ts, o, h, lo, c, v in zip(*(col.tolist() for col in columns), strict=True):
            yield Bar(symbol, ts, o, h, lo, c, v)


class DataSource(abc.ABC):
    """Where bars come from: files, exchanges, databases.

    ``fetch`` returns closed candles with ``start <= ts < end``. A live engine calls it again with
    ``start`` set just past the last candle it has, so an implementation must be cheap to call
    repeatedly and must never return a candle that has not closed yet.
    """

    name: str = "data"

    @abc.abstractmethod
    def fetch(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> BarSeries:
        """Closed candles of ``symbol`` at ``timeframe`` in ``[start, end)`` (epoch ms)."""

    def symbols(self) -> list[str]:
        """Symbols this source can serve, when it can tell; empty when unknown."""
        return []

    def close(self) -> None:
        """Release connections or file handles."""
