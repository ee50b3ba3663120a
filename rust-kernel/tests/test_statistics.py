"""Bindings of crates/python/src/statistics.rs: VAR and STDDEV against TA-Lib."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from kernel_support import Case, assert_parity, assert_same, ohlcv

CASES = [Case("var", "c", (5,)), Case("var", "c", (1,)), Case("stddev", "c", (20, 1.5))]


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
