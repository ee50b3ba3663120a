"""T3 and SAR (overlap.rs), MACDFIX, MACDEXT, ULTOSC and MFI (momentum.rs): TA-Lib parity on
fixed walks, the bundled BTC data and hypothesis candles, default and other parameters; streaming
== batch exactly."""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from kernel_support import Case, assert_parity, ohlcv, walk

CASES = [
    Case("t3", "c", (5, 0.7)),
    Case("t3", "c", (1, 0.7)),
    Case("t3", "c", (3, 0.3)),
    Case("t3", "c", (10, 1.0)),
    Case("sar", "hl", (0.02, 0.2)),
    Case("sar", "hl", (0.1, 0.05)),
    Case("sar", "hl", (0.05, 0.5)),
    Case("macdfix", "c", (9,), outputs=3),
    Case("macdfix", "c", (1,), outputs=3),
    Case("macdext", "c", (12, 0, 26, 0, 9, 0), outputs=3),
    Case("macdext", "c", (12, 1, 26, 1, 9, 1), outputs=3),
    Case("macdext", "c", (26, 1, 12, 0, 5, 1), outputs=3),
    Case("macdext", "c", (3, 0, 3, 1, 1, 0), outputs=3),
    Case("ultosc", "hlc", (7, 14, 28)),
    Case("ultosc", "hlc", (28, 1, 9)),
    Case("ultosc", "hlc", (2, 2, 2)),
    Case("mfi", "hlcv", (14,)),
    Case("mfi", "hlcv", (2,)),
    Case("mfi", "hlcv", (60,)),
]


def anchored(case):
    """Cases whose recurrences run in anchored blocks (chain.rs) for speed: MACDFIX, MACDEXT (its
    EMA legs and its SMA legs alike) and T3 above period 1 (a copy). They equal TA-Lib to
    rounding, so only the 1e-9 parity of `case.check` applies to them."""
    if case.name == "t3":
        return case.params[0] > 1
    return case.name in ("macdfix", "macdext")


def assert_bit_identical(case, candles):
    """Stronger than the 1e-9 parity: the others reproduce TA-Lib's operations (fused where its
    build fuses on this CPU), so the outputs are equal to the last bit."""
    if anchored(case):
        return
    args = case.columns(candles)
    got = getattr(dk, case.name)(*args, *case.params)
    want = getattr(talib, case.name.upper())(*args, *case.params)
    got, want = (got, want) if case.outputs > 1 else ((got,), (want,))
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_fixed_walk(case, candles):
    case.check(candles, dk, talib)
    assert_bit_identical(case, candles)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_real_data(case, btc):
    case.check(btc, dk, talib, stream=False)
    assert_bit_identical(case, btc)


def test_t3_over_a_sweep_of_vfactor():
    """The weights over the whole range of `vfactor` (TA-Lib's FMA build contracts one of them,
    an ulp away for some `v`; the EMAs are anchored blocks, so parity is to rounding)."""
    c = walk(400, seed=5)[3]
    for period in (2, 4, 7):
        for v in np.linspace(0.0, 1.0, 81):
            assert_parity(dk.t3(c, period, v), talib.T3(c, period, v))


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=ohlcv(max_size=150))
def test_hypothesis(case, data):
    case.check(data, dk, talib)


def test_flat_candles_and_zero_volume():
    """Flat stretches (every window without range or flow) and zero volume: TA-Lib 0.8 resets its
    running sums there instead of dividing rounding residue; so do we, to the bit."""
    o, h, lo, c, v = (a.copy() for a in walk(400, seed=5))
    for a in (o, h, lo, c):
        a[100:160] = a[99]
    v[200:260] = 0.0
    for case in CASES:
        case.check((o, h, lo, c, v), dk, talib)
        assert_bit_identical(case, (o, h, lo, c, v))


def test_leading_nans_are_skipped_like_talib():
    _, h, lo, c, v = walk(300, seed=2)
    for a in (h, lo, c, v):
        a[:5] = np.nan
    for case in CASES:
        case.check((h, h, lo, c, v), dk, talib)


def test_macdext_refuses_other_matypes_naming_the_parameter():
    x = np.arange(60.0)
    with pytest.raises(dk.KernelError, match=r"^macdext: signalmatype must be 0 \(SMA\) or 1"):
        dk.macdext(x, 12, 0, 26, 0, 9, 2)
    with pytest.raises(dk.KernelError, match=r"^macdext: fastmatype must be 0 \(SMA\) or 1"):
        dk.MACDEXT(fastmatype=8)


def test_parameter_errors_name_the_value():
    x = np.arange(60.0)
    with pytest.raises(dk.KernelError, match=r"^t3: vfactor must be in \[0, 1\], got 1.5$"):
        dk.t3(x, 5, 1.5)
    with pytest.raises(dk.KernelError, match=r"^sar: maximum must be in \[0, "):
        dk.SAR(0.02, -1.0)
    with pytest.raises(dk.KernelError, match=r"^ultosc: timeperiod3 must be >= 1, got 0$"):
        dk.ultosc(x, x, x, 7, 14, 0)
    with pytest.raises(dk.KernelError, match=r"^mfi: timeperiod must be >= 2, got 1$"):
        dk.MFI(1)
    with pytest.raises(dk.KernelError, match=r"^macdfix: signalperiod must be >= 1, got 0$"):
        dk.macdfix(x, 0)


def test_streams_reset_and_repr():
    _, h, lo, c, v = walk(120, seed=4)
    s = dk.MFI(10)
    first = [s.update(*row) for row in zip(h, lo, c, v, strict=True)]
    assert s.is_ready and s.timeperiod == 10 and repr(s) == "MFI(timeperiod=10)"
    s.reset()
    assert not s.is_ready
    assert_parity([s.update(*row) for row in zip(h, lo, c, v, strict=True)], first)
    assert repr(dk.SAR()) == "SAR(acceleration=0.02, maximum=0.2)"
    assert repr(dk.T3(4)) == "T3(timeperiod=4, vfactor=0.7)"
    assert repr(dk.ULTOSC(28, 7)) == "ULTOSC(timeperiod1=28, timeperiod2=7, timeperiod3=28)"
    m = dk.MACDEXT(5, 1, 3, 0, 2, 1)
    rows = [m.update(x) for x in c]
    assert m.is_ready and m.value == rows[-1]
    m.reset()
    assert not m.is_ready and np.isnan(m.value[0])


def test_sar_acceleration_above_maximum_is_lowered_like_talib():
    _, h, lo, _, _ = walk(500, seed=9)
    assert_parity(dk.sar(h, lo, 0.5, 0.1), talib.SAR(h, lo, 0.5, 0.1))
    np.testing.assert_array_equal(dk.sar(h, lo, 0.5, 0.1), dk.sar(h, lo, 0.1, 0.1))
