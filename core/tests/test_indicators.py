"""Agents find kernel indicators and patterns by name through the kernel plugins."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from deepalpha.errors import PluginError
from deepalpha.indicators import indicator, pattern


def test_batch_and_streaming_by_name(deepalpha_plugins) -> None:
    close = 100 + np.cumsum(np.random.default_rng(1).normal(0, 1, 300))
    rsi = indicator("rsi", plugins=deepalpha_plugins)
    np.testing.assert_allclose(rsi(close, 14), talib.RSI(close, 14), rtol=1e-9, equal_nan=True)
    stream = indicator("RSI", streaming=True, plugins=deepalpha_plugins)(14)
    values = [stream.update(x) for x in close]
    np.testing.assert_array_equal(values, rsi(close, 14))


def test_patterns_by_name(deepalpha_plugins) -> None:
    rng = np.random.default_rng(2)
    c = 100 + np.cumsum(rng.normal(0, 1, 500))
    o = c + rng.normal(0, 0.5, 500)
    h, lo = np.maximum(o, c) + 0.3, np.minimum(o, c) - 0.3
    engulfing = pattern("CDLENGULFING", plugins=deepalpha_plugins)
    np.testing.assert_array_equal(engulfing(o, h, lo, c), talib.CDLENGULFING(o, h, lo, c))


def test_unknown_names_list_what_is_installed(deepalpha_plugins) -> None:
    with pytest.raises(
        PluginError, match=r"unknown indicator 'nope'; installed kernels provide: .*RSI"
    ):
        indicator("nope", plugins=deepalpha_plugins)
