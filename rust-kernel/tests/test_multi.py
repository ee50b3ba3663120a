"""Binding of crates/python/src/multi.rs: one indicator over many symbols equals the
single-symbol function on every symbol, bit for bit, whatever the layout and thread count."""

import inspect

import deepalpha_kernel as dk
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_support import assert_same, walk


def panel(symbols, n, seed=0):
    cols = [walk(n, seed=seed + k) for k in range(symbols)]
    o, h, lo, c, v = (np.ascontiguousarray([col[i] for col in cols]) for i in range(5))
    return {"open": o, "high": h, "low": lo, "close": c, "real": c, "volume": v}


CASES = [
    ("sma", {"timeperiod": 20}, dk.sma, ("real",)),
    ("rsi", None, dk.rsi, ("real",)),
    ("macd", {"fastperiod": 5, "slowperiod": 13}, dk.macd, ("real",)),
    ("bbands", {"timeperiod": 10, "nbdevup": 1.5}, dk.bbands, ("real",)),
    ("atr", {"timeperiod": 7}, dk.atr, ("high", "low", "close")),
    ("obv", None, dk.obv, ("real", "volume")),
    ("keltner", {"typical": False}, dk.keltner, ("high", "low", "close")),
    ("ichimoku", {"displacement": 5}, dk.ichimoku, ("high", "low", "close")),
    ("cmf", {"timeperiod": 9}, dk.cmf, ("high", "low", "close", "volume")),
    ("hma", None, dk.hma, ("real",)),
]


def single(fn, data, inputs, params, k):
    kwargs = dict(params or {})
    if "typical" in kwargs:
        kwargs["typical"] = bool(kwargs["typical"])
    out = fn(*(data[i][k] for i in inputs), **kwargs)
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("threads", [None, 1, 2])
@pytest.mark.parametrize(("name", "params", "fn", "inputs"), CASES, ids=[c[0] for c in CASES])
def test_grid_equals_single_symbol_calls(name, params, fn, inputs, threads):
    data = panel(6, 400)
    arg = data["real"] if inputs == ("real",) else {i: data[i] for i in inputs}
    got = dk.multi(name, arg, params, threads=threads)
    got = got if isinstance(got, tuple) else (got,)
    for out in got:
        assert out.shape == (6, 400)
    for k in range(6):
        for a, b in zip(got, single(fn, data, inputs, params, k), strict=True):
            assert_same(a[k], b)


@given(
    lengths=st.lists(st.integers(0, 120), min_size=0, max_size=8), threads=st.sampled_from([1, 2])
)
def test_lists_of_different_lengths(lengths, threads):
    closes = [walk(n, seed=n)[3] for n in lengths]
    highs = [walk(n, seed=n)[1] for n in lengths]
    lows = [walk(n, seed=n)[2] for n in lengths]
    got = dk.multi("sma", closes, {"timeperiod": 5}, threads)
    assert isinstance(got, list) and len(got) == len(lengths)
    for c, g in zip(closes, got, strict=True):
        assert_same(g, dk.sma(c, 5))
    upper, middle, lower = dk.multi("donchian", {"high": highs, "low": lows}, {"timeperiod": 4})
    for h, lo, u, m, d in zip(highs, lows, upper, middle, lower, strict=True):
        for a, b in zip((u, m, d), dk.donchian(h, lo, 4), strict=True):
            assert_same(a, b)


def test_strided_grid_is_read_correctly():
    data = panel(4, 300)
    fortran = np.asfortranarray(data["real"])
    assert_same(dk.multi("ema", fortran), dk.multi("ema", data["real"]))
    every_other = data["real"][:, ::2]
    assert_same(dk.multi("ema", every_other)[2], dk.ema(np.ascontiguousarray(every_other[2])))


def test_vwap_takes_float_timestamps():
    data = panel(3, 200)
    ts = np.tile(1_700_000_000_000 + np.arange(200) * 3_600_000.0, (3, 1))
    got = dk.multi("vwap", {**{k: data[k] for k in ("high", "low", "close", "volume")}, "ts": ts})
    for k in range(3):
        assert_same(got[k], dk.vwap(data["high"][k], data["low"][k], data["close"][k],
                                    data["volume"][k], ts[k].astype(np.int64)))  # fmt: skip


def test_errors_name_the_problem():
    data = panel(2, 50)
    c = data["real"]
    m = dk.multi
    short = [c[0], c[1][:-1]]
    cases = [
        (lambda: m("smaa", c), "multi: name must be one of ad, adosc"),
        (lambda: m("sma", c, {"period": 3}), 'must name a parameter of sma, got "period"'),
        (lambda: m("sma", c, {"timeperiod": 1}), "sma: timeperiod must be >= 2, got 1"),
        (lambda: m("sma", c, {"timeperiod": 2.5}), "multi: timeperiod must be a non-negative"),
        (lambda: m("sma", c, threads=0), "multi: threads must be >= 1, got 0"),
        (lambda: m("atr", c), "multi: atr takes 3 inputs \\(high, low, close\\)"),
        (lambda: m("atr", {"high": c, "low": c}), 'multi: data is missing input "close"'),
        (lambda: m("sma", {"real": c, "x": c}), 'multi: data has no input "x" for sma'),
        (lambda: m("sma", c.astype(np.float32)), "multi: real must be a 2-D float64 array"),
        (lambda: m("sma", [c[0], [1.0]]), "multi: real\\[1\\] must be a 1-D numpy array"),
        (lambda: m("midprice", {"high": c, "low": c[:, :-1]}), "high and low must have the same"),
        (
            lambda: m("midprice", {"high": [c[0], c[1]], "low": short}),
            "multi: symbol 1: midprice: high and low must have the same length, got 50 and 49",
        ),
    ]
    for call, message in cases:
        with pytest.raises(dk.KernelError, match=message):
            call()


def test_empty_and_zero_length():
    assert dk.multi("sma", []) == []
    assert dk.multi("sma", np.empty((0, 10))).shape == (0, 10)
    out = dk.multi("sma", np.empty((3, 0)))
    assert out.shape == (3, 0)


# ---- coverage: every array indicator of the catalogue ---------------------------------------

#: Non-default parameters, so the parameters really reach the indicator (defaults are run too).
OVERRIDES = {
    "adx": {"timeperiod": 6},
    "adxr": {"timeperiod": 5},
    "apo": {"fastperiod": 5, "slowperiod": 9, "matype": 1},
    "aroon": {"timeperiod": 9},
    "aroonosc": {"timeperiod": 4},
    "beta": {"timeperiod": 9},
    "cci": {"timeperiod": 7},
    "cmo": {"timeperiod": 3},
    "correl": {"timeperiod": 8},
    "dx": {"timeperiod": 3},
    "macdext": {"fastperiod": 20, "fastmatype": 1, "slowperiod": 6, "signalmatype": 1},
    "macdfix": {"signalperiod": 4},
    "mfi": {"timeperiod": 5},
    "minus_di": {"timeperiod": 1},
    "minus_dm": {"timeperiod": 2},
    "plus_di": {"timeperiod": 4},
    "plus_dm": {"timeperiod": 1},
    "ppo": {"fastperiod": 20, "slowperiod": 4},
    "sar": {"acceleration": 0.05, "maximum": 0.3},
    "stoch": {"fastk_period": 7, "slowk_period": 2, "slowk_matype": 1, "slowd_matype": 1},
    "stochf": {"fastk_period": 3, "fastd_period": 4, "fastd_matype": 1},
    "stochrsi": {"timeperiod": 9, "fastk_period": 4, "fastd_period": 2},
    "supertrend": {"timeperiod": 5, "multiplier": 1.5},
    "t3": {"timeperiod": 3, "vfactor": 0.4},
    "ultosc": {"timeperiod1": 20, "timeperiod2": 3, "timeperiod3": 9},
    "zlema": {"timeperiod": 7},
}

#: Inputs named after a candle column; `real0`/`real1` are two different series.
COLUMN = {"real": "close", "real0": "high", "real1": "close"}


def array_inputs(name):
    """The positional array inputs of the single-symbol function, from its signature."""
    sig = inspect.signature(getattr(dk, name))
    return [p.name for p in sig.parameters.values() if p.default is inspect.Parameter.empty]


ARRAY_NAMES = [n.lower() for n in dk.INDICATORS if n != "VWAP"]  # VWAP: see its own test


RUNS = [(n, None) for n in ARRAY_NAMES] + sorted(OVERRIDES.items())


@pytest.mark.parametrize(("name", "params"), RUNS, ids=[f"{n}-{p}" for n, p in RUNS])
def test_every_indicator_equals_single_symbol_calls(name, params):
    data = panel(4, 300, seed=11)
    data["close"][1, :3] = np.nan  # leading NaNs are skipped per symbol, as in the function
    inputs = array_inputs(name)
    cols = {i: data[COLUMN.get(i, i)] for i in inputs}
    arg = cols["real"] if inputs == ["real"] else cols
    got = dk.multi(name, arg, params, threads=2)
    got = got if isinstance(got, tuple) else (got,)
    for k in range(4):
        want = getattr(dk, name)(*(cols[i][k] for i in inputs), **(params or {}))
        want = want if isinstance(want, tuple) else (want,)
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            assert_same(a[k], b)


def test_names_match_the_catalogue():
    """`multi` refuses unknown names by listing the ones it knows: exactly the catalogue."""
    with pytest.raises(dk.KernelError) as err:
        dk.multi("nope", np.zeros((1, 3)))
    listed = str(err.value).split("must be one of ", 1)[1].split(", got")[0].split(", ")
    assert sorted(listed) == sorted(n.lower() for n in dk.INDICATORS)
