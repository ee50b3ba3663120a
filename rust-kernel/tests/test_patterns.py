"""Bindings of crates/python/src/patterns.rs: every CDL* pattern identical to TA-Lib.

Random walks rarely form three- to five-candle patterns, so besides the real BTC/USD data and
hypothesis the tests use coarse candles (prices on a tick grid: many dojis, ties, equal highs and
gaps) and hand-made sequences for the rarest patterns, and check that TA-Lib does fire there.
"""

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import assert_same

PENETRATION = {
    "CDLABANDONEDBABY": 0.3,
    "CDLDARKCLOUDCOVER": 0.5,
    "CDLEVENINGDOJISTAR": 0.3,
    "CDLEVENINGSTAR": 0.3,
    "CDLMATHOLD": 0.5,
    "CDLMORNINGDOJISTAR": 0.3,
    "CDLMORNINGSTAR": 0.3,
}


def ours(name, data, **kw):
    return getattr(dk, name.lower())(*data, **kw)


def theirs(name, data, **kw):
    return getattr(talib, name)(*data, **kw)


def assert_talib(name, data, **kw):
    got = ours(name, data, **kw)
    expected = theirs(name, data, **kw)
    assert got.dtype == np.int32
    diff = np.nonzero(got != expected)[0]
    assert diff.size == 0, (
        f"{name}: first differences at {diff[:5]}: {got[diff[:5]]} vs {expected[diff[:5]]}"
    )


def coarse(n: int, seed: int, tick: float = 0.25) -> tuple[np.ndarray, ...]:
    """Candles on a tick grid: 10% dojis, 20% candles without shadows, frequent gaps and ties."""
    rng = np.random.default_rng(seed)
    mid = 100 + rng.normal(0, 1, n).cumsum()
    o = np.round((mid + rng.normal(0, 0.7, n)) / tick) * tick
    c = np.round((mid + rng.normal(0, 0.7, n)) / tick) * tick
    c = np.where(rng.random(n) < 0.1, o, c)
    up = np.round(rng.exponential(0.5, n) / tick) * tick * (rng.random(n) < 0.8)
    down = np.round(rng.exponential(0.5, n) / tick) * tick * (rng.random(n) < 0.8)
    return o, np.maximum(o, c) + up, np.minimum(o, c) - down, c


def _with_warmup(tail: list[tuple[float, float, float, float]]) -> tuple[np.ndarray, ...]:
    """Twelve quiet candles (body 1, range 2) followed by `tail` (open, high, low, close)."""
    quiet = [(100.0, 101.5, 99.5, 101.0)] * 12
    rows = np.array(quiet + tail, dtype=np.float64)
    return tuple(np.ascontiguousarray(rows[:, j]) for j in range(4))


#: Hand-made sequences for patterns that the coarse data does not form.
CRAFTED = {
    "CDLMATHOLD": [
        (100.0, 110.5, 99.5, 110.0),
        (112.0, 112.5, 111.0, 111.5),
        (109.0, 109.5, 108.0, 108.5),
        (108.0, 108.5, 107.0, 107.5),
        (108.0, 114.5, 107.8, 114.0),
    ],
    "CDL3STARSINSOUTH": [
        (110.0, 110.2, 88.0, 100.0),
        (104.0, 104.5, 95.0, 101.0),
        (99.0, 99.0, 98.8, 98.8),
    ],
    "CDLCONCEALBABYSWALL": [
        (110.0, 110.0, 105.0, 105.0),
        (105.0, 105.0, 100.0, 100.0),
        (99.0, 101.0, 97.5, 98.0),
        (102.0, 102.5, 95.0, 96.0),
    ],
}

COARSE = [coarse(60_000, 1), coarse(60_000, 2, tick=1.0), coarse(60_000, 3, tick=0.05)]


def test_registry_lists_talib_names():
    assert len(dk.PATTERNS) == 61
    assert set(dk.PATTERNS) == set(talib.get_function_groups()["Pattern Recognition"])
    assert list(dk.PATTERNS) == sorted(dk.PATTERNS)
    assert set(dk.scan(*coarse(20, 0))) == set(dk.PATTERNS)


@pytest.mark.parametrize("name", dk.PATTERNS)
def test_real_btc_data(name, btc):
    o, h, lo, c, _ = btc
    assert_talib(name, (o, h, lo, c))


@pytest.mark.parametrize("name", dk.PATTERNS)
def test_coarse_data_fires_and_matches(name):
    fired = 0
    for data in COARSE:
        assert_talib(name, data)
        fired += np.count_nonzero(theirs(name, data))
    if name in CRAFTED:
        data = _with_warmup(CRAFTED[name])
        assert theirs(name, data)[-1] != 0, "the crafted sequence must trigger TA-Lib"
        assert_talib(name, data)
        fired += 1
    assert fired > 0, f"{name} never fired: the test would prove nothing"


@pytest.mark.parametrize("name", sorted(PENETRATION))
@pytest.mark.parametrize("penetration", [0.0, 0.1, 0.9, 2.5])
def test_penetration(name, penetration):
    for data in COARSE[:2]:
        assert_talib(name, data, penetration=penetration)
    default = ours(name, COARSE[0])
    assert_same(default, ours(name, COARSE[0], penetration=PENETRATION[name]))


@st.composite
def candles(draw):
    """Valid candles on a tick grid, including dojis, equal highs, gaps and constant runs."""
    n = draw(st.integers(0, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    tick = draw(st.sampled_from([0.01, 0.5, 1.0]))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()) and n:
        price = np.full(n, draw(st.sampled_from([0.0, 1.0, 1e5])))
        return price, price.copy(), price.copy(), price.copy()
    steps = rng.integers(-3, 4, n) * tick
    o = 100 + np.cumsum(steps)
    c = o + rng.integers(-3, 4, n) * tick * (rng.random(n) > 0.2)
    gap = rng.integers(-4, 5, n) * tick * (rng.random(n) < 0.2)
    o, c = o + gap, c + gap
    high = np.maximum(o, c) + rng.integers(0, 3, n) * tick
    low = np.minimum(o, c) - rng.integers(0, 3, n) * tick
    return o, high, low, c


@given(data=candles())
def test_hypothesis_all_patterns(data):
    for name in dk.PATTERNS:
        assert_talib(name, data)


@given(data=candles())
def test_scan_equals_individual_calls_and_streaming(data):
    grid = dk.scan(*data)
    for name in dk.PATTERNS:
        assert grid[name].dtype == np.int16  # TA-Lib's values in half the memory
        assert_same(grid[name], ours(name, data))
    s = dk.PatternScanner()
    rows = [s.update(*bar) for bar in zip(*data, strict=True)]
    for name in dk.PATTERNS:
        assert_same([r[name] for r in rows], grid[name])


def test_streaming_long_series_reset_and_subset():
    data = COARSE[0]
    n = 3000
    data = tuple(x[:n] for x in data)
    grid = dk.scan(*data)
    s = dk.PatternScanner()
    assert s.names == dk.PATTERNS
    assert not s.is_ready
    for _ in range(2):
        rows = [s.update(*bar) for bar in zip(*data, strict=True)]
        for name in dk.PATTERNS:
            assert_same([r[name] for r in rows], grid[name])
        assert s.is_ready
        assert s.value == rows[-1]
        s.reset()
        assert not s.is_ready
    few = dk.PatternScanner(["cdldoji", "CDLHIKKAKE"])
    assert few.names == ("CDLDOJI", "CDLHIKKAKE")
    out = [few.update(*bar) for bar in zip(*data, strict=True)]
    assert_same([r["CDLHIKKAKE"] for r in out], grid["CDLHIKKAKE"])
    sub = dk.scan(*data, patterns=["CDLDOJI"])
    assert list(sub) == ["CDLDOJI"]
    assert_same(sub["CDLDOJI"], grid["CDLDOJI"])


def test_update_fired_lists_exactly_the_non_zero_outputs():
    data = tuple(x[:3000] for x in COARSE[0])
    grid = dk.scan(*data)
    for patterns in (None, ["CDLHIKKAKE", "cdlengulfing", "CDLDOJI"]):
        s = dk.PatternScanner(patterns)
        names = s.names
        fired_any = 0
        for i, bar in enumerate(zip(*data, strict=True)):
            fired = s.update_fired(*bar)
            expected = tuple(
                (k, int(grid[name][i])) for k, name in enumerate(names) if grid[name][i] != 0
            )
            assert fired == expected
            fired_any += bool(fired)
        assert fired_any > 100


def test_nan_prefix_and_nan_inside():
    o, h, lo, c = (x[:400].copy() for x in COARSE[0])
    o[:3] = np.nan
    h[1] = np.nan
    c[200] = np.nan
    lo[250] = np.nan
    data = (o, h, lo, c)
    for name in dk.PATTERNS:
        assert_talib(name, data)
    grid = dk.scan(*data)
    s = dk.PatternScanner()
    rows = [s.update(*bar) for bar in zip(*data, strict=True)]
    for name in dk.PATTERNS:
        assert_same([r[name] for r in rows], grid[name])
    nan = np.full(5, np.nan)
    assert_talib("CDLDOJI", (nan, nan, nan, nan))


def test_short_inputs():
    for n in range(0, 16):
        data = tuple(x[:n].copy() for x in COARSE[1])
        for name in dk.PATTERNS:
            assert_talib(name, data)


def test_out_buffer_and_errors():
    o, h, lo, c = (x[:100] for x in COARSE[0])
    buf = np.full(100, 7, dtype=np.int32)
    got = dk.cdlengulfing(o, h, lo, c, out=buf)
    assert got is buf
    assert_same(buf, talib.CDLENGULFING(o, h, lo, c))
    with pytest.raises(
        dk.KernelError, match=r"^cdlengulfing: out must be a 1-D numpy array of int32"
    ):
        dk.cdlengulfing(o, h, lo, c, out=np.zeros(100))
    with pytest.raises(
        dk.KernelError, match=r"^cdlengulfing: out must have the inputs' length 100"
    ):
        dk.cdlengulfing(o, h, lo, c, out=np.zeros(99, dtype=np.int32))
    with pytest.raises(
        dk.KernelError,
        match=r"^cdlhammer: open and close must have the same length, got 100 and 99",
    ):
        dk.cdlhammer(o, h, lo, c[:99])
    with pytest.raises(
        dk.KernelError, match=r"^cdldoji: high must be a 1-D numpy array of float64"
    ):
        dk.cdldoji(o, h.astype(np.float32), lo, c)
    with pytest.raises(dk.KernelError, match=r"^cdlmorningstar: penetration must be in \[0, "):
        dk.cdlmorningstar(o, h, lo, c, penetration=-0.1)
    with pytest.raises(dk.KernelError, match=r"^cdlmathold: penetration must be in \[0, "):
        dk.cdlmathold(o, h, lo, c, penetration=float("nan"))
    with pytest.raises(dk.KernelError, match=r"^scan: unknown pattern \"CDLNOPE\""):
        dk.scan(o, h, lo, c, patterns=["CDLNOPE"])
    with pytest.raises(dk.KernelError, match=r"^PatternScanner: unknown pattern \"x\""):
        dk.PatternScanner(["x"])
    strided = tuple(np.ascontiguousarray(np.repeat(x, 2))[::2] for x in (o, h, lo, c))
    assert_talib("CDLHARAMI", strided)


def test_scan_into_out_grid():
    """`scan(out=grid)` overwrites every cell (stale values included) and returns its rows."""
    o, h, lo, c = (x[:3000] for x in COARSE[2])
    names = ["CDLHIKKAKE", "CDLDOJI", "CDLMATHOLD", "CDLENGULFING"]
    grid = np.full((len(names), 3000), 7, dtype=np.int16)
    got = dk.scan(o, h, lo, c, patterns=names, out=grid)
    for p, name in enumerate(names):
        assert np.shares_memory(got[name], grid)
        assert_same(grid[p], theirs(name, (o, h, lo, c)))
    again = dk.scan(o, h, lo, c, patterns=names, out=grid)  # reused: same result
    assert all(np.array_equal(again[n], got[n]) for n in names)
    with pytest.raises(dk.KernelError, match=r"^scan: out must have shape \(4, 3000\)"):
        dk.scan(o, h, lo, c, patterns=names, out=np.zeros((4, 2999), dtype=np.int16))
    for dtype in (np.int32, np.int64):  # the single patterns' int32 is not scan's grid
        with pytest.raises(dk.KernelError, match=r"^scan: out must be a 2-D numpy array of int16"):
            dk.scan(o, h, lo, c, patterns=names, out=np.zeros((4, 3000), dtype=dtype))
    with pytest.raises(dk.KernelError, match=r"^scan: out must be C-contiguous"):
        dk.scan(o, h, lo, c, patterns=names, out=np.zeros((3000, 4), dtype=np.int16).T)
