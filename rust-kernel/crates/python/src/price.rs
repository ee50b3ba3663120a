//! Bindings of `deepalpha_ta::price` (no streaming classes: each value depends on one candle only).

use deepalpha_ta::price;
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::{inputs, run_into};

type Out<'py> = PyResult<Bound<'py, PyArray1<f64>>>;

/// `(open + high + low + close) / 4` (TA-Lib AVGPRICE).
#[pyfunction]
#[pyo3(signature = (open, high, low, close, *, out = None))]
pub fn avgprice<'py>(
    py: Python<'py>,
    open: &Bound<'py, PyAny>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let [o, h, l, c] = inputs(
        "avgprice",
        [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ],
    )?;
    let (o, h, l, c) = (o.as_slice(), h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "avgprice", h.len(), out, |r| {
        price::avgprice(o, h, l, c, r)
    })
}

/// `(high + low) / 2` (TA-Lib MEDPRICE).
#[pyfunction]
#[pyo3(signature = (high, low, *, out = None))]
pub fn medprice<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let [h, l] = inputs("medprice", [("high", high), ("low", low)])?;
    let (h, l) = (h.as_slice(), l.as_slice());
    run_into(py, "medprice", h.len(), out, |r| price::medprice(h, l, r))
}

/// `(high + low + close) / 3` (TA-Lib TYPPRICE).
#[pyfunction]
#[pyo3(signature = (high, low, close, *, out = None))]
pub fn typprice<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let [h, l, c] = inputs("typprice", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "typprice", h.len(), out, |r| {
        price::typprice(h, l, c, r)
    })
}

/// `(high + low + 2 close) / 4` (TA-Lib WCLPRICE).
#[pyfunction]
#[pyo3(signature = (high, low, close, *, out = None))]
pub fn wclprice<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let [h, l, c] = inputs("wclprice", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "wclprice", h.len(), out, |r| {
        price::wclprice(h, l, c, r)
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(avgprice, m)?)?;
    m.add_function(wrap_pyfunction!(medprice, m)?)?;
    m.add_function(wrap_pyfunction!(typprice, m)?)?;
    m.add_function(wrap_pyfunction!(wclprice, m)?)?;
    Ok(())
}
