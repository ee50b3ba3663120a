# ruff: noqa: E501  (tables of exact expected messages read best one per line)
"""The real ccxt library against the loopback Binance server: no network."""

from __future__ import annotations

import numpy as np
import pytest
from binance_server import FakeBinance, candle
from deepalpha.errors import ConfigError, DataError
from deepalpha_data_ccxt import plugin
from deepalpha_data_ccxt.exchange import build_exchange, rewrite_urls
from deepalpha_data_ccxt.options import CcxtOptions
from deepalpha_data_ccxt.source import CcxtSource

from conftest import NOW, ms

HOUR = 3_600_000
OPEN_CANDLE = NOW // HOUR * HOUR  # 2024-01-10 00:00, still open at NOW


def source_for(fake: FakeBinance, sleeps: list | None = None, **options) -> CcxtSource:
    options.setdefault("rate_limit", False)
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return CcxtSource(CcxtOptions(base_url=fake.url, **options), clock=lambda: NOW, sleep=sleep)


def test_rewrite_keeps_path_suffix_at_any_depth():
    api = {"public": "https://api.binance.com/api/v3", "x": {"y": "https://f.example/fapi/v1?a=1"}}
    assert rewrite_urls(api, "http://127.0.0.1:9/proxy/") == {
        "public": "http://127.0.0.1:9/proxy/api/v3",
        "x": {"y": "http://127.0.0.1:9/proxy/fapi/v1?a=1"},
    }


def test_build_exchange_points_every_endpoint_at_base_url_with_rate_limit():
    exchange = build_exchange(CcxtOptions(base_url="http://127.0.0.1:1"))
    urls = list(exchange.urls["api"].values())
    assert urls and all(u.startswith("http://127.0.0.1:1/") for u in urls)
    assert exchange.urls["api"]["public"] == "http://127.0.0.1:1/api/v3"
    assert exchange.enableRateLimit is True
    assert exchange.options["fetchMarkets"]["types"] == ["spot"]
    assert exchange.options["fetchMargins"] is False
    assert not exchange.apiKey and not exchange.secret


def test_unknown_exchange_suggests_names():
    with pytest.raises(ConfigError, match=r"exchange: 'binanse' is not a ccxt exchange; did you"):
        build_exchange(CcxtOptions(exchange="binanse"))


def test_fetch_paginates_with_since_and_drops_the_open_candle(binance):
    source = source_for(binance, limit=100)
    start = ms("2024-01-01T00:00:00")
    series = source.fetch("BTC/USDT", "1h", start)
    # 2024-01-01 00:00 .. 2024-01-09 23:00: 216 closed candles; the open 2024-01-10 00:00 is dropped
    assert len(series) == 216
    assert series.ts[0] == start and series.ts[-1] == OPEN_CANDLE - HOUR
    assert bool(np.all(np.diff(series.ts) == HOUR))
    klines = binance.klines_requests()
    assert [path for path, _ in binance.requests].count("/api/v3/exchangeInfo") == 1
    assert [int(q["startTime"]) for q in klines] == [start, start + 100 * HOUR, start + 200 * HOUR]
    assert [int(q["limit"]) for q in klines] == [100, 100, 16]  # never more than is missing
    assert all(q["symbol"] == "BTCUSDT" and q["interval"] == "1h" for q in klines)
    assert source.requests == 4
    # values are the server's strings parsed by ccxt
    expected = candle(int(series.ts[5]), HOUR)
    row = [series.open[5], series.high[5], series.low[5], series.close[5], series.volume[5]]
    assert row == [float(v) for v in expected[1:6]]


def test_server_really_serves_the_open_candle(binance):
    status, rows = binance.klines(
        {"symbol": "BTCUSDT", "interval": "1h", "startTime": str(OPEN_CANDLE - HOUR)}
    )
    assert status == 200 and [r[0] for r in rows] == [OPEN_CANDLE - HOUR, OPEN_CANDLE]
    series = source_for(binance).fetch("BTC/USDT", "1h", OPEN_CANDLE - HOUR, OPEN_CANDLE + HOUR)
    assert series.ts.tolist() == [OPEN_CANDLE - HOUR]


def test_end_is_exclusive_and_bounds_the_request(binance):
    start, end = ms("2024-01-02T00:00:00"), ms("2024-01-03T00:00:00")
    series = source_for(binance).fetch("BTC/USDT", "1h", start, end)
    assert len(series) == 24 and series.ts[-1] == end - HOUR
    assert [int(q["limit"]) for q in binance.klines_requests()] == [24]


def test_without_start_returns_the_last_limit_closed_candles(binance):
    series = source_for(binance, limit=50).fetch("ETH/BTC", "1h")
    assert len(series) == 50 and series.ts[-1] == OPEN_CANDLE - HOUR


def test_history_before_listing_and_empty_ranges(binance):
    series = source_for(binance).fetch(
        "BTC/USDT", "1d", ms("2023-11-20T00:00:00"), ms("2023-12-03T00:00:00")
    )
    assert series.ts.tolist() == [ms("2023-12-01T00:00:00"), ms("2023-12-02T00:00:00")]
    # an empty range is an empty series (a live feed polls like this), not an error
    before = source_for(binance).fetch("BTC/USDT", "1h", ms("2023-01-01"), ms("2023-02-01"))
    assert len(before) == 0 and before.symbol == "BTC/USDT" and before.timeframe == "1h"
    polled = source_for(binance).fetch("BTC/USDT", "1h", OPEN_CANDLE - HOUR + 1, NOW)
    assert len(polled) == 0  # the only candle after the last closed one is still open


def test_unknown_symbol_lists_similar_ones_without_asking_for_candles(binance):
    with pytest.raises(DataError) as info:
        source_for(binance).fetch("BTC/USDX", "1h")
    message = str(info.value)
    assert message.startswith("binance: unknown symbol 'BTC/USDX'; similar: ")
    assert "BTC/USDT" in message and "BTC/USDC" in message and "ETH/BTC" not in message
    assert binance.klines_requests() == []


def test_transient_errors_are_retried_with_backoff(binance):
    binance.failures = [503, 429, 504]
    sleeps: list[float] = []
    series = source_for(binance, sleeps, retry_delay=0.5).fetch(
        "BTC/USDT", "1h", ms("2024-01-05T00:00:00"), ms("2024-01-05T06:00:00")
    )
    assert len(series) == 6
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(binance.klines_requests()) == 4


def test_retries_are_bounded(binance):
    binance.failures = [503] * 10
    sleeps: list[float] = []
    source = source_for(binance, sleeps, retries=2, retry_delay=40.0)
    with pytest.raises(DataError) as info:
        source.fetch("BTC/USDT", "1h", ms("2024-01-05T00:00:00"))
    message = str(info.value)
    assert message.startswith(
        "binance: fetching BTC/USDT 1h candles from 2024-01-05 00:00 failed after 3 attempts: "
        "ExchangeNotAvailable: "
    )
    assert "\n" not in message and len(message) < 400
    assert sleeps == [40.0, 60.0]  # doubled, capped at 60 s
    assert len(binance.klines_requests()) == 3


def test_rate_limited_source_still_paginates(binance):
    source = source_for(binance, limit=10, rate_limit=True)
    series = source.fetch("BTC/USDT", "1h", ms("2024-01-09T00:00:00"))
    assert len(series) == 24 and len(binance.klines_requests()) == 3
    assert source.symbols() == ["BTC/USDC", "BTC/USDT", "ETH/BTC", "ETH/USDT"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"exchange": "Binance!"}, "exchange: must be a ccxt exchange id like 'binance', got 'Binance!'"),
        ({"base_url": "127.0.0.1:80"}, "base_url: must be an http(s) URL like http://127.0.0.1:8080, got '127.0.0.1:80'"),
        ({"limit": 0}, "limit: must be an integer in [1, 5000], got 0"),
        ({"limit": 10.5}, "limit: must be an integer in [1, 5000], got 10.5"),
        ({"retries": -1}, "retries: must be an integer in [0, 20], got -1"),
        ({"retry_delay": 100}, "retry_delay: must be a number in [0, 60], got 100"),
        ({"rate_limit": "yes"}, "rate_limit: must be true or false, got 'yes'"),
    ],
)  # fmt: skip
def test_options_are_validated(options, expected):
    with pytest.raises(ValueError) as info:
        CcxtOptions(**options)
    assert str(info.value) == expected


def test_registration_and_entry_point():
    from importlib.metadata import entry_points

    (spec,) = plugin.register_data_sources()
    assert spec.name == "ccxt" and spec.options is CcxtOptions
    assert isinstance(spec.build(CcxtOptions()), CcxtSource)
    names = {ep.name: ep.value for ep in entry_points(group="deepalpha")}
    assert names["ccxt"] == "deepalpha_data_ccxt.plugin"


def test_core_data_source_contract(binance):
    from deepalpha.testing import check_data_source

    series = check_data_source(source_for(binance, limit=200), "ETH/USDT", "1h")
    assert len(series) == 200
