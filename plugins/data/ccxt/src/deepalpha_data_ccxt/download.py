"""Download candles into a datadir, extending what is already there.

The file is the unit of truth: existing candles are read back through the file source (so a
corrupt file fails loudly instead of being overwritten), the missing head and tail are fetched,
the union is written in one atomic replace. Candles fetched again replace stored ones: an exchange
can correct a candle after the fact, and the fresh answer is the better one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
from deepalpha.data import BarSeries, timeframe_ms
from deepalpha.errors import UserError
from deepalpha_data_file.naming import candle_filename
from deepalpha_data_file.options import FileOptions
from deepalpha_data_file.source import FileSource
from deepalpha_data_file.storage import write_parquet

from .source import CcxtSource, to_series


@attrs.frozen
class Downloaded:
    path: Path
    added: int
    rows: int
    first: int
    last: int


def plan(
    existing: BarSeries | None, since: int | None, until: int, step: int
) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges still to fetch, given what the file already holds."""
    if existing is None or len(existing) == 0:
        if since is None:
            raise UserError("--since: required when there is no file to resume from")
        return [(since, until)] if since < until else []
    first, last = int(existing.ts[0]), int(existing.ts[-1])
    ranges = []
    if since is not None and since < min(first, until):
        ranges.append((since, min(first, until)))
    tail = last + step
    if tail < until:
        ranges.append((tail, until))
    return ranges


def merge(existing: BarSeries | None, rows: list[list], symbol: str, timeframe: str) -> BarSeries:
    by_ts: dict[int, list] = {}
    if existing is not None:
        columns = [existing.ts.tolist()] + [
            getattr(existing, c).tolist() for c in ("open", "high", "low", "close", "volume")
        ]
        for row in zip(*columns, strict=True):
            by_ts[int(row[0])] = list(row)
    for row in rows:
        by_ts[int(row[0])] = row
    ordered = [by_ts[t] for t in sorted(by_ts)]
    return to_series("download", symbol, timeframe, ordered)


def download(
    source: CcxtSource,
    datadir: Path,
    symbol: str,
    timeframe: str,
    since: int | None,
    until: int,
    progress: Callable[[int, int], None] | None = None,
) -> Downloaded:
    """Fetch what ``datadir`` lacks of ``symbol`` ``timeframe`` in ``[since, until)`` and save it.

    ``progress(done, total)`` is called with candle counts as pages arrive (``total`` is what the
    ranges could hold; gaps on the exchange mean ``done`` can end below it).
    """
    step = timeframe_ms(timeframe)
    source.check(symbol, timeframe)  # an unknown symbol fails before any file or progress bar
    path = datadir / candle_filename(symbol, timeframe, ".parquet")
    existing = None
    if path.exists():
        existing = FileSource(FileOptions(path=str(path))).load(symbol, timeframe)
    ranges = plan(existing, since, until, step)
    total = sum(-(-(end - start) // step) for start, end in ranges)
    done = 0
    if progress is not None:
        progress(done, total)
    rows: list[list] = []
    for start, end in ranges:
        for page in source.pages(symbol, timeframe, start, end):
            rows.extend(page)
            done += len(page)
            if progress is not None:
                progress(done, total)
    before = 0 if existing is None else len(existing)
    if not rows and existing is None:
        raise UserError(
            f"{source.options.exchange}: no closed {symbol} {timeframe} candles in the "
            f"requested range; nothing written to {path}"
        )
    merged = merge(existing, rows, symbol, timeframe) if rows else existing
    if rows:
        write_parquet(merged, path)
    return Downloaded(
        path=path,
        added=len(merged) - before,
        rows=len(merged),
        first=int(np.int64(merged.ts[0])),
        last=int(np.int64(merged.ts[-1])),
    )
