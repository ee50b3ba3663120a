"""Inputs and assertions shared by the binding tests (imported by the test modules).

Inputs are valid candles (low <= open, close <= high, volume >= 0) from hypothesis, fixed random
walks, constant series and the bundled BTC/USD hourly data when the data plugin is installed.
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: In CI (`CI` set, as `.ci/run` does) the examples are derandomised: the same 60 per test on every
#: run, so a submission cannot fail on a rare draw where TA-Lib's own rounding exceeds 1e-9 (seen
#: for VAR on 5% moves near 1e5, about 1 run in 400). Developers' runs keep drawing new examples.
settings.register_profile(
    "kernel",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
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


class Case:
    """One catalogue entry: how to call the kernel's batch function, TA-Lib's, and the stream.

    ``inputs`` names the candle columns the function takes (o, h, l, c); ``stream`` builds the
    streaming object; ``outputs`` is the number of arrays returned.
    """

    def __init__(self, name, inputs, params, stream_inputs=None, outputs=1):
        self.name = name
        self.inputs = inputs
        self.params = params
        self.stream_inputs = stream_inputs if stream_inputs is not None else inputs
        self.outputs = outputs

    def __repr__(self):
        return f"{self.name}{self.params}"

    def columns(self, candles):
        o, h, lo, c, v = candles
        table = {"o": o, "h": h, "l": lo, "c": c, "v": v}
        return [table[k] for k in self.inputs]

    def check(self, candles, dk, talib, stream=True):
        args = self.columns(candles)
        ours = getattr(dk, self.name)(*args, *self.params)
        theirs = getattr(talib, self.name.upper())(*args, *self.params)
        if self.outputs == 1:
            ours, theirs = (ours,), (theirs,)
        for got, want in zip(ours, theirs, strict=True):
            assert_parity(got, want)
        if stream and self.stream_inputs:
            s = getattr(dk, self.name.upper())(*self.params)
            rows = list(zip(*args, strict=True))
            streamed = [s.update(*row) for row in rows]
            if self.outputs == 1:
                assert_same(streamed, ours[0])
            else:
                arr = np.array(streamed).reshape(-1, self.outputs)
                for k in range(self.outputs):
                    assert_same(arr[:, k], ours[k])
