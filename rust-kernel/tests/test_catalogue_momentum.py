"""Bindings of crates/python/src/momentum.rs beyond RSI/MACD: TA-Lib parity, streaming == batch."""

import deepalpha_kernel as dk
import pytest
import talib
from hypothesis import given
from kernel_support import Case, ohlcv

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
