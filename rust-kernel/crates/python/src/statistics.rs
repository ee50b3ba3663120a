//! Bindings of `deepalpha_ta::statistics`.

use deepalpha_ta::statistics::beta as beta_mod;
use deepalpha_ta::statistics::correl as correl_mod;
use deepalpha_ta::statistics::linearreg::{self as lr, Output};
use deepalpha_ta::statistics::{
    stddev as stddev_batch, var as var_batch, LinearRegression, StandardDeviation, Variance,
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

macro_rules! linreg_binding {
    ($fn:ident, $class:ident, $label:literal, $pyname:literal, $output:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = (real, timeperiod = 14, *, out = None))]
        pub fn $fn<'py>(
            py: Python<'py>,
            real: &Bound<'py, PyAny>,
            timeperiod: i64,
            out: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyArray1<f64>>> {
            let period = param(lr::check($output, timeperiod))?;
            let [real] = inputs($label, [("real", real)])?;
            let x = real.as_slice();
            run_into(py, $label, x.len(), out, |o| {
                lr::linreg($output, x, period, o)
            })
        }

        #[doc = concat!("Streaming ", $pyname, "; `update(x)` equals `", $label, "()` at every index.")]
        #[pyclass(module = "deepalpha_kernel", name = $pyname)]
        pub struct $class {
            inner: LinearRegression,
            timeperiod: usize,
        }

        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = (timeperiod = 14))]
            fn new(timeperiod: i64) -> PyResult<Self> {
                let timeperiod = param(lr::check($output, timeperiod))?;
                let inner = LinearRegression::new($output, timeperiod).map_err(to_py)?;
                Ok(Self { inner, timeperiod })
            }

            /// Feed the next value; returns the indicator (NaN until ready).
            fn update(&mut self, x: f64) -> f64 {
                self.inner.update(x)
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
                format!("{}(timeperiod={})", $pyname, self.timeperiod)
            }
        }
    };
}

linreg_binding!(
    linearreg,
    PyLinearreg,
    "linearreg",
    "LINEARREG",
    Output::Value,
    "Least-squares line over `timeperiod` values, at the newest value (TA-Lib LINEARREG)."
);
linreg_binding!(
    linearreg_slope,
    PyLinearregSlope,
    "linearreg_slope",
    "LINEARREG_SLOPE",
    Output::Slope,
    "Slope of the least-squares line over `timeperiod` values (TA-Lib LINEARREG_SLOPE)."
);
linreg_binding!(
    linearreg_intercept,
    PyLinearregIntercept,
    "linearreg_intercept",
    "LINEARREG_INTERCEPT",
    Output::Intercept,
    "Intercept (value at the oldest point) of the least-squares line (TA-Lib LINEARREG_INTERCEPT)."
);
linreg_binding!(
    linearreg_angle,
    PyLinearregAngle,
    "linearreg_angle",
    "LINEARREG_ANGLE",
    Output::Angle,
    "Angle in degrees of the least-squares line, `atan(slope)` (TA-Lib LINEARREG_ANGLE)."
);
linreg_binding!(
    tsf,
    PyTsf,
    "tsf",
    "TSF",
    Output::Forecast,
    "Time series forecast: the least-squares line one step ahead (TA-Lib TSF)."
);

/// Pearson's correlation of `real0` and `real1` over `timeperiod` values (TA-Lib CORREL).
#[pyfunction]
#[pyo3(signature = (real0, real1, timeperiod = 30, *, out = None))]
pub fn correl<'py>(
    py: Python<'py>,
    real0: &Bound<'py, PyAny>,
    real1: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(correl_mod::check(timeperiod))?;
    let [a, b] = inputs("correl", [("real0", real0), ("real1", real1)])?;
    let (a, b) = (a.as_slice(), b.as_slice());
    run_into(py, "correl", a.len(), out, |o| {
        correl_mod::correl(a, b, period, o)
    })
}

/// Streaming CORREL; `update(x0, x1)` equals `correl()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "CORREL")]
pub struct PyCorrel {
    inner: correl_mod::Correlation,
    timeperiod: usize,
}

#[pymethods]
impl PyCorrel {
    #[new]
    #[pyo3(signature = (timeperiod = 30))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let timeperiod = param(correl_mod::check(timeperiod))?;
        let inner = correl_mod::Correlation::new(timeperiod).map_err(to_py)?;
        Ok(Self { inner, timeperiod })
    }

    /// Feed the next pair of values; returns the correlation (NaN until ready).
    fn update(&mut self, real0: f64, real1: f64) -> f64 {
        self.inner.update(real0, real1)
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
        format!("CORREL(timeperiod={})", self.timeperiod)
    }
}

/// Beta of `real1` (the asset) against `real0` (the market) over `timeperiod` one-step returns
/// (TA-Lib BETA): the least-squares slope of the asset's returns on the market's.
#[pyfunction]
#[pyo3(signature = (real0, real1, timeperiod = 5, *, out = None))]
pub fn beta<'py>(
    py: Python<'py>,
    real0: &Bound<'py, PyAny>,
    real1: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(beta_mod::check(timeperiod))?;
    let [a, b] = inputs("beta", [("real0", real0), ("real1", real1)])?;
    let (a, b) = (a.as_slice(), b.as_slice());
    run_into(py, "beta", a.len(), out, |o| {
        beta_mod::beta(a, b, period, o)
    })
}

/// Streaming BETA; `update(x0, x1)` equals `beta()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "BETA")]
pub struct PyBeta {
    inner: beta_mod::Beta,
    timeperiod: usize,
}

#[pymethods]
impl PyBeta {
    #[new]
    #[pyo3(signature = (timeperiod = 5))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let timeperiod = param(beta_mod::check(timeperiod))?;
        let inner = beta_mod::Beta::new(timeperiod).map_err(to_py)?;
        Ok(Self { inner, timeperiod })
    }

    /// Feed the next pair of prices (market, asset); returns the beta (NaN until ready).
    fn update(&mut self, real0: f64, real1: f64) -> f64 {
        self.inner.update(real0, real1)
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
        format!("BETA(timeperiod={})", self.timeperiod)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(beta, m)?)?;
    m.add_class::<PyBeta>()?;
    m.add_function(wrap_pyfunction!(correl, m)?)?;
    m.add_class::<PyCorrel>()?;
    m.add_function(wrap_pyfunction!(linearreg, m)?)?;
    m.add_function(wrap_pyfunction!(linearreg_slope, m)?)?;
    m.add_function(wrap_pyfunction!(linearreg_intercept, m)?)?;
    m.add_function(wrap_pyfunction!(linearreg_angle, m)?)?;
    m.add_function(wrap_pyfunction!(tsf, m)?)?;
    m.add_class::<PyLinearreg>()?;
    m.add_class::<PyLinearregSlope>()?;
    m.add_class::<PyLinearregIntercept>()?;
    m.add_class::<PyLinearregAngle>()?;
    m.add_class::<PyTsf>()?;
    m.add_function(wrap_pyfunction!(var, m)?)?;
    m.add_function(wrap_pyfunction!(stddev, m)?)?;
    m.add_class::<PyVar>()?;
    m.add_class::<PyStddev>()?;
    Ok(())
}
