"""Load a candle file once per process: parse, check, split by symbol, cache.

A backtest, a paper run replaying the file and ``data list`` may all ask for the same file; the
parsed columns are cached per resolved path (and the name messages use for it) and invalidated
when the file's size or modification time changes. ``BarSeries`` are immutable, so sharing them
between callers is safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import attrs
import numpy as np
from deepalpha.data import BarSeries
from deepalpha.errors import DataError

from .columnar import read_columnar
from .csvfile import read_csv
from .frames import RawFrame, check_values, symbol_key, to_series

_CACHE_SIZE = 32
_cache: OrderedDict[tuple[Path, str], tuple[tuple[int, int], LoadedFile]] = OrderedDict()
_lock = threading.Lock()


@attrs.define
class LoadedFile:
    """A checked file: its rows grouped by the value of its symbol column (``None``: no column)."""

    display: str
    frame: RawFrame
    groups: dict[str | None, np.ndarray]
    _sorted: dict[tuple[str | None, str], BarSeries] = attrs.field(factory=dict)

    def group_for(self, symbol: str) -> str | None:
        """The group holding ``symbol``; a file without a symbol column holds whatever is asked."""
        if None in self.groups:
            return None
        wanted = symbol_key(symbol)
        for group in self.groups:
            if symbol_key(group) == wanted:
                return group
        if len(self.groups) == 1:
            raise DataError(f"{self.display}: holds {next(iter(self.groups))}, not {symbol}")
        held = ", ".join(sorted(g for g in self.groups if g is not None))
        raise DataError(f"{self.display}: holds no {symbol} rows (symbols in the file: {held})")

    def series(self, group: str | None, duplicates: str) -> BarSeries:
        """Rows of ``group`` oldest first; symbol and timeframe are filled in by the caller."""
        key = (group, duplicates)
        series = self._sorted.get(key)
        if series is None:
            series = to_series(self.frame, self.groups[group], group or "", "", duplicates)
            self._sorted[key] = series
        return series


def _read(path: Path, display: str) -> RawFrame:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq", ".feather", ".arrow")):
        return read_columnar(path, display)
    if name.endswith((".csv", ".csv.gz", ".txt", ".txt.gz")):
        return read_csv(path, display)
    raise DataError(f"{display}: unknown file type (expected .csv, .csv.gz, .parquet or .feather)")


def _group(frame: RawFrame) -> dict[str | None, np.ndarray]:
    if frame.symbols is None:
        return {None: np.arange(len(frame.ts))}
    names, inverse = np.unique(frame.symbols.astype(str), return_inverse=True)
    if len(names) == 1:
        return {str(names[0]): np.arange(len(frame.ts))}
    return {str(name): np.flatnonzero(inverse == i) for i, name in enumerate(names)}


def load(path: Path, display: str | None = None) -> LoadedFile:
    """Parse and check ``path`` (cached); raises ``DataError`` naming the file on any problem."""
    display = display or str(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataError(f"{display}: no such file") from None
    except OSError as exc:
        raise DataError(f"{display}: cannot read ({exc.strerror})") from None
    if not path.is_file():
        raise DataError(f"{display}: not a file")
    key = (path.resolve(), display)
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            _cache.move_to_end(key)
            return hit[1]
    if stat.st_size == 0:
        raise DataError(f"{display}: the file is empty")
    frame = _read(path, display)
    check_values(frame)
    loaded = LoadedFile(display=display, frame=frame, groups=_group(frame))
    with _lock:
        _cache[key] = (stamp, loaded)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def clear_cache() -> None:
    with _lock:
        _cache.clear()
