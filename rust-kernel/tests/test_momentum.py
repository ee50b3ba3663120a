"""Bindings of crates/python/src/momentum.rs: RSI and MACD against TA-Lib, streaming == batch."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import assert_parity, assert_same, ohlcv


def test_rsi_default_and_real_data(candles, btc):
    assert_parity(dk.rsi(candles[3]), talib.RSI(candles[3]))
    for period in (2, 14, 50):
        assert_parity(dk.rsi(btc[3], period), talib.RSI(btc[3], period))


@given(data=ohlcv(), period=st.integers(2, 40))
def test_rsi_hypothesis(data, period):
    close = data[3]
    batch = dk.rsi(close, period)
    assert_parity(batch, talib.RSI(close, period))
    s = dk.RSI(period)
    assert_same([s.update(x) for x in close], batch)


def test_rsi_constant_and_short():
    for x in (np.full(30, 7.0), np.arange(5.0), np.empty(0)):
        assert_parity(dk.rsi(x, 3), talib.RSI(x, 3))


def test_macd_default_and_real_data(candles, btc):
    for got, want in zip(dk.macd(candles[3]), talib.MACD(candles[3]), strict=True):
        assert_parity(got, want)
    for args in ((12, 26, 9), (5, 35, 5), (26, 12, 9), (3, 3, 1)):
        for got, want in zip(dk.macd(btc[3], *args), talib.MACD(btc[3], *args), strict=True):
            assert_parity(got, want)


@given(
    data=ohlcv(max_size=200),
    fast=st.integers(2, 30),
    slow=st.integers(2, 40),
    signal=st.integers(1, 15),
)
def test_macd_hypothesis(data, fast, slow, signal):
    close = data[3]
    batch = dk.macd(close, fast, slow, signal)
    for got, want in zip(batch, talib.MACD(close, fast, slow, signal), strict=True):
        assert_parity(got, want)
    s = dk.MACD(fast, slow, signal)
    streamed = np.array([s.update(x) for x in close]).reshape(-1, 3)
    for k in range(3):
        assert_same(streamed[:, k], batch[k])


def test_macd_errors_name_the_parameter():
    with pytest.raises(dk.KernelError, match=r"^macd: signalperiod must be >= 1, got 0$"):
        dk.macd(np.arange(50.0), 12, 26, 0)
    with pytest.raises(dk.KernelError, match=r"^macd: fastperiod must be >= 2, got -3$"):
        dk.MACD(-3, 26, 9)


def test_macd_stream_value_and_reset():
    s = dk.MACD(2, 3, 2)
    assert not s.is_ready
    values = [s.update(float(x)) for x in range(1, 8)]
    assert s.is_ready and s.value == values[-1]
    s.reset()
    assert not s.is_ready and all(np.isnan(s.value))
