"""Bindings of crates/python/src/extra.rs: indicators beyond TA-Lib, each checked against an
independent reference written here as plain Python/numpy loops, and streaming == batch exactly."""

import deepalpha_kernel as dk
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import assert_same, ohlcv, walk
from numpy.lib.stride_tricks import sliding_window_view

RTOL = 1e-9


def close_enough(got, want, atol=1e-9):
    got, want = np.asarray(got), np.asarray(want, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg="NaN positions")
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=atol, equal_nan=True)


# ---- references -------------------------------------------------------------------------------


def ref_ema(x, n):
    """TA-Lib's EMA: SMA of the first n values, then e += (x - e) * 2 / (n + 1)."""
    out = np.full(len(x), np.nan)
    if len(x) < n:
        return out
    e = sum(x[:n]) / n
    out[n - 1] = e
    k = 2.0 / (n + 1)
    for i in range(n, len(x)):
        e = e + (x[i] - e) * k
        out[i] = e
    return out


def ref_atr(h, lo, c, n):
    """Wilder's ATR as TA-Lib: mean of the first n true ranges (from candle 1), then smoothed."""
    out = np.full(len(h), np.nan)
    tr = [max(h[i], c[i - 1]) - min(lo[i], c[i - 1]) for i in range(1, len(h))]
    if len(tr) < n:
        return out
    a = sum(tr[:n]) / n
    out[n] = a
    for i in range(n + 1, len(h)):
        a = (a * (n - 1) + tr[i - 1]) / n
        out[i] = a
    return out


def ref_wma(x, n):
    out = np.full(len(x), np.nan)
    w = np.arange(1, n + 1, dtype=np.float64)
    for i in range(n - 1, len(x)):
        out[i] = float(np.dot(x[i + 1 - n : i + 1], w)) / w.sum()
    return out


def rolling(x, n, fn):
    out = np.full(len(x), np.nan)
    if len(x) >= n:
        out[n - 1 :] = fn(sliding_window_view(x, n), axis=1)
    return out


# ---- fixed inputs against the references ------------------------------------------------------


@pytest.fixture(scope="module")
def bars():
    return walk(600, seed=11)


def test_vwap_resets_each_utc_day(bars):
    _, h, lo, c, v = bars
    ts = 1_700_000_000_000 + np.arange(len(h), dtype=np.int64) * 3_600_000  # hourly
    got = dk.vwap(h, lo, c, v, ts)
    tp = (h + lo + c) / 3
    want = np.empty(len(h))
    day = ts // 86_400_000
    for i in range(len(h)):
        same = (day == day[i]) & (np.arange(len(h)) <= i)
        want[i] = (tp[same] * v[same]).sum() / v[same].sum()
    close_enough(got, want)
    assert got[0] == tp[0]
    first_of_day = np.flatnonzero(np.diff(day)) + 1
    np.testing.assert_allclose(got[first_of_day], tp[first_of_day], rtol=1e-15)
    hourly = dk.vwap(h, lo, c, v, ts, 3_600_000)
    np.testing.assert_allclose(hourly, tp, rtol=1e-15)
    np.testing.assert_array_equal(dk.vwap(h, lo, c, v, ts.astype(np.float64)), got)
    s = dk.VWAP()
    assert_same([s.update(*row, int(t)) for *row, t in zip(h, lo, c, v, ts, strict=True)], got)


def test_vwap_without_volume_is_nan_and_errors_name_the_input(bars):
    _, h, lo, c, _ = bars
    ts = np.zeros(len(h), dtype=np.int64)
    assert np.isnan(dk.vwap(h, lo, c, np.zeros(len(h)), ts)).all()
    with pytest.raises(dk.KernelError, match="vwap: ts must be a 1-D numpy array of int64"):
        dk.vwap(h, lo, c, h, ts.astype(np.int32))
    with pytest.raises(dk.KernelError, match="vwap: session_ms must be >= 1, got 0"):
        dk.vwap(h, lo, c, h, ts, 0)
    with pytest.raises(dk.KernelError, match="vwap: high and ts must have the same length"):
        dk.vwap(h, lo, c, h, ts[:-1])


@pytest.mark.parametrize("typical", [True, False])
def test_keltner(bars, typical):
    _, h, lo, c, _ = bars
    upper, middle, lower = dk.keltner(h, lo, c, 20, 10, 1.5, typical)
    source = (h + lo + c) / 3 if typical else c
    mid = ref_ema(source, 20)
    atr = ref_atr(h, lo, c, 10)
    close_enough(middle, mid)
    close_enough(upper, mid + 1.5 * atr)
    close_enough(lower, mid - 1.5 * atr)
    assert_same(middle, dk.ema(source, 20))


def test_donchian_and_its_middle_is_midprice(bars):
    _, h, lo, _, _ = bars
    upper, middle, lower = dk.donchian(h, lo, 20)
    assert_same(upper, rolling(h, 20, np.max))
    assert_same(lower, rolling(lo, 20, np.min))
    assert_same(middle, dk.midprice(h, lo, 20))


def ref_supertrend(h, lo, c, n, m):
    atr = ref_atr(h, lo, c, n)
    line = np.full(len(h), np.nan)
    direction = np.full(len(h), np.nan)
    prev = None
    for i in range(len(h)):
        if np.isnan(atr[i]):
            continue
        hl2 = (h[i] + lo[i]) / 2
        ub, lb = hl2 + m * atr[i], hl2 - m * atr[i]
        if prev is None:
            upper, lower, up = ub, lb, False
        else:
            pu, pl, pc, pup = prev
            upper = ub if (ub < pu or pc > pu) else pu
            lower = lb if (lb > pl or pc < pl) else pl
            up = (c[i] >= lower) if pup else (c[i] > upper)
        line[i] = lower if up else upper
        direction[i] = 1.0 if up else -1.0
        prev = (upper, lower, c[i], up)
    return line, direction


def test_supertrend(bars):
    _, h, lo, c, _ = bars
    line, direction = dk.supertrend(h, lo, c, 10, 3.0)
    want_line, want_dir = ref_supertrend(h, lo, c, 10, 3.0)
    close_enough(line, want_line)
    assert_same(direction, want_dir)
    assert {1.0, -1.0} <= set(direction[~np.isnan(direction)])
    assert np.isnan(line[:10]).all() and not np.isnan(line[10])


def test_ichimoku_alignment(bars):
    _, h, lo, c, _ = bars
    ten, kij, sa, sb, chi = dk.ichimoku(h, lo, c)

    def mid(n):
        return (rolling(h, n, np.max) + rolling(lo, n, np.min)) / 2

    assert_same(ten, mid(9))
    assert_same(kij, mid(26))
    shifted_a = np.concatenate([np.full(26, np.nan), ((mid(9) + mid(26)) / 2)[:-26]])
    shifted_b = np.concatenate([np.full(26, np.nan), mid(52)[:-26]])
    assert_same(sa, shifted_a)
    assert_same(sb, shifted_b)
    assert_same(chi, np.concatenate([c[26:], np.full(26, np.nan)]))
    assert np.isnan(sa[:51]).all() and not np.isnan(sa[51])
    assert np.isnan(sb[:77]).all() and not np.isnan(sb[77])
    unshifted = dk.ichimoku(h, lo, c, 9, 26, 52, 0)
    assert_same(unshifted[3], mid(52))
    assert_same(unshifted[4], c)


def test_cmf(bars):
    _, h, lo, c, v = bars
    got = dk.cmf(h, lo, c, v, 20)
    rng = h - lo
    mfm = np.where(rng > 0, ((c - lo) - (h - c)) / np.where(rng > 0, rng, 1), 0.0)
    want = rolling(mfm * v, 20, np.sum) / rolling(v, 20, np.sum)
    close_enough(got, want)
    assert (np.abs(got[19:]) <= 1).all()
    quiet = v.copy()
    quiet[100:200] = 0.0
    got = dk.cmf(h, lo, c, quiet, 20)
    assert (got[119:200] == 0.0).all(), "a window without volume has no flow, exactly 0"


def test_hma(bars):
    c = bars[3]
    for n in (4, 9, 16, 21):
        half, root = n // 2, int(np.sqrt(n))
        raw = 2 * ref_wma(c, half) - ref_wma(c, n)
        want = np.full(len(c), np.nan)
        want[n - 1 :] = ref_wma(raw[n - 1 :], root)
        close_enough(dk.hma(c, n), want)
        assert np.isnan(dk.hma(c, n)[: n + root - 2]).all()


def test_zlema(bars):
    c = bars[3]
    for n in (2, 5, 20, 21):
        lag = (n - 1) // 2
        want = np.full(len(c), np.nan)
        want[lag:] = ref_ema(c[lag:] + (c[lag:] - c[: len(c) - lag]), n)
        close_enough(dk.zlema(c, n), want)


# ---- streaming == batch, on arbitrary candles -------------------------------------------------

MULTI_OUT = {
    "keltner": (("h", "l", "c"), dk.KELTNER, (14, 7, 2.5, True)),
    "donchian": (("h", "l"), dk.DONCHIAN, (10,)),
    "supertrend": (("h", "l", "c"), dk.SUPERTREND, (7, 2.0)),
}
ONE_OUT = {
    "cmf": (("h", "l", "c", "v"), dk.CMF, (10,)),
    "hma": (("c",), dk.HMA, (9,)),
    "zlema": (("c",), dk.ZLEMA, (10,)),
}


def columns(data, keys):
    o, h, lo, c, v = data
    table = {"o": o, "h": h, "l": lo, "c": c, "v": v}
    return [table[k] for k in keys]


@pytest.mark.parametrize("name", sorted(MULTI_OUT) + sorted(ONE_OUT))
@given(data=ohlcv(max_size=150), lead=st.integers(0, 3))
def test_streaming_equals_batch(name, data, lead):
    keys, cls, params = {**MULTI_OUT, **ONE_OUT}[name]
    args = [np.concatenate([np.full(lead, np.nan), a]) for a in columns(data, keys)]
    batch = getattr(dk, name)(*args, *params)
    s = cls(*params)
    streamed = [s.update(*row) for row in zip(*args, strict=True)]
    if name in ONE_OUT:
        assert_same(streamed, batch)
    else:
        arr = np.array(streamed, dtype=np.float64).reshape(len(args[0]), len(batch))
        for k, out in enumerate(batch):
            assert_same(arr[:, k], out)
    s.reset()
    again = [s.update(*row) for row in zip(*args, strict=True)]
    assert_same(np.array(again, dtype=np.float64), np.array(streamed, dtype=np.float64))


@given(data=ohlcv(max_size=150), lead=st.integers(0, 3))
def test_ichimoku_streaming(data, lead):
    _, h, lo, c, _ = data
    h, lo, c = (np.concatenate([np.full(lead, np.nan), a]) for a in (h, lo, c))
    batch = dk.ichimoku(h, lo, c, 5, 11, 17, 7)
    s = dk.ICHIMOKU(5, 11, 17, 7)
    rows = np.array([s.update(*r) for r in zip(h, lo, c, strict=True)]).reshape(len(h), 5)
    for k in range(4):
        assert_same(rows[:, k], batch[k])
    # The stream's chikou is the lagging line's newest point, the batch value 7 candles back.
    m = max(0, len(h) - lead - 7)
    assert_same(rows[lead + 7 : lead + 7 + m, 4], batch[4][lead : lead + m])


@given(data=ohlcv(max_size=120), step=st.sampled_from([60_000, 3_600_000, 40_000_000]))
def test_vwap_streaming(data, step):
    _, h, lo, c, v = data
    ts = 1_600_000_000_000 + np.arange(len(h), dtype=np.int64) * step
    batch = dk.vwap(h, lo, c, v, ts, 86_400_000)
    s = dk.VWAP(86_400_000)
    assert_same([s.update(*r, int(t)) for *r, t in zip(h, lo, c, v, ts, strict=True)], batch)


def test_parameters_are_validated_with_names():
    x = np.linspace(1, 2, 50)
    cases = [
        (lambda: dk.hma(x, 3), "hma: timeperiod must be >= 4, got 3"),
        (lambda: dk.zlema(x, 1), "zlema: timeperiod must be >= 2, got 1"),
        (lambda: dk.keltner(x, x, x, 20, 0), "keltner: atrperiod must be >= 1, got 0"),
        (lambda: dk.keltner(x, x, x, 20, 10, -1.0), "keltner: multiplier must be in"),
        (lambda: dk.supertrend(x, x, x, 10, float("nan")), "supertrend: multiplier must be"),
        (lambda: dk.donchian(x, x[:-1]), "donchian: high and low must have the same length"),
        (lambda: dk.ichimoku(x, x, x, 9, 26, 0), "ichimoku: senkou must be >= 1, got 0"),
        (lambda: dk.cmf(x, x, x, x, 0), "cmf: timeperiod must be >= 1, got 0"),
        (lambda: dk.ICHIMOKU(displacement=-1), "ichimoku: displacement must be >= 0, got -1"),
        (lambda: dk.VWAP(-5), "vwap: session_ms must be >= 1, got -5"),
    ]
    for call, message in cases:
        with pytest.raises(dk.KernelError, match=message.replace("(", r"\(")):
            call()


def test_short_inputs_are_all_nan():
    x = np.linspace(1, 2, 3)
    for out in (*dk.donchian(x, x), *dk.ichimoku(x, x, x), dk.hma(x), dk.zlema(x)):
        assert len(out) == 3
    assert np.isnan(dk.hma(x)).all() and np.isnan(dk.zlema(x)).all()
    assert np.isnan(dk.donchian(x, x)[0]).all()
