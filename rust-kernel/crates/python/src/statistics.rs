//! Bindings of `deepalpha_ta::statistics`.

use deepalpha_ta::statistics::{
    stddev as stddev_batch, var as var_batch, StandardDeviation, Variance,
};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::{inputs, param, run_into};
use crate::errors::to_py;
use crate::{period_fn, period_stream};

period_fn!(
    var,
    "var",
    Variance::check,
    var_batch,
    timeperiod = 5,
    "Population variance over `timeperiod` values (TA-Lib VAR)."
);
period_stream!(
    PyVar,
    "VAR",
    Variance,
    Variance::check,
    timeperiod = 5,
    "Streaming VAR; equal to `var()` at every index."
);

/// Standard deviation over `timeperiod` values times `nbdev` (TA-Lib STDDEV).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 5, nbdev = 1.0, *, out = None))]
pub fn stddev<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    nbdev: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(StandardDeviation::check(timeperiod, nbdev))?;
    let [real] = inputs("stddev", [("real", real)])?;
    let x = real.as_slice();
    run_into(py, "stddev", x.len(), out, |o| {
        stddev_batch(x, period, nbdev, o)
    })
}

/// Streaming STDDEV; equal to `stddev()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "STDDEV")]
pub struct PyStddev {
    inner: StandardDeviation,
}

#[pymethods]
impl PyStddev {
    #[new]
    #[pyo3(signature = (timeperiod = 5, nbdev = 1.0))]
    fn new(timeperiod: i64, nbdev: f64) -> PyResult<Self> {
        let period = param(StandardDeviation::check(timeperiod, nbdev))?;
        Ok(Self {
            inner: StandardDeviation::new(period, nbdev).map_err(to_py)?,
        })
    }

    fn update(&mut self, x: f64) -> f64 {
        self.inner.update(x)
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
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(var, m)?)?;
    m.add_function(wrap_pyfunction!(stddev, m)?)?;
    m.add_class::<PyVar>()?;
    m.add_class::<PyStddev>()?;
    Ok(())
}
