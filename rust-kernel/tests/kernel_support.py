"""Inputs and assertions shared by the binding tests (imported by the test modules).

Inputs are valid candles (low <= open, close <= high, volume >= 0) from hypothesis, fixed random
walks, constant series and the bundled BTC/USD hourly data when the data plugin is installed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "kernel", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("kernel")

#: Relative tolerance of TA-Lib parity; the absolute floor only matters for values near zero
#: (MACD histogram, momentum crossing zero) where a relative error is meaningless.
RTOL = 1e-9
ATOL = 1e-9


def assert_parity(got: np.ndarray, expected: np.ndarray) -> None:
    """Same length, NaN at the same places, values within 1e-9 relative."""
    got = np.asarray(got)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg="NaN positions")
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True)


def assert_same(got, expected) -> None:
    """Exact equality with NaN equal to NaN (streaming against batch)."""
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


@st.composite
def ohlcv(draw, min_size: int = 0, max_size: int = 300):
    """Valid candles from a random walk of log returns."""
    n = draw(st.integers(min_size, max_size))
    start = draw(st.floats(0.01, 1e5))
    seed = draw(st.integers(0, 2**32 - 1))
    vol = draw(st.sampled_from([0.0, 1e-4, 0.01, 0.05]))
    rng = np.random.default_rng(seed)
    close = start * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    open_ = np.concatenate([[start], close[:-1]]) if n else np.empty(0)
    top = np.maximum(open_, close)
    bottom = np.minimum(open_, close)
    high = top * (1 + rng.uniform(0, vol, n))
    low = bottom * (1 - rng.uniform(0, vol, n))
    volume = rng.uniform(0, 1000, n) * draw(st.sampled_from([0.0, 1.0]))
    return open_, high, low, close, volume


def walk(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Deterministic candles for fixed-input tests."""
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(0, 1, n).cumsum()
    open_ = close + rng.normal(0, 0.3, n)
    high = np.maximum(open_, close) + rng.uniform(0, 1, n)
    low = np.minimum(open_, close) - rng.uniform(0, 1, n)
    volume = rng.uniform(1, 1000, n)
    return open_, high, low, close, volume
