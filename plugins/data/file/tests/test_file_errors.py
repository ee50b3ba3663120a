# ruff: noqa: E501  (tables of exact expected messages read best one per line)
"""Every bad input raises DataError with one line naming the file, the line (or row) and column."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deepalpha.errors import DataError, UserError
from deepalpha_data_file.options import FileOptions
from deepalpha_data_file.source import FileSource

HEADER = "timestamp,open,high,low,close,volume\n"
GOOD = "2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
GOOD2 = "2024-01-01T01:00:00Z,1.5,2,1,1.2,11\n"


def fetch_text(tmp_path: Path, text: str, name: str = "BTC_USDT-1h.csv", **options):
    path = tmp_path / name
    path.write_text(text)
    source = FileSource(FileOptions(path=str(path), **options))
    return path, source.fetch("BTC/USDT", "1h")


def error_for(tmp_path: Path, text: str, name: str = "BTC_USDT-1h.csv", **options) -> str:
    with pytest.raises(DataError) as info:
        fetch_text(tmp_path, text, name, **options)
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, UserError)  # the CLI prints it on one line, exit 2
    return message.replace(str(tmp_path / name), "F")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + GOOD + "2024-01-01T01:00:00Z,1,2,0.5,abc,10\n", "F: line 3, column 'close': 'abc' is not a number"),
        (HEADER + GOOD + "2024-01-01T01:00:00Z,1,2,,1,10\n", "F: line 3, column 'low': the value is empty"),
        (HEADER + GOOD + "2024-01-01T01:00:00Z,1,0.5,2,1,10\n", "F: line 3, column 'high': high 0.5 is below low 2.0"),
        (HEADER + GOOD + "2024-01-01T01:00:00Z,1,2,0.5,nan,10\n", "F: line 3, column 'close': nan is not a finite number"),
        (HEADER + GOOD + "2024-01-01T01:00:00Z,1,2,0.5,1,-3\n", "F: line 3, column 'volume': volume -3.0 is negative"),
        (HEADER + GOOD + "2024-01-01T01:00:00Z,1,2,0.5\n", "F: line 3, column 'close': missing (the row has 4 fields, the header 6)"),
        (HEADER + GOOD + "yesterday,1,2,0.5,1,1\n", "F: line 3, column 'timestamp': 'yesterday' is not an ISO 8601 date like the first row's '2024-01-01T00:00:00Z'"),
        ("timestamp,open,high,low,volume\n" + GOOD, "F: line 1, column 'close': missing from the header (timestamp, open, high, low, volume)"),
        ("when,open,high,low,close,volume\n" + GOOD, "F: line 1: no timestamp column (expected one of unix, timestamp, ts, date, datetime, time, open_time; header is when, open, high, low, close, volume)"),
        ("", "F: the file is empty"),
        ("\n\n  \n", "F: the file is empty"),
        (HEADER, "F: no data rows after the header on line 1"),
        (HEADER + GOOD + GOOD2 + GOOD, "F: line 4, column 'timestamp': duplicate timestamp 2024-01-01 00:00 (also on line 2); set duplicates: first or last to keep one"),
    ],
    ids=[
        "non-numeric", "empty-value", "high-below-low", "nan", "negative-volume", "short-row",
        "bad-timestamp", "missing-column", "no-timestamp-column", "empty-file", "blank-file",
        "header-only", "duplicate",
    ],
)  # fmt: skip
def test_bad_csv(tmp_path, text, expected):
    assert error_for(tmp_path, text) == expected


def test_line_numbers_count_the_banner_and_blank_lines(tmp_path):
    text = "banner,https://www.CryptoDataDownload.com\n" + HEADER + GOOD + "\n" + "x,1,2,3,4,5\n"
    message = error_for(tmp_path, text)
    assert message.startswith("F: line 5, column 'timestamp': 'x' is not")


def test_duplicates_first_and_last_keep_what_they_say(tmp_path):
    text = HEADER + GOOD + GOOD2 + "2024-01-01T00:00:00Z,9,9,9,9,9\n"
    _, first = fetch_text(tmp_path, text, duplicates="first")
    _, last = fetch_text(tmp_path, text, name="BTC_USDT-1h.csv", duplicates="last")
    assert first.open.tolist() == [1.0, 1.5]
    assert last.open.tolist() == [9.0, 1.5]


def test_symbol_and_timeframe_the_file_does_not_hold(tmp_path):
    path = tmp_path / "ETH_USDT-1h.csv"
    path.write_text(HEADER + GOOD + GOOD2)
    source = FileSource(FileOptions(path=str(path)))
    with pytest.raises(DataError, match=r"ETH_USDT-1h.csv: holds ETH/USDT, not BTC/USDT$"):
        source.fetch("BTC/USDT", "1h")
    with pytest.raises(DataError, match=r"ETH_USDT-1h.csv: holds 1h candles, not 4h$"):
        source.fetch("ETH/USDT", "4h")
    misnamed = tmp_path / "ETH_USDT-4h.csv"
    misnamed.write_text(HEADER + GOOD + GOOD2)
    with pytest.raises(DataError) as info:
        FileSource(FileOptions(path=str(misnamed))).fetch("ETH/USDT", "4h")
    assert str(info.value).endswith(
        "ETH_USDT-4h.csv: not 4h candles: 2024-01-01 01:00 is 60 minutes after the row before it"
    )
    odd = tmp_path / "odd.csv"
    odd.write_text(HEADER + GOOD + "2024-01-01T01:30:00Z,1,2,0.5,1.5,10\n")
    with pytest.raises(DataError, match=r"odd.csv: rows are 90 minutes apart, which is no timefr"):
        FileSource(FileOptions(path=str(odd), symbol="ETH/USDT")).fetch("ETH/USDT", "1h")


def test_symbol_column_splits_and_refuses(tmp_path):
    text = (
        "date,symbol,open,high,low,close,volume\n"
        "2024-01-01 00:00,BTCUSDT,1,2,0.5,1.5,10\n"
        "2024-01-01 00:00,ETHUSDT,3,4,2.5,3.5,20\n"
        "2024-01-01 01:00,BTCUSDT,1.5,2,1,1.2,11\n"
    )
    path = tmp_path / "mixed.csv"
    path.write_text(text)
    source = FileSource(FileOptions(path=str(path)))
    assert source.fetch("BTC/USDT", "1h").close.tolist() == [1.5, 1.2]
    assert source.fetch("ETH/USDT", "1h").close.tolist() == [3.5]
    with pytest.raises(DataError, match=r"holds no SOL/USDT rows \(symbols in the file: BTCUSDT"):
        source.fetch("SOL/USDT", "1h")


def test_missing_unknown_and_unreadable_files(tmp_path):
    with pytest.raises(DataError, match=r"nope.csv: no such file$"):
        FileSource(FileOptions(path=str(tmp_path / "nope.csv"))).fetch("BTC/USDT", "1h")
    odd = tmp_path / "prices.xlsx"
    odd.write_text("x")
    with pytest.raises(DataError, match=r"prices.xlsx: unknown file type"):
        FileSource(FileOptions(path=str(odd))).fetch("BTC/USDT", "1h")
    broken = tmp_path / "BTC_USDT-1h.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match=r"BTC_USDT-1h.csv.gz: not a readable CSV file"):
        FileSource(FileOptions(path=str(broken))).fetch("BTC/USDT", "1h")
    fake = tmp_path / "BTC_USDT-1h.parquet"
    fake.write_text("not parquet")
    with pytest.raises(DataError, match=r"BTC_USDT-1h.parquet: not a readable parquet file"):
        FileSource(FileOptions(path=str(fake))).fetch("BTC/USDT", "1h")


def test_gzip_csv_errors_name_the_line(tmp_path):
    path = tmp_path / "BTC_USDT-1h.csv.gz"
    path.write_bytes(gzip.compress((HEADER + GOOD + "2024-01-01T01:00:00Z,1,2,x,1,1\n").encode()))
    with pytest.raises(DataError, match=r"\.csv\.gz: line 3, column 'low': 'x' is not a number$"):
        FileSource(FileOptions(path=str(path))).fetch("BTC/USDT", "1h")


def test_parquet_errors_name_the_row(tmp_path):
    path = tmp_path / "BTC_USDT-1h.parquet"
    table = pa.table(
        {
            "date": pa.array([0, 3_600_000, 7_200_000], pa.int64()).cast(pa.timestamp("ms")),
            "open": [1.0, 1.0, 1.0],
            "high": [2.0, None, 2.0],
            "low": [0.5, 0.5, 0.5],
            "close": [1.0, 1.0, 1.0],
            "volume": [1.0, 1.0, 1.0],
        }
    )
    pq.write_table(table, path)
    with pytest.raises(DataError, match=r"parquet: row 2, column 'high': the value is empty$"):
        FileSource(FileOptions(path=str(path))).fetch("BTC/USDT", "1h")
    pq.write_table(table.drop_columns(["volume"]), path)
    with pytest.raises(
        DataError, match=r"parquet: schema, column 'volume': missing from the header"
    ):
        FileSource(FileOptions(path=str(path))).fetch("BTC/USDT", "1h")
    pq.write_table(table.slice(0, 0), path)
    with pytest.raises(DataError, match=r"parquet: the file is empty \(0 rows\)$"):
        FileSource(FileOptions(path=str(path))).fetch("BTC/USDT", "1h")


def test_datadir_resolution(tmp_path):
    source = FileSource(FileOptions(datadir=str(tmp_path)))
    with pytest.raises(DataError, match=r"no BTC/USDT 1h file \(looked for BTC_USDT-1h.parquet, "):
        source.fetch("BTC/USDT", "1h")
    (tmp_path / "BTC_USDT-1h.csv").write_text(HEADER + GOOD + GOOD2)
    assert len(source.fetch("BTC/USDT", "1h")) == 2
    assert source.symbols() == ["BTC/USDT"]
    (tmp_path / "BTC_USDT-1h.csv.gz").write_bytes(gzip.compress((HEADER + GOOD).encode()))
    with pytest.raises(DataError, match=r"both BTC_USDT-1h.csv and BTC_USDT-1h.csv.gz hold"):
        source.fetch("BTC/USDT", "1h")
    with pytest.raises(DataError, match=r"datadir .*missing: no such folder$"):
        FileSource(FileOptions(datadir=str(tmp_path / "missing"))).fetch("BTC/USDT", "1h")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"path": "bundled:nope"}, "path: no bundled dataset 'bundled:nope'; bundled datasets: bundled:btcusd-1h"),
        ({"path": "a.csv", "datadir": "d"}, "path and datadir: set one, not both (path='a.csv', datadir='d')"),
        ({"path": None}, "path or datadir: set one (default path: bundled:btcusd-1h)"),
        ({"path": "a.csv", "timeframe": "7m"}, "timeframe: must be one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, 1w, got '7m'"),
        ({"duplicates": "merge"}, "duplicates: must be one of error, first, last, got 'merge'"),
        ({"path": " "}, "path: must be a non-empty string, got ' '"),
    ],
)  # fmt: skip
def test_options_are_validated(options, expected):
    with pytest.raises(ValueError) as info:
        FileOptions(**options)
    assert str(info.value) == expected


def test_datadir_alone_disables_the_bundled_default():
    assert FileOptions(datadir="data").path is None
