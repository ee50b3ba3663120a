"""Writing candles in the formats the file source reads.

Parquet files follow freqtrade's layout (``date`` as a UTC millisecond timestamp, then
``open, high, low, close, volume`` as float64) so a datadir can be shared with freqtrade. Writes go
to a temporary file in the same folder and are renamed into place, so an interrupted download never
leaves a truncated file behind.
"""

from __future__ import annotations

import csv
import gzip
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
from deepalpha.data import BarSeries

from .timestamps import iso_ms

COLUMNS = ("open", "high", "low", "close", "volume")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_table(series: BarSeries) -> pa.Table:
    arrays = [pa.array(series.ts, type=pa.int64()).cast(pa.timestamp("ms", tz="UTC"))]
    arrays += [pa.array(np.asarray(getattr(series, c), dtype=np.float64)) for c in COLUMNS]
    return pa.Table.from_arrays(arrays, names=["date", *COLUMNS])


def write_parquet(series: BarSeries, path: Path) -> Path:
    import pyarrow.parquet as pq

    with _atomic(path) as tmp:
        pq.write_table(to_table(series), tmp, compression="zstd")
    return path


def write_feather(series: BarSeries, path: Path) -> Path:
    import pyarrow.feather as feather

    with _atomic(path) as tmp:
        feather.write_feather(to_table(series), tmp)
    return path


def write_csv(series: BarSeries, path: Path) -> Path:
    """``date,open,high,low,close,volume`` with exact ISO dates and shortest round-trip floats."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with _atomic(path) as tmp, opener(tmp, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", *COLUMNS])
        columns = [series.ts.tolist(), *(getattr(series, c).tolist() for c in COLUMNS)]
        for ts, *values in zip(*columns, strict=True):
            writer.writerow([iso_ms(ts), *map(repr, values)])
    return path


def write(series: BarSeries, path: Path) -> Path:
    """Write in the format the file name's extension says."""
    name = path.name
    if name.endswith(".parquet"):
        return write_parquet(series, path)
    if name.endswith(".feather"):
        return write_feather(series, path)
    if name.endswith((".csv", ".csv.gz")):
        return write_csv(series, path)
    raise ValueError(f"path: cannot tell the format of {path} (.parquet, .feather, .csv, .csv.gz)")
