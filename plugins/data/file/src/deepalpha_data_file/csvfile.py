"""CSV reader: plain ``timestamp,open,high,low,close,volume`` files and CryptoDataDownload's.

Parsing goes row by row with the stdlib ``csv`` module because every error must name its physical
line; numbers are converted in one ``try`` per row and only a failing row is re-examined column by
column to say which value is wrong.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
from deepalpha.errors import DataError

from .columns import pick_columns
from .frames import RawFrame
from .timestamps import parser_for


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", newline="", encoding="utf-8-sig")
    return path.open(newline="", encoding="utf-8-sig")


def _next_row(reader) -> list[str] | None:
    for row in reader:
        if row and any(cell.strip() for cell in row):
            return row
    return None


def read_csv(path: Path, display: str) -> RawFrame:
    try:
        with _open_text(path) as handle:
            return _parse(csv.reader(handle), display)
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        raise DataError(f"{display}: not a readable CSV file ({exc})") from None


def _parse(reader, display: str) -> RawFrame:
    header = _next_row(reader)
    if header is None:
        raise DataError(f"{display}: the file is empty")
    cryptodatadownload = False
    if any("cryptodatadownload" in cell.lower() for cell in header):
        cryptodatadownload = True
        header = _next_row(reader)
        if header is None:
            raise DataError(f"{display}: the file has a banner but no header")
    header_line = reader.line_num
    where = f"line {header_line}"
    ts_i, value_i, symbol_i = pick_columns(header, display, where, cryptodatadownload)
    o_i, h_i, l_i, c_i, v_i = (value_i[c] for c in ("open", "high", "low", "close", "volume"))
    width = max(ts_i, o_i, h_i, l_i, c_i, v_i, -1 if symbol_i is None else symbol_i) + 1

    stamps: list[str] = []
    lines: list[int] = []
    symbols: list[str] = []
    o: list[float] = []
    h: list[float] = []
    lo: list[float] = []
    c: list[float] = []
    v: list[float] = []
    for row in reader:
        if len(row) < width:
            if not row or not any(cell.strip() for cell in row):
                continue
            _fail_short(row, header, value_i, ts_i, symbol_i, display, reader.line_num)
        try:
            o.append(float(row[o_i]))
            h.append(float(row[h_i]))
            lo.append(float(row[l_i]))
            c.append(float(row[c_i]))
            v.append(float(row[v_i]))
        except ValueError:
            _fail_number(row, header, value_i, display, reader.line_num)
        stamps.append(row[ts_i])
        lines.append(reader.line_num)
        if symbol_i is not None:
            symbols.append(row[symbol_i].strip())
    if not stamps:
        raise DataError(f"{display}: no data rows after the header on line {header_line}")

    description, parse = parser_for(stamps[0])
    try:
        ts = [parse(s) for s in stamps]
    except (ValueError, OverflowError):
        for s, line in zip(stamps, lines, strict=True):
            try:
                parse(s)
            except (ValueError, OverflowError):
                raise DataError(
                    f"{display}: line {line}, column {header[ts_i].strip()!r}: {s!r} is not "
                    f"{description} like the first row's {stamps[0]!r}"
                ) from None
        raise
    names = {name: header[i].strip() for name, i in value_i.items()}
    return RawFrame(
        display=display,
        ts=np.asarray(ts, dtype=np.int64),
        values={
            "open": np.asarray(o, dtype=np.float64),
            "high": np.asarray(h, dtype=np.float64),
            "low": np.asarray(lo, dtype=np.float64),
            "close": np.asarray(c, dtype=np.float64),
            "volume": np.asarray(v, dtype=np.float64),
        },
        column_names=names,
        ts_column=header[ts_i].strip(),
        lines=np.asarray(lines, dtype=np.int64),
        symbols=np.asarray(symbols, dtype=object) if symbol_i is not None else None,
    )


def _fail_short(row, header, value_i, ts_i, symbol_i, display, line) -> None:
    columns = [("timestamp", ts_i), *value_i.items()]
    if symbol_i is not None:
        columns.append(("symbol", symbol_i))
    missing = min((i for _, i in columns if i >= len(row)), default=len(row))
    raise DataError(
        f"{display}: line {line}, column {header[missing].strip()!r}: missing (the row has "
        f"{len(row)} fields, the header {len(header)})"
    )


def _fail_number(row, header, value_i, display, line) -> None:
    for i in value_i.values():
        try:
            float(row[i])
        except ValueError:
            value = row[i].strip()
            problem = f"{value!r} is not a number" if value else "the value is empty"
            raise DataError(
                f"{display}: line {line}, column {header[i].strip()!r}: {problem}"
            ) from None
