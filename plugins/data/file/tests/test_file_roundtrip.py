"""Write candles in every supported format and read them back unchanged."""

from __future__ import annotations

import gzip

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deepalpha.data import BarSeries
from deepalpha_data_file.loader import clear_cache
from deepalpha_data_file.options import FileOptions
from deepalpha_data_file.source import FileSource
from deepalpha_data_file.storage import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOUR = 3_600_000
EXTENSIONS = (".parquet", ".feather", ".csv", ".csv.gz")

prices = st.floats(min_value=1e-8, max_value=1e9, allow_nan=False, allow_infinity=False)
volumes = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def candles(draw) -> BarSeries:
    """Valid candles: low <= open, close <= high; hour-spaced with random gaps."""
    n = draw(st.integers(min_value=1, max_value=40))
    # hours from 2000-01-01 to 2100-01-01
    start = draw(st.integers(min_value=262_968, max_value=1_139_568)) * HOUR
    gaps = draw(st.lists(st.integers(min_value=1, max_value=3), min_size=n, max_size=n))
    ts = start + HOUR * np.cumsum(gaps)
    rows = [sorted(draw(st.lists(prices, min_size=4, max_size=4))) for _ in range(n)]
    low = [r[0] for r in rows]
    high = [r[3] for r in rows]
    open_ = [r[draw(st.sampled_from([1, 2]))] for r in rows]
    close = [r[1] if o == r[2] else r[2] for o, r in zip(open_, rows, strict=True)]
    volume = draw(st.lists(volumes, min_size=n, max_size=n))
    return BarSeries("BTC/USDT", "1h", ts, open_, high, low, close, volume)


def assert_same(a: BarSeries, b: BarSeries) -> None:
    for column in ("ts", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    assert (a.symbol, a.timeframe) == (b.symbol, b.timeframe)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(series=candles(), extension=st.sampled_from(EXTENSIONS))
def test_round_trip(tmp_path, series, extension):
    clear_cache()
    path = write(series, tmp_path / f"BTC_USDT-1h{extension}")
    back = FileSource(FileOptions(path=str(path), timeframe="1h")).fetch("BTC/USDT", "1h")
    assert_same(series, back)
    via_dir = FileSource(FileOptions(datadir=str(tmp_path))).fetch("BTC/USDT", "1h")
    assert_same(series, via_dir)
    path.unlink()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(series=candles(), cut=st.integers(min_value=0, max_value=45))
def test_fetch_is_the_half_open_window(tmp_path, series, cut):
    clear_cache()
    path = write(series, tmp_path / "BTC_USDT-1h.parquet")
    source = FileSource(FileOptions(path=str(path), timeframe="1h"))
    start = int(series.ts[0]) + cut * HOUR // 2
    end = start + 5 * HOUR
    expected = series.ts[(series.ts >= start) & (series.ts < end)]
    if len(expected):
        assert source.fetch("BTC/USDT", "1h", start, end).ts.tolist() == expected.tolist()
    else:
        with pytest.raises(Exception, match="no BTC/USDT 1h candles"):
            source.fetch("BTC/USDT", "1h", start, end)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("1704067200", 1_704_067_200_000),  # epoch seconds
        ("1704067200000", 1_704_067_200_000),  # epoch ms
        ("1704067200000000", 1_704_067_200_000),  # epoch us
        ("1704067200000000000", 1_704_067_200_000),  # epoch ns
        ("1704067200.5", 1_704_067_200_500),
        ("2024-01-01", 1_704_067_200_000),
        ("2024-01-01 00:00:00", 1_704_067_200_000),
        ("2024-01-01T02:00:00+02:00", 1_704_067_200_000),
        ("2024-01-01T00:00:00.000Z", 1_704_067_200_000),
    ],
)
def test_timestamp_formats(tmp_path, stamp, expected):
    path = tmp_path / "x.csv"
    path.write_text(f"ts,open,high,low,close,volume\n{stamp},1,1,1,1,0\n")
    series = FileSource(FileOptions(path=str(path), symbol="X/Y")).fetch("X/Y", "1h")
    assert series.ts.tolist() == [expected]


def test_newest_first_csv_and_cryptodatadownload_newer_layout(tmp_path):
    text = (
        "https://www.CryptoDataDownload.com\n"
        "unix,date,symbol,open,high,low,close,Volume ETH,Volume USDT\n"
        "1704070800000,2024-01-01 01:00:00,ETH/USDT,2,3,1,2.5,7,17.5\n"
        "1704067200000,2024-01-01 00:00:00,ETH/USDT,1,2,0.5,2,5,10\n"
    )
    path = tmp_path / "Binance_ETHUSDT_1h.csv"
    path.write_text(text)
    series = FileSource(FileOptions(path=str(path))).fetch("ETH/USDT", "1h")
    assert series.ts.tolist() == [1_704_067_200_000, 1_704_070_800_000]
    assert series.volume.tolist() == [5.0, 7.0]  # base volume, not the USDT column


def test_gzip_csv_and_freqtrade_parquet_with_naive_timestamps(tmp_path):
    gz = tmp_path / "BTC_USDT-1h.csv.gz"
    gz.write_bytes(gzip.compress(b"date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1,3\n"))
    assert len(FileSource(FileOptions(path=str(gz))).fetch("BTC/USDT", "1h")) == 1
    pq_path = tmp_path / "ETH_USDT-5m.parquet"
    table = pa.table(
        {
            "date": pa.array([0, 300_000], pa.int64()).cast(pa.timestamp("ms")),
            "open": [1, 2],
            "high": [2, 3],
            "low": [0, 1],
            "close": [1, 2],
            "volume": [0, 1],
        }
    )
    pq.write_table(table, pq_path)
    series = FileSource(FileOptions(datadir=str(tmp_path))).fetch("ETH/USDT", "5m")
    assert series.ts.tolist() == [0, 300_000]
    assert series.high.dtype == np.float64


@pytest.mark.parametrize(
    "column",
    [
        pa.array([1_704_067_200_000_000_123, 1_704_070_800_000_000_000], pa.int64()).cast(
            pa.timestamp("ns", tz="UTC")
        ),  # pandas' default, with a sub-millisecond part truncated
        pa.array([1_704_067_200, 1_704_070_800], pa.int64()),  # epoch seconds
        pa.array([1_704_067_200_000.0, 1_704_070_800_000.0]),  # epoch ms as floats
        pa.array(["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"]),
    ],
    ids=["timestamp-ns", "epoch-s", "epoch-ms-float", "iso-strings"],
)
def test_parquet_timestamp_types(tmp_path, column):
    path = tmp_path / "BTC_USDT-1h.parquet"
    values = {name: [1.0, 2.0] for name in ("open", "high", "low", "close", "volume")}
    pq.write_table(pa.table({"timestamp": column, **values}), path)
    series = FileSource(FileOptions(path=str(path))).fetch("BTC/USDT", "1h")
    assert series.ts.tolist() == [1_704_067_200_000, 1_704_070_800_000]
