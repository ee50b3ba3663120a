"""Bindings of crates/python/src/volume.rs: AD, ADOSC and OBV against TA-Lib."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import Case, assert_parity, assert_same, ohlcv

CASES = [
    Case("ad", "hlcv", ()),
    Case("adosc", "hlcv", ()),
    Case("adosc", "hlcv", (10, 3)),
    Case("adosc", "hlcv", (2, 30)),
    Case("obv", "cv", ()),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_fixed_walk_real_data_and_constant(case, candles, btc):
    case.check(candles, dk, talib)
    case.check(btc, dk, talib, stream=False)
    flat = np.full(40, 7.5)
    case.check((flat,) * 5, dk, talib)


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=ohlcv(max_size=200))
def test_hypothesis(case, data):
    case.check(data, dk, talib)


@given(data=ohlcv(min_size=1, max_size=120), fast=st.integers(2, 20), slow=st.integers(2, 20))
def test_adosc_any_periods(data, fast, slow):
    _, hi, lo, cl, vol = data
    assert_parity(dk.adosc(hi, lo, cl, vol, fast, slow), talib.ADOSC(hi, lo, cl, vol, fast, slow))


def test_bitwise_equal_and_nan_gaps(candles):
    """ADOSC's EMA steps are fused on FMA CPUs by TA-Lib 0.8 and by the kernel; a NaN inside the
    series propagates as in TA-Lib."""
    _, hi, lo, cl, vol = (a.copy() for a in candles)
    np.testing.assert_array_equal(dk.adosc(hi, lo, cl, vol), talib.ADOSC(hi, lo, cl, vol))
    hi[:2] = np.nan
    vol[500] = np.nan
    for name in ("AD", "ADOSC"):
        got = getattr(dk, name.lower())(hi, lo, cl, vol)
        assert_parity(got, getattr(talib, name)(hi, lo, cl, vol))
        stream = getattr(dk, name)()
        assert_same([stream.update(*row) for row in zip(hi, lo, cl, vol, strict=True)], got)
    assert_parity(dk.obv(cl, vol), talib.OBV(cl, vol))


def test_errors():
    x = np.arange(10.0)
    with pytest.raises(dk.KernelError, match=r"^ad: high and volume must have the same length"):
        dk.ad(x, x, x, x[:3])
    with pytest.raises(dk.KernelError, match=r"^adosc: slowperiod must be >= 2, got 1$"):
        dk.ADOSC(3, 1)
    with pytest.raises(dk.KernelError, match=r"^obv: volume must be a 1-D numpy array of float64"):
        dk.obv(x, x.astype(np.int64))
