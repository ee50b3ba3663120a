"""Bindings of crates/python/src/momentum.rs beyond RSI/MACD: TA-Lib parity, streaming == batch."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from kernel_support import Case, assert_parity, ohlcv, walk

CASES = [
    Case("mom", "c", (10,)),
    Case("mom", "c", (1,)),
    Case("roc", "c", (10,)),
    Case("rocp", "c", (3,)),
    Case("rocr", "c", (7,)),
    Case("trix", "c", (10,)),
    Case("trix", "c", (1,)),
    Case("willr", "hlc", (14,)),
    Case("willr", "hlc", (2,)),
    Case("plus_dm", "hl", (14,)),
    Case("plus_dm", "hl", (1,)),
    Case("minus_dm", "hl", (14,)),
    Case("minus_dm", "hl", (2,)),
    Case("plus_di", "hlc", (14,)),
    Case("plus_di", "hlc", (1,)),
    Case("minus_di", "hlc", (14,)),
    Case("minus_di", "hlc", (1,)),
    Case("dx", "hlc", (14,)),
    Case("dx", "hlc", (2,)),
    Case("adx", "hlc", (14,)),
    Case("adx", "hlc", (2,)),
    Case("adxr", "hlc", (14,)),
    Case("adxr", "hlc", (3,)),
    Case("stoch", "hlc", (5, 3, 0, 3, 0), outputs=2),
    Case("stoch", "hlc", (14, 3, 1, 5, 1), outputs=2),
    Case("stoch", "hlc", (1, 1, 0, 2, 1), outputs=2),
    Case("stochf", "hlc", (5, 3, 0), outputs=2),
    Case("stochf", "hlc", (9, 1, 1), outputs=2),
    Case("stochrsi", "c", (14, 5, 3, 0), outputs=2),
    Case("stochrsi", "c", (7, 9, 4, 1), outputs=2),
    Case("cmo", "c", (14,)),
    Case("cmo", "c", (2,)),
    Case("bop", "ohlc", ()),
    Case("aroon", "hl", (14,), outputs=2),
    Case("aroon", "hl", (2,), outputs=2),
    Case("aroonosc", "hl", (14,)),
    Case("aroonosc", "hl", (5,)),
    Case("cci", "hlc", (14,)),
    Case("cci", "hlc", (2,)),
    Case("apo", "c", (12, 26, 0)),
    Case("apo", "c", (26, 5, 1)),
    Case("ppo", "c", (12, 26, 1)),
    Case("ppo", "c", (3, 10, 0)),
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


def test_directional_movement_periods_and_errors():
    with pytest.raises(dk.KernelError, match=r"^adx: timeperiod must be >= 2, got 1$"):
        dk.adx(np.arange(30.0), np.arange(30.0), np.arange(30.0), 1)
    with pytest.raises(dk.KernelError, match=r"^plus_dm: timeperiod must be >= 1, got 0$"):
        dk.PLUS_DM(0)
    s = dk.ADXR(5)
    assert repr(s) == "ADXR(timeperiod=5)" and s.timeperiod == 5 and not s.is_ready


def test_flat_candles_give_talibs_zeros():
    """No movement: TR is 0, so DI and DX fall back to 0 as in TA-Lib."""
    flat = np.full(80, 10.0)
    for case in CASES[9:]:
        case.check((flat, flat, flat, flat, flat), dk, talib)


def test_stochastic_matypes_beyond_ema_are_refused():
    x = np.arange(40.0)
    with pytest.raises(dk.KernelError, match=r"^stoch: slowd_matype must be 0 \(SMA\) or 1"):
        dk.stoch(x, x, x, 5, 3, 0, 3, 4)
    with pytest.raises(dk.KernelError, match=r"^stochrsi: fastd_matype must be 0 \(SMA\) or 1"):
        dk.STOCHRSI(14, 5, 3, 2)


def test_aroon_ties_resolve_to_the_latest_candle():
    """Rounded prices tie often; TA-Lib counts the latest of equal extremes."""
    _, h, lo, _, _ = walk(2000, seed=3)
    h, lo = np.round(h), np.round(lo)
    for period in (3, 14):
        for got, want in zip(dk.aroon(h, lo, period), talib.AROON(h, lo, period), strict=True):
            assert_parity(got, want)
        assert_parity(dk.aroonosc(h, lo, period), talib.AROONOSC(h, lo, period))


WILDER = {"plus_dm", "minus_dm", "plus_di", "minus_di", "dx", "adx", "adxr", "stochrsi", "cmo"}


def test_wilder_smoothing_through_a_flat_stretch_and_a_gap():
    """Anchored blocks (chain.rs) over many chunks: a long flat stretch drives TR into TA-Lib's
    zero band (DX undefined, ADX held), then a NaN gap; values stay TA-Lib's to 1e-9 (the DI/DX
    family refuses the gap, see REFUSE_GAPS)."""
    o, h, lo, c, v = (a.copy() for a in walk(1500, seed=5))
    for a in (o, h, lo, c):
        a[400:1000] = 50.0
    c[1300] = np.nan
    for case in CASES:
        if case.name in WILDER and case.name not in REFUSE_GAPS:
            case.check((o, h, lo, c, v), dk, talib)
        elif case.name in WILDER:
            with pytest.raises(dk.KernelError, match=r"close contains NaN at index 1300"):
                getattr(dk, case.name)(*case.columns((o, h, lo, c, v)), *case.params)
            case.check((o[:1300], h[:1300], lo[:1300], c[:1300], v[:1300]), dk, talib)
    for period in (2, 14):
        assert_parity(dk.rsi(c, period), talib.RSI(c, period))
        assert_parity(dk.atr(h, lo, c, period), talib.ATR(h, lo, c, period))
        assert_parity(dk.natr(h, lo, c, period), talib.NATR(h, lo, c, period))


def test_wilder_denominators_are_tested_against_exact_zero():
    """TA-Lib 0.8.1 keeps DI, DX, ADX, RSI and CMO defined for tiny prices (its test is `!= 0`,
    not the 1e-14 zero band)."""
    o, h, lo, c, v = walk(300, seed=5)
    for scale in (1e-16, 1e-300):
        candles = (o * scale, h * scale, lo * scale, c * scale, v)
        for case in CASES:
            if case.name in WILDER:
                case.check(candles, dk, talib)
        assert_parity(dk.rsi(candles[3], 14), talib.RSI(candles[3], 14))


#: Indicators whose output across a NaN gap is not TA-Lib's: their batch functions refuse a NaN
#: after the first valid candle (KernelError naming the input and the index), as the issue
#: allows, rather than return something that only looks like TA-Lib's.
REFUSE_GAPS = {
    "willr", "plus_di", "minus_di", "dx", "adx", "adxr", "stoch", "stochf", "aroon", "aroonosc",
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_nan_inside_the_input_is_talibs_or_refused(case, candles):
    """A NaN after the first valid candle (a missing print): TA-Lib's outputs, NaN where its
    arithmetic carries it and values again where its windows have let it go; or, for the
    indicators that cannot reproduce that, a KernelError naming the input and the index."""
    o, h, lo, c, v = (a[:400].copy() for a in candles)
    for a in (o, h, lo, c):
        a[150] = np.nan
    if case.name in REFUSE_GAPS:
        with pytest.raises(dk.KernelError, match=r"contains NaN at index 150, after its first"):
            getattr(dk, case.name)(*case.columns((o, h, lo, c, v)), *case.params)
    else:
        case.check((o, h, lo, c, v), dk, talib)


def test_wma_and_ultosc_refuse_a_gap_naming_the_input_and_the_index():
    """The other two indicators that refuse gaps (their window sums would not be TA-Lib's)."""
    _, h, lo, c, _ = (a[:300].copy() for a in walk(300, seed=3))
    c[0] = np.nan  # a leading NaN is skipped, as TA-Lib's wrapper skips it
    c[200] = np.nan
    with pytest.raises(dk.KernelError, match=r"^wma: real contains NaN at index 200, after its"):
        dk.wma(c, 10)
    with pytest.raises(dk.KernelError, match=r"^ultosc: close contains NaN at index 200, after"):
        dk.ultosc(h, lo, c)
    assert_parity(dk.wma(c[:200], 10), talib.WMA(c[:200], 10))


@pytest.mark.parametrize("case", [c for c in CASES if c.name in REFUSE_GAPS], ids=repr)
@pytest.mark.parametrize("column", ["high", "low"])
def test_a_gap_in_high_or_low_alone_is_refused(case, column, candles):
    """The window kernels see a NaN in the highs or lows on their way (the closes are scanned
    before): the error names the column and the index, wherever the gap lies."""
    o, h, lo, c, v = (a[:3000].copy() for a in candles)
    for at in (7, 1234, 2999):
        hh, ll = h.copy(), lo.copy()
        (hh if column == "high" else ll)[at] = np.nan
        with pytest.raises(dk.KernelError, match=rf"{column} contains NaN at index {at}, after"):
            getattr(dk, case.name)(*case.columns((o, hh, ll, c, v)), *case.params)
