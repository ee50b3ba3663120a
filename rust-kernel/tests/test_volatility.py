"""Bindings of crates/python/src/volatility.rs: ATR, NATR and TRANGE against TA-Lib."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import assert_parity, assert_same, ohlcv, walk


def test_default_and_real_data(candles, btc):
    _, hi, lo, cl, _ = candles
    assert_parity(dk.atr(hi, lo, cl), talib.ATR(hi, lo, cl))
    assert_parity(dk.trange(hi, lo, cl), talib.TRANGE(hi, lo, cl))
    _, hi, lo, cl, _ = btc
    for period in (1, 14, 100):
        assert_parity(dk.atr(hi, lo, cl, period), talib.ATR(hi, lo, cl, period))
        assert_parity(dk.natr(hi, lo, cl, period), talib.NATR(hi, lo, cl, period))


@given(data=ohlcv(), period=st.integers(1, 40))
def test_hypothesis(data, period):
    _, hi, lo, cl, _ = data
    batch = dk.atr(hi, lo, cl, period)
    assert_parity(batch, talib.ATR(hi, lo, cl, period))
    s = dk.ATR(period)
    assert_same([s.update(*hlc) for hlc in zip(hi, lo, cl, strict=True)], batch)
    natr = dk.natr(hi, lo, cl, period)
    assert_parity(natr, talib.NATR(hi, lo, cl, period))
    s = dk.NATR(period)
    assert_same([s.update(*hlc) for hlc in zip(hi, lo, cl, strict=True)], natr)
    tr = dk.TRANGE()
    assert_same([tr.update(*hlc) for hlc in zip(hi, lo, cl, strict=True)], dk.trange(hi, lo, cl))


def test_nan_prefix_and_constant():
    hi = np.array([np.nan, 3.0, 4.0, 5.0, 6.0, 5.5])
    lo = hi - 1
    cl = hi - 0.5
    assert_parity(dk.atr(hi, lo, cl, 2), talib.ATR(hi, lo, cl, 2))
    flat = np.full(20, 2.0)
    assert_parity(dk.atr(flat, flat, flat, 5), talib.ATR(flat, flat, flat, 5))


def test_periods_across_anchored_blocks(candles):
    """The Wilder update runs in anchored blocks (chain.rs): TA-Lib's values to rounding."""
    _, hi, lo, cl, _ = candles
    for period in (1, 2, 14, 50):
        batch = dk.atr(hi, lo, cl, period)
        assert_parity(batch, talib.ATR(hi, lo, cl, period))
        s = dk.ATR(period)
        assert_same([s.update(*hlc) for hlc in zip(hi, lo, cl, strict=True)], batch)
        assert_parity(dk.natr(hi, lo, cl, period), talib.NATR(hi, lo, cl, period))


def test_natr_quirks_follow_talib():
    """NATR(1) is TA-Lib's plain true range (not divided by close); a zero close gives 0."""
    hi = np.array([3.0, 4.0, 5.0, 6.0, 5.5, 1.0])
    lo = hi - 1
    cl = np.array([2.5, 3.5, 0.0, 5.5, 5.0, 0.5])
    for period in (1, 2, 3):
        assert_parity(dk.natr(hi, lo, cl, period), talib.NATR(hi, lo, cl, period))


def test_nan_gap_follows_talib():
    _, hi, lo, cl, _ = (a.copy() for a in walk(300, 4))
    cl[120] = np.nan
    for period in (1, 14):
        assert_parity(dk.atr(hi, lo, cl, period), talib.ATR(hi, lo, cl, period))
        assert_parity(dk.natr(hi, lo, cl, period), talib.NATR(hi, lo, cl, period))


def test_errors():
    x = np.arange(10.0)
    with pytest.raises(dk.KernelError, match=r"^atr: high and close must have the same length"):
        dk.atr(x, x, x[:5])
    with pytest.raises(dk.KernelError, match=r"^atr: timeperiod must be >= 1, got 0$"):
        dk.ATR(0)
    with pytest.raises(dk.KernelError, match=r"^natr: timeperiod must be >= 1, got -3$"):
        dk.natr(x, x, x, -3)
