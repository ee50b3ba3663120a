"""Bindings of crates/python/src/arrays.rs and errors.rs: what crosses the boundary and how."""

import threading

import deepalpha_kernel as dk
import numpy as np
import pytest
import talib
from kernel_support import assert_parity


def test_kernel_error_is_a_value_error():
    assert issubclass(dk.KernelError, ValueError)
    assert dk.KernelError.__module__ == "deepalpha_kernel"


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (np.arange(10), "dtype int64"),
        (np.arange(10, dtype=np.float32), "dtype float32"),
        (np.ones((3, 3)), "2-D array"),
        ([1.0, 2.0, 3.0], "list"),
    ],
)
def test_non_float64_inputs_are_refused_with_the_argument_named(bad, fragment):
    with pytest.raises(
        dk.KernelError, match=rf"^sma: real must be a 1-D numpy array of float64, got .*{fragment}"
    ):
        dk.sma(bad, 2)


def test_strided_input_is_handled_like_talib():
    x = np.random.default_rng(0).normal(size=1001).cumsum()
    view = x[::3]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(dk.sma(view, 5), dk.sma(np.ascontiguousarray(view), 5))
    assert_parity(dk.sma(view, 5), talib.SMA(view, 5))


def test_input_is_not_modified_and_output_is_new():
    x = np.arange(20.0)
    before = x.copy()
    y = dk.ema(x, 3)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(x, y)
    assert y.flags.owndata or y.base is not None
    assert y.flags.writeable


def test_out_buffer_errors():
    x = np.arange(20.0)
    with pytest.raises(dk.KernelError, match=r"^sma: out must have the inputs' length 20, got 5$"):
        dk.sma(x, 3, out=np.empty(5))
    with pytest.raises(dk.KernelError, match=r"^sma: out must be a 1-D numpy array of float64"):
        dk.sma(x, 3, out=np.empty(20, dtype=np.float32))
    with pytest.raises(dk.KernelError, match="does not share memory with the inputs"):
        dk.sma(x, 3, out=x)
    readonly = np.empty(20)
    readonly.flags.writeable = False
    with pytest.raises(dk.KernelError, match="writeable"):
        dk.sma(x, 3, out=readonly)
    with pytest.raises(dk.KernelError, match="C-contiguous"):
        dk.sma(x, 3, out=np.empty(40)[::2])


def test_gil_is_released_during_computation():
    """Two threads computing at once give the same results as one (no shared state)."""
    x = np.random.default_rng(1).normal(size=200_000).cumsum()
    expected = dk.rsi(x)
    results = []
    threads = [threading.Thread(target=lambda: results.append(dk.rsi(x))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)
