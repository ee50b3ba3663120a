"""Bindings of crates/python/src/bank.rs: a Bank equals the individual streaming classes."""

import inspect

import deepalpha_kernel as dk
import numpy as np
import pytest
from hypothesis import given
from kernel_support import assert_same, ohlcv

SPEC = [
    ("sma", {"timeperiod": 20}),
    ("ema", {"timeperiod": 12}),
    ("rsi", {}),
    ("macd", {}),
    ("bbands", {"timeperiod": 10, "nbdevup": 1.5}),
    ("atr", {}),
    ("natr", {"timeperiod": 7}),
    ("willr", {}),
    ("stddev", {"nbdev": 2}),
    ("tsf", {"timeperiod": 9}),
    ("adosc", {}),
    ("obv", {}),
]


def singles():
    return [
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.SMA(20)),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.EMA(12)),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.RSI()),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.MACD()),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.BBANDS(10, 1.5)),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(h, l, c))(dk.ATR()),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(h, l, c))(dk.NATR(7)),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(h, l, c))(dk.WILLR()),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.STDDEV(5, 2.0)),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c))(dk.TSF(9)),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(h, l, c, v))(dk.ADOSC()),  # noqa: E741
        (lambda s: lambda o, h, l, c, v: s.update(c, v))(dk.OBV()),  # noqa: E741
    ]


def flatten(values):
    out = []
    for v in values:
        out.extend(v if isinstance(v, tuple) else (v,))
    return out


@given(data=ohlcv(max_size=150))
def test_bank_equals_individual_streams(data):
    bank = dk.Bank(SPEC)
    streams = singles()
    assert len(bank) == 16
    for row in zip(*data, strict=True):
        got = bank.update(*row)
        assert got is bank.values
        assert_same(got, flatten([s(*row) for s in streams]))


def test_labels_reset_and_reuse(candles):
    bank = dk.Bank([("ema", {"timeperiod": 12}), ("macd", None)])
    assert bank.labels == ["ema_12", "macd.macd", "macd.signal", "macd.hist"]
    rows = list(zip(*candles, strict=True))[:100]
    first = [bank.update(*r).copy() for r in rows]
    bank.reset()
    assert np.isnan(bank.values).all()
    again = [bank.update(*r).copy() for r in rows]
    assert_same(np.array(first), np.array(again))


def test_errors_name_the_problem():
    with pytest.raises(dk.KernelError, match=r"^bank: name must be one of ad, adosc"):
        dk.Bank([("emaa", {})])
    with pytest.raises(dk.KernelError, match=r"must name a parameter of ema, got \"period\""):
        dk.Bank([("ema", {"period": 3})])
    with pytest.raises(dk.KernelError, match=r"^ema: timeperiod must be >= 2, got 1$"):
        dk.Bank([("ema", {"timeperiod": 1})])
    with pytest.raises(dk.KernelError, match=r"^bank: indicators must not be empty$"):
        dk.Bank([])


# ---- coverage: every array indicator of the catalogue in one bank ---------------------------

#: Parameters for the members (non-default where that is cheap to check; CORREL and BETA take
#: two candle columns by index: 0 open, 1 high, 2 low, 3 close, 4 volume).
PARAMS = {
    "adx": {"timeperiod": 6},
    "apo": {"fastperiod": 5, "slowperiod": 9, "matype": 1},
    "beta": {"real0": 3, "real1": 1, "timeperiod": 7},
    "correl": {"real0": 1, "real1": 2, "timeperiod": 9},
    "keltner": {"typical": 0},
    "macdext": {"fastperiod": 20, "fastmatype": 1, "slowperiod": 6, "signalmatype": 1},
    "macdfix": {"signalperiod": 4},
    "mfi": {"timeperiod": 5},
    "sar": {"acceleration": 0.05, "maximum": 0.3},
    "stoch": {"fastk_period": 7, "slowk_matype": 1},
    "stochrsi": {"timeperiod": 9, "fastk_period": 4},
    "supertrend": {"multiplier": 1.5},
    "t3": {"timeperiod": 3, "vfactor": 0.4},
    "ultosc": {"timeperiod1": 20, "timeperiod2": 3, "timeperiod3": 9},
}
COLUMNS = ("open", "high", "low", "close", "volume")
BANK_NAMES = list(dk.INDICATORS)
HOUR_MS = 3_600_000


def stream_for(name, params):
    """The individual streaming class (or, for a price transform, its batch function) fed the
    candle columns its `update` names."""
    params = dict(params)
    cls = getattr(dk, name, None)
    if name in ("AVGPRICE", "MEDPRICE", "TYPPRICE", "WCLPRICE"):
        fn = getattr(dk, name.lower())
        names = [p for p in inspect.signature(fn).parameters if p != "out"]
        return lambda candle: fn(*(np.array([candle[n]]) for n in names))[0]
    if name == "VWAP":
        s = cls(**params)
        return lambda candle: s.update(
            *(candle[n] for n in ("high", "low", "close", "volume", "ts"))
        )
    if name in ("CORREL", "BETA"):
        x, y = COLUMNS[params.pop("real0")], COLUMNS[params.pop("real1")]
        s = cls(**params)
        return lambda candle: s.update(candle[x], candle[y])
    if "typical" in params:
        params["typical"] = bool(params["typical"])
    s = cls(**params)
    names = [p for p in inspect.signature(cls.update).parameters if p != "self"]
    alias = {"x": "close", "real": "close"}
    return lambda candle: s.update(*(candle[alias.get(n, n)] for n in names))


@given(data=ohlcv(max_size=120))
def test_every_indicator_in_one_bank_equals_its_stream(data):
    spec = [(n.lower(), PARAMS.get(n.lower(), {})) for n in BANK_NAMES]
    bank = dk.Bank(spec)
    streams = [stream_for(n, PARAMS.get(n.lower(), {})) for n in BANK_NAMES]
    for k, row in enumerate(zip(*data, strict=True)):
        candle = dict(zip(COLUMNS, row, strict=True), ts=7 * HOUR_MS * k)  # sessions change
        want = flatten([s(candle) for s in streams])
        # ICHIMOKU's stream and the bank agree on every output, the lagging line included.
        assert_same(bank.update(*row, ts=candle["ts"]), want)
    assert len(bank.labels) == len(bank)


def test_vwap_member_needs_the_time():
    bank = dk.Bank([("sma", {"timeperiod": 2}), ("vwap", {})])
    with pytest.raises(dk.KernelError, match=r"^bank: ts \(the candle's time, epoch ms\) is"):
        bank.update(1.0, 2.0, 0.5, 1.5, 10.0)
    np.testing.assert_array_equal(bank.update(1.0, 2.0, 0.5, 1.5, 10.0, ts=0), [np.nan, 4 / 3])
    plain = dk.Bank([("sma", {"timeperiod": 2})])
    assert np.isnan(plain.update(1.0, 2.0, 0.5, 1.5, 10.0)[0])


def test_two_series_members_need_their_columns():
    with pytest.raises(dk.KernelError, match=r"^bank: real0 must be a candle column: 0 open"):
        dk.Bank([("beta", {})])
    with pytest.raises(dk.KernelError, match=r"got 7 \(for correl\)$"):
        dk.Bank([("correl", {"real0": 7, "real1": 3})])
    bank = dk.Bank([("aroon", {}), ("stoch", {}), ("ichimoku", {"tenkan": 5})])
    assert bank.labels[:4] == ["aroon.aroondown", "aroon.aroonup", "stoch.slowk", "stoch.slowd"]
    assert bank.labels[-1] == "ichimoku_5.chikou"
