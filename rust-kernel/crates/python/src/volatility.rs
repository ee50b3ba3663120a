//! Bindings of `deepalpha_ta::volatility`.

use deepalpha_ta::volatility::{atr as atr_mod, trange as trange_mod};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::{inputs, param, run_into};
use crate::errors::to_py;

/// Average true range with Wilder smoothing (TA-Lib ATR).
#[pyfunction]
#[pyo3(signature = (high, low, close, timeperiod = 14, *, out = None))]
pub fn atr<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(atr_mod::check(timeperiod))?;
    let [h, l, c] = inputs("atr", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "atr", h.len(), out, |o| {
        atr_mod::atr(h, l, c, period, o)
    })
}

/// Normalised average true range, `100 * ATR / close` (TA-Lib NATR).
#[pyfunction]
#[pyo3(signature = (high, low, close, timeperiod = 14, *, out = None))]
pub fn natr<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(atr_mod::check_natr(timeperiod))?;
    let [h, l, c] = inputs("natr", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "natr", h.len(), out, |o| {
        atr_mod::natr(h, l, c, period, o)
    })
}

/// True range (TA-Lib TRANGE).
#[pyfunction]
#[pyo3(signature = (high, low, close, *, out = None))]
pub fn trange<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let [h, l, c] = inputs("trange", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "trange", h.len(), out, |o| {
        trange_mod::trange(h, l, c, o)
    })
}

/// Streaming ATR; `update(high, low, close)` equals `atr()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "ATR")]
pub struct PyAtr {
    inner: atr_mod::AverageTrueRange,
    timeperiod: usize,
}

#[pymethods]
impl PyAtr {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let timeperiod = param(atr_mod::check(timeperiod))?;
        let inner = atr_mod::AverageTrueRange::new(timeperiod).map_err(to_py)?;
        Ok(Self { inner, timeperiod })
    }

    fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        self.inner.update(high, low, close)
    }

    #[getter]
    fn value(&self) -> f64 {
        self.inner.value()
    }

    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    #[getter]
    fn timeperiod(&self) -> usize {
        self.timeperiod
    }

    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        format!("ATR(timeperiod={})", self.timeperiod)
    }
}

/// Streaming NATR; `update(high, low, close)` equals `natr()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "NATR")]
pub struct PyNatr {
    inner: atr_mod::NormalizedAverageTrueRange,
    timeperiod: usize,
}

#[pymethods]
impl PyNatr {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let timeperiod = param(atr_mod::check_natr(timeperiod))?;
        let inner = atr_mod::NormalizedAverageTrueRange::new(timeperiod).map_err(to_py)?;
        Ok(Self { inner, timeperiod })
    }

    /// Feed the next candle; returns the NATR (NaN until ready).
    fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        self.inner.update(high, low, close)
    }

    /// The last value produced (NaN before the first).
    #[getter]
    fn value(&self) -> f64 {
        self.inner.value()
    }

    /// True once the indicator has produced a value.
    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    #[getter]
    fn timeperiod(&self) -> usize {
        self.timeperiod
    }

    /// Forget all history, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        format!("NATR(timeperiod={})", self.timeperiod)
    }
}

/// Streaming true range; `update(high, low, close)` equals `trange()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "TRANGE")]
pub struct PyTrange {
    inner: trange_mod::TrueRange,
}

#[pymethods]
impl PyTrange {
    #[new]
    fn new() -> Self {
        Self {
            inner: trange_mod::TrueRange::new(),
        }
    }

    fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        self.inner.update(high, low, close)
    }

    #[getter]
    fn value(&self) -> f64 {
        self.inner.value()
    }

    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        "TRANGE()".to_string()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(atr, m)?)?;
    m.add_function(wrap_pyfunction!(trange, m)?)?;
    m.add_function(wrap_pyfunction!(natr, m)?)?;
    m.add_class::<PyNatr>()?;
    m.add_class::<PyAtr>()?;
    m.add_class::<PyTrange>()?;
    Ok(())
}
