"""The ``{{ cookiecutter.plugin_name }}`` data source: candles from a folder of CSV files.

One file per symbol and timeframe, named ``BTC-USD_1h.csv`` (``/`` in the symbol written as
``-``), with the header ``ts,open,high,low,close,volume``: ``ts`` is the candle's open time in
epoch milliseconds (UTC), rows oldest first. The engine calls ``fetch`` again and again in a live
run, so a file is parsed once and kept until its size or modification time changes.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
from deepalpha.data import BarSeries, DataSource, timeframe_ms
from deepalpha.errors import DataError

from .options import {{ cookiecutter.__class_prefix }}Options

COLUMNS = ("ts", "open", "high", "low", "close", "volume")


def filename(symbol: str, timeframe: str) -> str:
    """``BTC/USD`` at ``1h`` -> ``BTC-USD_1h.csv``."""
    return f"{symbol.replace('/', '-')}_{timeframe}.csv"


class {{ cookiecutter.__class_prefix }}Source(DataSource):
    name = "{{ cookiecutter.plugin_name }}"

    def __init__(self, options: {{ cookiecutter.__class_prefix }}Options) -> None:
        self.options = options
        self.folder = Path(options.folder).expanduser()
        self._cache: dict[Path, tuple[tuple[int, int], BarSeries]] = {}

    def fetch(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> BarSeries:
        timeframe_ms(timeframe)  # an unknown timeframe is a clear DataError
        path = self.folder / filename(symbol, timeframe)
        try:
            stat = os.stat(path)
        except OSError:
            raise DataError(f"{self.name}: no {symbol} {timeframe} file: expected {path}") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, read_csv(path, symbol, timeframe))
            self._cache[path] = cached
        return cached[1].between(start, end)

    def symbols(self) -> list[str]:
        """Symbols with at least one file in the folder, for ``deepalpha data list``-like tools."""
        if not self.folder.is_dir():
            return []
        names = {p.name.rsplit("_", 1)[0].replace("-", "/") for p in self.folder.glob("*_*.csv")}
        return sorted(names)


def read_csv(path: Path, symbol: str, timeframe: str) -> BarSeries:
    """Parse one file; a bad header or row is a ``DataError`` naming the file and the line."""
    rows: list[tuple[float, ...]] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = tuple(cell.strip().lower() for cell in next(reader, ()))
        if header != COLUMNS:
            raise DataError(f"{path}: line 1: header must be {','.join(COLUMNS)}, got {header}")
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(COLUMNS):
                raise DataError(f"{path}: line {line}: expected 6 values, got {len(row)}")
            try:
                rows.append(tuple(float(cell) for cell in row))
            except ValueError as exc:
                raise DataError(f"{path}: line {line}: {exc}") from None
    if not rows:
        raise DataError(f"{path}: no candles")
    data = np.array(rows, dtype=np.float64)
    try:
        return BarSeries(symbol, timeframe, data[:, 0].astype(np.int64), *data[:, 1:].T)
    except DataError as exc:  # e.g. timestamps not increasing: say which file
        raise DataError(f"{path}: {exc}") from None
