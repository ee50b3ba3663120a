"""The bundled BTC/USD 1h dataset, read through the default options."""

from __future__ import annotations

import gzip
import hashlib
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from deepalpha.errors import DataError
from deepalpha_data_file import bundled
from deepalpha_data_file.options import FileOptions
from deepalpha_data_file.source import FileSource


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_bytes_are_the_original_recorded_in_provenance():
    dataset = bundled.DATASETS["btcusd-1h"]
    path = bundled.dataset_path(dataset)
    provenance = (path.parent / "PROVENANCE.md").read_text()
    recorded = re.search(r"sha256 of the original CSV \| `([0-9a-f]{64})`", provenance).group(1)
    original = gzip.decompress(path.read_bytes())
    assert hashlib.sha256(original).hexdigest() == recorded
    assert original.startswith(b"Timestamps are UTC timezone,https://www.CryptoDataDownload.com")
    assert "BTC/USD 1h (CryptoDataDownload)" in provenance
    assert dataset.label == "BTC/USD 1h (CryptoDataDownload)"


def test_default_options_serve_the_bundled_dataset():
    assert FileOptions().path == "bundled:btcusd-1h"
    source = FileSource()
    series = source.fetch("BTC/USD", "1h")
    assert len(series) == 20_111
    assert series.symbol == "BTC/USD" and series.timeframe == "1h"
    assert series.ts[0] == ms("2017-07-01T11:00:00")
    assert series.ts[-1] == ms("2019-10-17T09:00:00")
    assert bool(np.all(np.diff(series.ts) == 3_600_000))  # oldest first, strictly, gap-free
    # oldest row of the file (its last line): 2017-07-01 11-AM,BTCUSD,2505.56,2513.38,...
    first = (series.open[0], series.high[0], series.low[0], series.close[0], series.volume[0])
    assert first == (2505.56, 2513.38, 2495.12, 2509.17, 114.6)  # volume_btc, not USD volume
    assert series.close[-1] == 8035.88
    assert int((series.volume == 0).sum()) == 28
    assert source.symbols() == ["BTC/USD"]


def test_twelve_hour_clock_is_read_correctly():
    series = FileSource().fetch("BTC/USD", "1h", ms("2017-07-02T00:00:00"), ms("2017-07-02T13:00"))
    # 2017-07-02 12-AM is midnight and 12-PM is noon
    assert series.ts[0] == ms("2017-07-02T00:00:00")
    assert series.ts[-1] == ms("2017-07-02T12:00:00")
    assert len(series) == 13


def test_fetch_filters_half_open_range_and_caches():
    source = FileSource()
    start, end = ms("2018-01-01T00:00:00"), ms("2018-01-02T00:00:00")
    window = source.fetch("BTC/USD", "1h", start, end)
    assert len(window) == 24
    assert window.ts[0] == start and window.ts[-1] == end - 3_600_000
    assert np.shares_memory(source.fetch("BTCUSD", "1h").ts, source.fetch("BTC/USD", "1h").ts)


def test_wrong_symbol_timeframe_and_empty_range_are_named():
    source = FileSource()
    with pytest.raises(DataError, match=r"^bundled:btcusd-1h: holds BTC/USD, not ETH/USDT$"):
        source.fetch("ETH/USDT", "1h")
    with pytest.raises(DataError, match=r"^bundled:btcusd-1h: holds 1h candles, not 5m$"):
        source.fetch("BTC/USD", "5m")
    with pytest.raises(DataError) as info:
        source.fetch("BTC/USD", "1h", ms("2021-01-01T00:00:00"), ms("2021-02-01T00:00:00"))
    assert str(info.value) == (
        "bundled:btcusd-1h: no BTC/USD 1h candles from 2021-01-01 00:00 to 2021-02-01 00:00; "
        "the file holds 2017-07-01 11:00 to 2019-10-17 09:00"
    )
    assert "\n" not in str(info.value)


def test_core_data_source_contract():
    from deepalpha.testing import check_data_source

    series = check_data_source(FileSource(), "BTC/USD", "1h")
    assert len(series) == 20_111
