"""``deepalpha data download`` against the loopback server, read back by the file source."""

from __future__ import annotations

import click
import numpy as np
import pytest
from click.testing import CliRunner
from deepalpha.data import BarSeries
from deepalpha.errors import DataError, UserError
from deepalpha_data_ccxt import plugin as ccxt_plugin
from deepalpha_data_ccxt.download import plan
from deepalpha_data_ccxt.options import CcxtOptions
from deepalpha_data_ccxt.source import CcxtSource
from deepalpha_data_file import plugin as file_plugin
from deepalpha_data_file.loader import clear_cache
from deepalpha_data_file.options import FileOptions
from deepalpha_data_file.source import FileSource
from hypothesis import given
from hypothesis import strategies as st

from conftest import NOW, ms

HOUR = 3_600_000


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("deepalpha")
    ccxt_plugin.register_commands(cli=group)
    file_plugin.register_commands(cli=group)
    return group


def run(cli, binance, tmp_path, *args: str):
    clear_cache()
    argv = ["data", "download", "--datadir", str(tmp_path), "--base-url", binance.url, *args]
    return CliRunner().invoke(cli, argv)


def same(a: BarSeries, b: BarSeries) -> None:
    for column in ("ts", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)


def test_download_writes_parquet_the_file_source_reads_back(cli, binance, tmp_path):
    args = [
        "--symbol",
        "BTC/USDT",
        "--since",
        "2024-01-01",
        "--until",
        "2024-01-05",
        "--limit",
        "30",
    ]
    result = run(cli, binance, tmp_path, *args)
    assert result.exit_code == 0, result.output
    path = tmp_path / "BTC_USDT-1h.parquet"
    assert f"{path}: 96 candles (+96), 2024-01-01 00:00 to 2024-01-04 23:00" in result.output
    assert len(binance.klines_requests()) == 4  # 30 + 30 + 30 + 6
    stored = FileSource(FileOptions(datadir=str(tmp_path))).fetch("BTC/USDT", "1h")
    direct = CcxtSource(
        CcxtOptions(base_url=binance.url, rate_limit=False), clock=lambda: NOW
    ).fetch("BTC/USDT", "1h", ms("2024-01-01T00:00:00"), ms("2024-01-05T00:00:00"))
    same(stored, direct)
    listed = CliRunner().invoke(cli, ["data", "list", "--datadir", str(tmp_path), "--json"])
    assert '"rows": 96' in listed.output


def test_download_resumes_and_extends_backwards(cli, binance, tmp_path):
    first = ["--symbol", "ETH/USDT", "--since", "2024-01-02", "--until", "2024-01-03"]
    assert run(cli, binance, tmp_path, *first).exit_code == 0
    binance.requests.clear()
    result = run(cli, binance, tmp_path, "--symbol", "ETH/USDT", "--until", "2024-01-04")
    assert result.exit_code == 0, result.output
    assert "48 candles (+24)" in result.output
    assert [int(q["startTime"]) for q in binance.klines_requests()] == [ms("2024-01-03T00:00")]
    binance.requests.clear()
    back = ["--symbol", "ETH/USDT", "--since", "2024-01-01T12:00", "--until", "2024-01-04"]
    result = run(cli, binance, tmp_path, *back)
    assert "60 candles (+12), 2024-01-01 12:00 to 2024-01-03 23:00" in result.output
    assert [int(q["limit"]) for q in binance.klines_requests()] == [12]
    stored = FileSource(FileOptions(datadir=str(tmp_path))).fetch("ETH/USDT", "1h")
    assert bool(np.all(np.diff(stored.ts) == HOUR))


def test_user_mistakes_are_user_errors(cli, binance, tmp_path):
    result = run(cli, binance, tmp_path, "--symbol", "BTC/USDT")
    assert isinstance(result.exception, UserError)
    assert str(result.exception) == "--since: required when there is no file to resume from"
    result = run(cli, binance, tmp_path, "--symbol", "BTC/USDT", "--since", "last tuesday")
    assert str(result.exception) == (
        "--since: 'last tuesday' is not a date like 2024-01-01 or 2024-01-01T12:00"
    )
    result = run(
        cli, binance, tmp_path, "--symbol", "BTC/USDT", "--since", "2024-01-01", "--limit", "0"
    )
    assert str(result.exception) == "--limit: must be an integer in [1, 5000], got 0"
    result = run(cli, binance, tmp_path, "--symbol", "DOGE/USDT", "--since", "2024-01-01")
    assert isinstance(result.exception, DataError)
    assert str(result.exception).startswith("binance: unknown symbol 'DOGE/USDT'")
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_existing_file_is_not_overwritten(cli, binance, tmp_path):
    path = tmp_path / "BTC_USDT-1h.parquet"
    path.write_bytes(b"garbage")
    result = run(cli, binance, tmp_path, "--symbol", "BTC/USDT", "--since", "2024-01-01")
    assert isinstance(result.exception, DataError)
    assert "not a readable parquet file" in str(result.exception)
    assert path.read_bytes() == b"garbage"


@given(
    first=st.integers(0, 500),
    length=st.integers(1, 500),
    since=st.none() | st.integers(0, 1200),
    until=st.integers(0, 1200),
)
def test_plan_fetches_only_what_is_missing(first, length, since, until):
    ts = np.arange(first, first + length) * HOUR
    existing = BarSeries("X/Y", "1h", ts, *([np.ones(length)] * 5))
    ranges = plan(existing, None if since is None else since * HOUR, until * HOUR, HOUR)
    have = set(range(first, first + length))
    fetched: set[int] = set()
    for start, end in ranges:
        assert start < end and start % HOUR == 0
        hours = set(range(start // HOUR, -(-end // HOUR)))
        assert not hours & have and not hours & fetched
        fetched |= hours
    # afterwards the file covers [min(since, first), until) without holes
    low = first if since is None else min(since, first)
    wanted = set(range(low, until))
    assert wanted - have <= fetched
