"""Bindings of crates/python/src/overlap.rs beyond SMA/EMA: TA-Lib parity and streaming == batch."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from kernel_support import Case, assert_parity, assert_same, ohlcv

CASES = [
    Case("wma", "c", (10,)),
    Case("wma", "c", (2,)),
    Case("dema", "c", (10,)),
    Case("tema", "c", (7,)),
    Case("trima", "c", (10,)),
    Case("trima", "c", (11,)),
    Case("kama", "c", (10,)),
    Case("kama", "c", (2,)),
    Case("midpoint", "c", (14,)),
    Case("midprice", "hl", (14,)),
    Case("bbands", "c", (20, 2.0, 1.5), outputs=3),
    Case("bbands", "c", (5, 1.0, 1.0), outputs=3),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_fixed_walk(case, candles):
    case.check(candles, dk, talib)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_real_data(case, btc):
    case.check(btc, dk, talib, stream=False)


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=ohlcv(max_size=150))
def test_hypothesis(case, data):
    case.check(data, dk, talib)


def test_constant_series():
    flat = np.full(60, 42.0)
    for case in CASES:
        case.check((flat, flat, flat, flat, flat), dk, talib)


def test_bbands_other_matype_is_refused():
    with pytest.raises(dk.KernelError, match=r"^bbands: matype must be 0 \(SMA\).*got 1$"):
        dk.bbands(np.arange(30.0), 5, 2.0, 2.0, 1)


@pytest.mark.parametrize("period", [2, 5, 20, 32, 33])
def test_bbands_far_from_zero_flat_and_nan_gaps(period):
    """Short windows use direct moments (TA-Lib to rounding), long ones TA-Lib's steps; from the
    first NaN on both follow TA-Lib's NaN tail. Streams equal the batch exactly throughout."""
    rng = np.random.default_rng(period)
    close = 74_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, 1500)))
    close[300:400] = close[300]  # a flat stretch: zero deviation, bands on the middle
    for c in (close, np.where(np.arange(1500) == 900, np.nan, close)):
        c = c.copy()
        c[:2] = np.nan
        ours = dk.bbands(c, period, 2.0, 1.5)
        for got, want in zip(ours, talib.BBANDS(c, period, 2.0, 1.5), strict=True):
            assert_parity(got, want)
        flat = slice(300 + period - 1, 400)
        np.testing.assert_array_equal(ours[0][flat], ours[1][flat])
        s = dk.BBANDS(period, 2.0, 1.5)
        streamed = np.array([s.update(x) for x in c])
        for k in range(3):
            assert_same(streamed[:, k], ours[k])
