"""Bindings of crates/python/src/overlap.rs: SMA and EMA, batch and streaming, against TA-Lib."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import assert_parity, assert_same, ohlcv

CASES = [(dk.sma, talib.SMA, dk.SMA), (dk.ema, talib.EMA, dk.EMA)]


@pytest.mark.parametrize(("ours", "theirs", "_"), CASES)
def test_default_parameters_match_talib(ours, theirs, _, candles):
    close = candles[3]
    assert_parity(ours(close), theirs(close))


@pytest.mark.parametrize(("ours", "theirs", "_"), CASES)
def test_real_data_matches_talib(ours, theirs, _, btc):
    for period in (2, 20, 200):
        assert_parity(ours(btc[3], period), theirs(btc[3], period))


@pytest.mark.parametrize(("ours", "theirs", "stream"), CASES)
@given(data=ohlcv(), period=st.integers(2, 60))
def test_hypothesis_parity_and_streaming(ours, theirs, stream, data, period):
    close = data[3]
    batch = ours(close, period)
    assert_parity(batch, theirs(close, period))
    s = stream(period)
    assert_same([s.update(x) for x in close], batch)
    assert s.is_ready == (len(close) >= period)


@pytest.mark.parametrize(("ours", "theirs", "_"), CASES)
def test_constant_short_and_nan_inputs(ours, theirs, _):
    for x in (
        np.full(50, 3.25),
        np.arange(3.0),
        np.empty(0),
        np.array([np.nan, np.nan, 1.0, 2.0, 3.0]),
    ):
        assert_parity(ours(x, 2), theirs(x, 2))
    gap = np.arange(40.0)
    gap[20] = np.nan
    assert_parity(ours(gap, 5), theirs(gap, 5))


@pytest.mark.parametrize(("ours", "_", "__"), CASES)
def test_out_buffer_is_filled_and_returned(ours, _, __, candles):
    close = candles[3]
    out = np.empty_like(close)
    result = ours(close, 10, out=out)
    assert result is out
    assert_same(out, ours(close, 10))


@pytest.mark.parametrize(("ours", "_", "stream"), CASES)
def test_bad_period(ours, _, stream):
    name = ours.__name__
    with pytest.raises(dk.KernelError, match=rf"^{name}: timeperiod must be >= 2, got 1$"):
        ours(np.arange(5.0), 1)
    with pytest.raises(dk.KernelError, match="must be <= 100000, got 100001"):
        stream(100001)


def test_stream_reset_and_value():
    s = dk.SMA(3)
    assert np.isnan(s.value) and not s.is_ready
    for x in (1.0, 2.0, 3.0):
        s.update(x)
    assert s.value == 2.0 and s.is_ready and s.timeperiod == 3
    s.reset()
    assert np.isnan(s.value) and not s.is_ready
    assert repr(s) == "SMA(timeperiod=3)"
