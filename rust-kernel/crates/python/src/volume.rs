//! Bindings of `deepalpha_ta::volume`.

use deepalpha_ta::volume::{ad as ad_batch, obv as obv_batch, OnBalanceVolume};
use deepalpha_ta::volume::{adosc as adosc_mod, AccumulationDistribution, ChaikinOscillator};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::{inputs, param, run_into};
use crate::errors::to_py;

type Out<'py> = PyResult<Bound<'py, PyArray1<f64>>>;

/// Chaikin accumulation/distribution line (TA-Lib AD).
#[pyfunction]
#[pyo3(signature = (high, low, close, volume, *, out = None))]
pub fn ad<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    volume: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let [h, l, c, v] = inputs(
        "ad",
        [
            ("high", high),
            ("low", low),
            ("close", close),
            ("volume", volume),
        ],
    )?;
    let (h, l, c, v) = (h.as_slice(), l.as_slice(), c.as_slice(), v.as_slice());
    run_into(py, "ad", h.len(), out, |o| ad_batch(h, l, c, v, o))
}

/// Chaikin A/D oscillator, `EMA(AD, fast) - EMA(AD, slow)` (TA-Lib ADOSC).
#[pyfunction]
#[pyo3(signature = (high, low, close, volume, fastperiod = 3, slowperiod = 10, *, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn adosc<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    volume: &Bound<'py, PyAny>,
    fastperiod: i64,
    slowperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let (fast, slow) = param(adosc_mod::check(fastperiod, slowperiod))?;
    let [h, l, c, v] = inputs(
        "adosc",
        [
            ("high", high),
            ("low", low),
            ("close", close),
            ("volume", volume),
        ],
    )?;
    let (h, l, c, v) = (h.as_slice(), l.as_slice(), c.as_slice(), v.as_slice());
    run_into(py, "adosc", h.len(), out, |o| {
        adosc_mod::adosc(h, l, c, v, fast, slow, o)
    })
}

/// On-balance volume (TA-Lib OBV).
#[pyfunction]
#[pyo3(signature = (real, volume, *, out = None))]
pub fn obv<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    volume: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> Out<'py> {
    let [r, v] = inputs("obv", [("real", real), ("volume", volume)])?;
    let (r, v) = (r.as_slice(), v.as_slice());
    run_into(py, "obv", r.len(), out, |o| obv_batch(r, v, o))
}

/// Streaming AD; `update(high, low, close, volume)` equals `ad()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "AD")]
pub struct PyAd {
    inner: AccumulationDistribution,
}

#[pymethods]
impl PyAd {
    #[new]
    fn new() -> Self {
        Self {
            inner: AccumulationDistribution::new(),
        }
    }

    /// Feed the next candle; returns the A/D line.
    fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        self.inner.update(high, low, close, volume)
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

    /// Forget all history, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        "AD()".to_string()
    }
}

/// Streaming ADOSC; `update(high, low, close, volume)` equals `adosc()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "ADOSC")]
pub struct PyAdosc {
    inner: ChaikinOscillator,
    fastperiod: usize,
    slowperiod: usize,
}

#[pymethods]
impl PyAdosc {
    #[new]
    #[pyo3(signature = (fastperiod = 3, slowperiod = 10))]
    fn new(fastperiod: i64, slowperiod: i64) -> PyResult<Self> {
        let (fastperiod, slowperiod) = param(adosc_mod::check(fastperiod, slowperiod))?;
        let inner = ChaikinOscillator::new(fastperiod, slowperiod).map_err(to_py)?;
        Ok(Self {
            inner,
            fastperiod,
            slowperiod,
        })
    }

    /// Feed the next candle; returns the oscillator (NaN until ready).
    fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        self.inner.update(high, low, close, volume)
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

    /// Forget all history, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        format!(
            "ADOSC(fastperiod={}, slowperiod={})",
            self.fastperiod, self.slowperiod
        )
    }
}

/// Streaming OBV; `update(real, volume)` equals `obv()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "OBV")]
pub struct PyObv {
    inner: OnBalanceVolume,
}

#[pymethods]
impl PyObv {
    #[new]
    fn new() -> Self {
        Self {
            inner: OnBalanceVolume::new(),
        }
    }

    /// Feed the next price and volume; returns the OBV.
    fn update(&mut self, real: f64, volume: f64) -> f64 {
        self.inner.update(real, volume)
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

    /// Forget all history, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        "OBV()".to_string()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ad, m)?)?;
    m.add_function(wrap_pyfunction!(adosc, m)?)?;
    m.add_function(wrap_pyfunction!(obv, m)?)?;
    m.add_class::<PyAd>()?;
    m.add_class::<PyAdosc>()?;
    m.add_class::<PyObv>()?;
    Ok(())
}
