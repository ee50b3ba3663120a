"""Bindings of crates/python/src/bank.rs: a Bank equals the individual streaming classes."""

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
