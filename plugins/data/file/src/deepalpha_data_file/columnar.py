"""Parquet and Feather reader (pyarrow).

Columnar files are typed, so most checks are vectorised casts; rows are numbered from 1 in file
order in messages. Timestamps may be Arrow timestamps (any unit, naive taken as UTC), dates,
integers or floats (epoch, unit guessed from magnitude), or strings (parsed like CSV).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from deepalpha.errors import DataError

from .columns import pick_columns
from .frames import RawFrame
from .timestamps import epoch_unit, parser_for

_DIVISORS = {"us": 1000, "ns": 1_000_000}


def read_columnar(path: Path, display: str) -> RawFrame:
    try:
        if path.suffix == ".feather":
            import pyarrow.feather as feather

            table = feather.read_table(path)
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{display}: not a readable {path.suffix[1:]} file ({exc})") from None
    header = list(table.column_names)
    if not header:
        raise DataError(f"{display}: the file is empty (no columns)")
    ts_i, value_i, symbol_i = pick_columns(header, display, "schema", cryptodatadownload=False)
    if table.num_rows == 0:
        raise DataError(f"{display}: the file is empty (0 rows)")
    values = {name: _floats(table.column(i), header[i], display) for name, i in value_i.items()}
    symbols = None
    if symbol_i is not None:
        column = table.column(symbol_i)
        _no_nulls(column, header[symbol_i], display)
        symbols = np.asarray(column.cast(pa.string()).to_pylist(), dtype=object)
    return RawFrame(
        display=display,
        ts=_timestamps(table.column(ts_i), header[ts_i], display),
        values=values,
        column_names={name: header[i] for name, i in value_i.items()},
        ts_column=header[ts_i],
        symbols=symbols,
    )


def _no_nulls(column: pa.ChunkedArray, name: str, display: str) -> None:
    if column.null_count:
        i = int(np.argmax(column.is_null().to_numpy(zero_copy_only=False)))
        raise DataError(f"{display}: row {i + 1}, column {name!r}: the value is empty")


def _floats(column: pa.ChunkedArray, name: str, display: str) -> np.ndarray:
    _no_nulls(column, name, display)
    try:
        return column.cast(pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for i, value in enumerate(column.to_pylist()):
            try:
                float(value)
            except (TypeError, ValueError):
                raise DataError(
                    f"{display}: row {i + 1}, column {name!r}: {value!r} is not a number"
                ) from None
        raise


def _timestamps(column: pa.ChunkedArray, name: str, display: str) -> np.ndarray:
    _no_nulls(column, name, display)
    kind = column.type
    if pa.types.is_timestamp(kind):
        # safe=False: sub-millisecond parts are truncated (candles never start mid-millisecond).
        ms = column.cast(pa.timestamp("ms", tz=kind.tz), safe=False)
        return ms.cast(pa.int64()).to_numpy()
    if pa.types.is_date(kind):
        return column.cast(pa.timestamp("ms")).cast(pa.int64()).to_numpy()
    if pa.types.is_integer(kind):
        numbers = column.cast(pa.int64()).to_numpy()
        unit = epoch_unit(float(numbers[0]))
        if unit == "s":
            return numbers * 1000
        return numbers if unit == "ms" else numbers // _DIVISORS[unit]
    if pa.types.is_floating(kind):
        numbers = column.to_numpy()
        if not np.isfinite(numbers).all():
            i = int(np.argmax(~np.isfinite(numbers)))
            problem = f"{float(numbers[i])!r} is not a time"
            raise DataError(f"{display}: row {i + 1}, column {name!r}: {problem}")
        unit = epoch_unit(float(numbers[0]))
        scale = {"s": 1000.0, "ms": 1.0, "us": 1e-3, "ns": 1e-6}[unit]
        return np.rint(numbers * scale).astype(np.int64)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        texts = column.to_pylist()
        description, parse = parser_for(texts[0])
        out = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            try:
                out[i] = parse(text)
            except (ValueError, OverflowError):
                raise DataError(
                    f"{display}: row {i + 1}, column {name!r}: {text!r} is not {description} "
                    f"like the first row's {texts[0]!r}"
                ) from None
        return out
    raise DataError(f"{display}: column {name!r} has type {kind}, which is not a time")
