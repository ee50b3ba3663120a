"""Window extremes (MIDPOINT, MIDPRICE, WILLR, STOCH, STOCHF, AROON, AROONOSC) on inputs that
cross the log-step kernel's chunks: TA-Lib parity and streaming == batch with plateaus, constant
stretches and windows at the edges of the kernel's levels and of its size limit. A NaN after the
start is refused by the batch and carried by the stream (see the NaN-gap test below)."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from kernel_support import Case, assert_parity, assert_same, walk

PERIODS = (2, 3, 4, 5, 14, 16, 17, 64, 65, 127, 128, 129, 300)


def _candles(kind: str):
    o, h, lo, c, v = walk(1500, seed=11)
    if kind == "plateaus":
        o, h, lo, c = (np.round(x) for x in (o, h, lo, c))
    elif kind == "constant":
        o, h, lo, c = (np.full(1500, 7.0) for _ in range(4))
    elif kind == "nan":
        o, h, lo, c = (x.copy() for x in (o, h, lo, c))
        h[700] = np.nan
        lo[1100] = np.nan
        c[300] = np.nan
    elif kind == "flat-stretch":
        h, lo, c = (x.copy() for x in (h, lo, c))
        h[400:700] = h[400]
        lo[400:700] = h[400]
        c[400:700] = h[400]
    return o, h, lo, c, v


def _cases(n: int) -> list[Case]:
    cases = [
        Case("midpoint", "c", (n,)),
        Case("midprice", "hl", (n,)),
        Case("willr", "hlc", (n,)),
        Case("stochf", "hlc", (n, 3, 0), outputs=2),
        Case("aroon", "hl", (n,), outputs=2),
        Case("aroonosc", "hl", (n,)),
        Case("stoch", "hlc", (n, 3, 0, 3, 1), outputs=2),
    ]
    return cases


@pytest.mark.parametrize("kind", ["walk", "plateaus", "constant", "flat-stretch"])
@pytest.mark.parametrize("n", PERIODS)
def test_long_inputs_match_talib_and_the_stream(kind, n):
    candles = _candles(kind)
    for case in _cases(n):
        case.check(candles, dk, talib)


@pytest.mark.parametrize("n", PERIODS)
def test_nan_gaps_are_refused_by_the_batch_and_carried_by_the_stream(n):
    """A NaN after the first candle is not at TA-Lib parity here (the streams skip it where
    TA-Lib's rescans may return it, and vice versa), so the batch refuses it, naming the input
    and the index; the stream takes it without error and equals the batch before it."""
    candles = _candles("nan")
    for case in _cases(n):
        args = case.columns(candles)
        with pytest.raises(dk.KernelError, match=r"contains NaN at index (300|700|1100), after"):
            getattr(dk, case.name)(*args, *case.params)
        first = min(i for i, a in enumerate(zip(*args, strict=True)) if np.isnan(a).any())
        head = [a[:first] for a in args]
        ours = getattr(dk, case.name)(*head, *case.params)
        ours = (ours,) if case.outputs == 1 else ours
        s = getattr(dk, case.name.upper())(*case.params)
        streamed = np.array([s.update(*row) for row in zip(*args, strict=True)])
        streamed = streamed.reshape(len(args[0]), case.outputs)
        for k in range(case.outputs):
            assert_same(streamed[:first, k], ours[k])
        theirs = getattr(talib, case.name.upper())(*head, *case.params)
        theirs = (theirs,) if case.outputs == 1 else theirs
        for got, want in zip(ours, theirs, strict=True):
            assert_parity(got, want)


def test_stoch_fastk_period_one_copies_the_candle():
    _, h, lo, c, _ = walk(700, seed=2)
    for got, want in zip(
        dk.stochf(h, lo, c, 1, 1, 0), talib.STOCHF(h, lo, c, 1, 1, 0), strict=True
    ):
        assert_parity(got, want)
