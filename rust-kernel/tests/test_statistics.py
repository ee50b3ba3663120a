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


@pytest.mark.parametrize("period", [1, 2, 5, 16, 17, 30])
def test_far_from_zero_matches_talib(period):
    """Prices near 74,000 that barely move: TA-Lib re-centres its sums; the kernel's direct
    moments about a value of each window (short windows) agree to rounding, its copy of TA-Lib's
    steps (long windows) to the last bit."""
    rng = np.random.default_rng(period)
    close = 74_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, 3000)))
    close[1000:1100] = close[1000]  # a flat stretch: exactly 0
    assert_parity(dk.var(close, period), talib.VAR(close, period))
    assert (dk.var(close, period)[1000 + period - 1 : 1100] == 0).all()
    if period > 1:
        assert_parity(dk.stddev(close, period, 2.0), talib.STDDEV(close, period, 2.0))
    if period > 16:
        np.testing.assert_array_equal(dk.var(close, period), talib.VAR(close, period))
    for p in (period, 2 * period):
        stream = dk.STDDEV(max(p, 2), 2.0)
        assert_same([stream.update(x) for x in close], dk.stddev(close, max(p, 2), 2.0))


def test_nan_inside_the_series_follows_talib():
    close = 100 + np.random.default_rng(3).normal(0, 1, 400).cumsum()
    close[:3] = np.nan
    close[50] = np.nan
    close[300:303] = np.nan  # a second gap, after the kernel has switched to TA-Lib's steps
    for period in (1, 2, 5, 9, 16, 20):
        assert_parity(dk.var(close, period), talib.VAR(close, period))
        stream = dk.VAR(period)
        assert_same([stream.update(x) for x in close], dk.var(close, period))
        if period > 1:
            assert_parity(dk.stddev(close, period), talib.STDDEV(close, period))
            stream = dk.STDDEV(period, 1.5)
            assert_same([stream.update(x) for x in close], dk.stddev(close, period, 1.5))


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
def test_linear_regression_far_from_zero_and_around_zero(name):
    """SLOPE and ANGLE follow TA-Lib 0.8's sliding sums and schedule, equal to the last bit (their
    values near 0 carry TA-Lib's rounding noise); LINEARREG, INTERCEPT and TSF slide shifted sums
    of their own (TA-Lib to rounding), and take TA-Lib's steps from a first NaN on."""
    rng = np.random.default_rng(11)
    flat = np.full(300, 61_234.5678)
    gappy = 74_000 + rng.normal(0, 1, 3000).cumsum()
    gappy[[5, 700, 701, 2000]] = np.nan
    for close in (74_000 + rng.normal(0, 1, 3000).cumsum(), rng.normal(0, 1, 3000), flat, gappy):
        for period in (2, 14, 90):
            ours = getattr(dk, name)(close, period)
            want = getattr(talib, name.upper())(close, period)
            if name in ("linearreg_slope", "linearreg_angle"):
                np.testing.assert_array_equal(ours, want)
            else:
                assert_parity(ours, want)
            s = getattr(dk, name.upper())(period)
            assert_same([s.update(x) for x in close], ours)


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


# ---- BETA (TA-Lib 0.8's shifted, re-centred sums of returns, decoded from the shipped library) -


def _beta_inputs(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """A market near 74,000 and an asset that follows it, with flat stretches in each."""
    rng = np.random.default_rng(seed)
    x = 74_000 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    y = 3_000 * np.exp(np.cumsum(rng.normal(0, 2e-3, n))) + x / 100
    if n > 1000:
        x[400:460] = x[400]  # the market does not move: zero variance, re-centring, beta = 0
        y[900:950] = y[900]  # the asset does not move: beta = 0
    return x, y


@pytest.mark.parametrize("period", [1, 2, 5, 14, 30, 61])
def test_beta_bitwise_equal_to_talib(period):
    x, y = _beta_inputs(period)
    got = dk.beta(x, y, period)
    np.testing.assert_array_equal(got, talib.BETA(x, y, period))
    assert np.isnan(got[:period]).all() and not np.isnan(got[period:]).any()
    s = dk.BETA(period)
    assert_same([s.update(a, b) for a, b in zip(x, y, strict=True)], got)
    assert s.is_ready and s.value == got[-1]


@given(data=ohlcv(max_size=200), period=st.integers(1, 40))
def test_beta_hypothesis(data, period):
    """Includes constant series (vol 0), tiny moves far from zero and zero volumes (a zero price
    makes TA-Lib's return 0)."""
    _, h, low, c, v = data
    np.testing.assert_array_equal(dk.beta(h, c, period), talib.BETA(h, c, period))
    np.testing.assert_array_equal(dk.beta(low, v, period), talib.BETA(low, v, period))
    s = dk.BETA(period)
    assert_same([s.update(a, b) for a, b in zip(h, c, strict=True)], dk.beta(h, c, period))


def test_beta_nan_gaps_follow_talib():
    """A NaN inside the window makes TA-Lib's beta 0 (its test on the variance fails) until its
    periodic re-centring recomputes the sums from clean values; leading NaNs are skipped."""
    x, y = _beta_inputs(3, 2000)
    x[:2] = np.nan
    y[3] = np.nan
    y[120] = np.nan
    x[1500:1503] = np.nan
    for period in (1, 5, 30):
        got = dk.beta(x, y, period)
        np.testing.assert_array_equal(got, talib.BETA(x, y, period))
        s = dk.BETA(period)
        assert_same([s.update(a, b) for a, b in zip(x, y, strict=True)], got)
        s.reset()
        assert not s.is_ready and np.isnan(s.value)


def test_beta_real_data_and_out(btc):
    _, h, low, c, _ = btc
    for period in (5, 50):
        np.testing.assert_array_equal(dk.beta(h, c, period), talib.BETA(h, c, period))
    out = np.full(len(c), 123.0)
    assert dk.beta(low, c, out=out) is out
    np.testing.assert_array_equal(out, talib.BETA(low, c))


def test_beta_is_the_slope_of_returns():
    """Independent check: least squares of the asset's returns on the market's, via numpy."""
    x, y = _beta_inputs(11, 300)
    rx, ry = np.diff(x) / x[:-1], np.diff(y) / y[:-1]
    got = dk.beta(x, y, 20)
    for i in range(20, 300, 17):
        a, b = rx[i - 20 : i], ry[i - 20 : i]
        if np.ptp(a) == 0:
            continue
        slope = np.polyfit(a, b, 1)[0]
        np.testing.assert_allclose(got[i], slope, rtol=1e-9, atol=1e-12)


def test_beta_errors():
    x, y = _beta_inputs(1, 50)
    with pytest.raises(dk.KernelError, match="beta: timeperiod must be >= 1, got 0"):
        dk.beta(x, y, 0)
    with pytest.raises(dk.KernelError, match="beta: timeperiod must be >= 1, got -3"):
        dk.BETA(-3)
    with pytest.raises(dk.KernelError, match="beta: real0 and real1 must have the same length"):
        dk.beta(x, y[:-1])
    assert np.isnan(dk.beta(x[:5], y[:5], 5)).all()
    assert dk.beta(x[:0], y[:0]).shape == (0,)
