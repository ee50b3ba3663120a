"""Raw columns read from a file, and the checks that turn them into ``BarSeries``.

Readers (``csvfile``, ``columnar``) only parse; every rule about what a valid candle file is lives
here, once, so CSV and Parquet files fail the same way. Each rule is checked over whole numpy
columns and only the first offending row is translated back to a line (CSV) or row (Parquet)
number for the message, which keeps a clean 20k-row file far below the time budget.
"""

from __future__ import annotations

import re

import attrs
import numpy as np
from deepalpha.data import TIMEFRAMES, BarSeries
from deepalpha.errors import DataError

from .timestamps import format_ms

PRICE_COLUMNS = ("open", "high", "low", "close")
VALUE_COLUMNS = (*PRICE_COLUMNS, "volume")

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def symbol_key(symbol: str) -> str:
    """Compare symbols across spellings: ``BTC/USD``, ``BTCUSD`` and ``btc-usd`` are one market."""
    return _NOT_ALNUM.sub("", symbol.upper())


@attrs.define
class RawFrame:
    """Parsed but unchecked columns of one file, in file order.

    ``lines`` holds the physical line number of each row (CSV); when it is ``None`` rows are
    numbered from 1 in file order and called rows (Parquet, Feather).
    """

    display: str
    ts: np.ndarray
    values: dict[str, np.ndarray]
    #: The file's own name for each value column, used in messages (``volume_btc``, ``Close``).
    column_names: dict[str, str]
    ts_column: str
    lines: np.ndarray | None = None
    symbols: np.ndarray | None = None

    def where(self, index: int) -> str:
        if self.lines is not None:
            return f"line {int(self.lines[index])}"
        return f"row {index + 1}"

    def fail(self, index: int, column: str, problem: str) -> DataError:
        name = self.column_names.get(column, column)
        return DataError(f"{self.display}: {self.where(index)}, column {name!r}: {problem}")


def smallest_gap(ts: np.ndarray) -> int | None:
    """The shortest distance between consecutive rows (sorted, unique ``ts``), if there are two."""
    return int(np.diff(ts).min()) if len(ts) > 1 else None


def timeframe_named(step_ms: int) -> str | None:
    return next((name for name, length in TIMEFRAMES.items() if length == step_ms), None)


def off_grid(ts: np.ndarray, step_ms: int) -> int | None:
    """Index of the first row whose distance to the previous row is not a multiple of step_ms.

    Missing candles (gaps of whole multiples) are normal; a 30-minute step in an hourly file
    means the file is not what it claims to be.
    """
    bad = np.diff(ts) % step_ms != 0
    return int(np.argmax(bad)) + 1 if bad.any() else None


def check_values(frame: RawFrame) -> None:
    """Finite prices and volumes, ``high >= low``, no negative volume: else name the first row."""
    for column in VALUE_COLUMNS:
        column_values = frame.values[column]
        bad = ~np.isfinite(column_values)
        if bad.any():
            i = int(np.argmax(bad))
            raise frame.fail(i, column, f"{float(column_values[i])!r} is not a finite number")
    high, low = frame.values["high"], frame.values["low"]
    bad = high < low
    if bad.any():
        i = int(np.argmax(bad))
        raise frame.fail(i, "high", f"high {float(high[i])!r} is below low {float(low[i])!r}")
    volume = frame.values["volume"]
    bad = volume < 0
    if bad.any():
        i = int(np.argmax(bad))
        raise frame.fail(i, "volume", f"volume {float(volume[i])!r} is negative")


def to_series(
    frame: RawFrame, rows: np.ndarray, symbol: str, timeframe: str, duplicates: str
) -> BarSeries:
    """Rows ``rows`` of ``frame`` sorted oldest first, with duplicate timestamps per the policy.

    The sort is stable, so with ``first``/``last`` the row kept is the first/last one *in the
    file* among those sharing a timestamp.
    """
    ts = frame.ts[rows]
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    picked = rows[order]
    same = ts[1:] == ts[:-1]
    if same.any():
        if duplicates == "error":
            i = int(np.argmax(same))
            a, b = sorted((int(picked[i]), int(picked[i + 1])))
            raise DataError(
                f"{frame.display}: {frame.where(b)}, column {frame.ts_column!r}: duplicate "
                f"timestamp {format_ms(int(ts[i]))} (also on {frame.where(a)}); set "
                f"duplicates: first or last to keep one"
            )
        keep = np.ones(len(ts), dtype=bool)
        if duplicates == "first":
            keep[1:] = ~same
        else:
            keep[:-1] = ~same
        picked = picked[keep]
        ts = ts[keep]
    values = frame.values
    return BarSeries(
        symbol,
        timeframe,
        ts,
        values["open"][picked],
        values["high"][picked],
        values["low"][picked],
        values["close"][picked],
        values["volume"][picked],
    )
