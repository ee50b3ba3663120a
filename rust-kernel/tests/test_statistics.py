"""Bindings of crates/python/src/statistics.rs: VAR, STDDEV and the linear regressions against
TA-Lib."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import Case, assert_parity, assert_same, ohlcv

LINREG = ["linearreg", "linearreg_slope", "linearreg_intercept", "linearreg_angle", "tsf"]
CASES = [
    Case("var", "c", (5,)),
    Case("var", "c", (1,)),
    Case("stddev", "c", (20, 1.5)),
    *(Case(name, "c", ()) for name in LINREG),
    *(Case(name, "c", (2,)) for name in LINREG),
    *(Case(name, "c", (37,)) for name in LINREG),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_fixed_walk_and_constant(case, candles):
    case.check(candles, dk, talib)
    flat = np.full(40, 7.5)
    case.check((flat,) * 5, dk, talib)


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=ohlcv(max_size=150))
def test_hypothesis(case, data):
    """Includes prices far from zero that barely move (74,000 with a variance of 2), where the
    textbook formula loses all digits: TA-Lib 0.8 re-centres its sums, and so does the kernel."""
    case.check(data, dk, talib)


@pytest.mark.parametrize("period", [1, 2, 5, 30])
def test_bitwise_equal_to_talib_far_from_zero(period):
    """Same steps in the same order as TA-Lib's re-centring variance: equal to the last bit."""
    rng = np.random.default_rng(period)
    close = 74_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, 3000)))
    np.testing.assert_array_equal(dk.var(close, period), talib.VAR(close, period))
    if period > 1:
        np.testing.assert_array_equal(
            dk.stddev(close, period, 2.0), talib.STDDEV(close, period, 2.0)
        )


def test_nan_inside_the_series_follows_talib():
    close = 100 + np.random.default_rng(3).normal(0, 1, 400).cumsum()
    close[:3] = np.nan
    close[50] = np.nan
    for period in (1, 5, 20):
        assert_parity(dk.var(close, period), talib.VAR(close, period))
        stream = dk.VAR(period)
        assert_same([stream.update(x) for x in close], dk.var(close, period))


def test_real_data(btc):
    close = btc[3]
    for period in (5, 20, 200):
        assert_parity(dk.var(close, period), talib.VAR(close, period))
        assert_parity(dk.stddev(close, period), talib.STDDEV(close, period))


def test_var_matches_an_independent_two_pass_reference(candles):
    close = candles[3]
    windows = np.lib.stride_tricks.sliding_window_view(close, 10)
    np.testing.assert_allclose(dk.var(close, 10)[9:], windows.var(axis=1), rtol=1e-9)


@pytest.mark.parametrize("name", LINREG)
def test_linear_regression_bitwise_far_from_zero_and_around_zero(name):
    """TA-Lib 0.8 slides its sums and recomputes them on its own schedule; the kernel follows the
    same schedule, so results are equal to the last bit (including the fused final step)."""
    rng = np.random.default_rng(11)
    for close in (74_000 + rng.normal(0, 1, 3000).cumsum(), rng.normal(0, 1, 3000)):
        for period in (2, 14, 90):
            np.testing.assert_array_equal(
                getattr(dk, name)(close, period), getattr(talib, name.upper())(close, period)
            )


def test_linear_regression_against_numpy_polyfit(candles):
    close = candles[3][:200]
    window = close[50:64]
    slope, intercept = np.polyfit(np.arange(14.0), window, 1)
    np.testing.assert_allclose(dk.linearreg_slope(close)[63], slope, rtol=1e-9)
    np.testing.assert_allclose(dk.linearreg_intercept(close)[63], intercept, rtol=1e-9)
    np.testing.assert_allclose(dk.tsf(close)[63], intercept + 14 * slope, rtol=1e-9)


# ---- CORREL (TA-Lib 0.8's shifted, re-centred sums, decoded from the shipped library) ---------


@pytest.mark.parametrize("period", [1, 2, 5, 30, 61])
def test_correl_bitwise_equal_to_talib(period):
    rng = np.random.default_rng(period)
    x = 74_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, 3000)))
    y = 50 + np.cumsum(rng.normal(0, 1, 3000)) + x / 1000
    y[700:760] = 7.0  # a flat stretch: zero variance, re-centring, r = 0
    np.testing.assert_array_equal(dk.correl(x, y, period), talib.CORREL(x, y, period))
    s = dk.CORREL(period)
    assert_same([s.update(a, b) for a, b in zip(x, y, strict=True)], dk.correl(x, y, period))


@given(data=ohlcv(max_size=200), period=st.integers(1, 40))
def test_correl_hypothesis(data, period):
    _, h, _, c, v = data
    assert_parity(dk.correl(h, c, period), talib.CORREL(h, c, period))
    assert_parity(dk.correl(c, v, period), talib.CORREL(c, v, period))
    s = dk.CORREL(period)
    assert_same([s.update(a, b) for a, b in zip(c, v, strict=True)], dk.correl(c, v, period))


def test_correl_nan_and_errors():
    rng = np.random.default_rng(9)
    x = 100 + rng.normal(0, 1, 300).cumsum()
    y = 100 + rng.normal(0, 1, 300).cumsum()
    x[:2] = np.nan
    y[3] = np.nan
    y[120] = np.nan
    assert_parity(dk.correl(x, y, 10), talib.CORREL(x, y, 10))
    with pytest.raises(dk.KernelError, match="correl: timeperiod must be >= 1, got 0"):
        dk.correl(x, y, 0)
    with pytest.raises(dk.KernelError, match="correl: real0 and real1 must have the same length"):
        dk.correl(x, y[:-1])
