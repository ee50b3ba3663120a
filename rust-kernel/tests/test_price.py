"""Bindings of crates/python/src/price.rs: the four price transforms against TA-Lib."""

import deepalpha_kernel as dk
import pytest
import talib
from hypothesis import given
from kernel_support import Case, ohlcv

CASES = [
    Case("avgprice", "ohlc", (), stream_inputs=""),
    Case("medprice", "hl", (), stream_inputs=""),
    Case("typprice", "hlc", (), stream_inputs=""),
    Case("wclprice", "hlc", (), stream_inputs=""),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=ohlcv())
def test_hypothesis(case, data):
    case.check(data, dk, talib)


def test_length_mismatch_names_both():
    import numpy as np

    with pytest.raises(dk.KernelError, match=r"^medprice: high and low must have the same length"):
        dk.medprice(np.ones(3), np.ones(4))
