//! Bindings of `deepalpha_ta::overlap`.

use deepalpha_ta::overlap::{ema as ema_mod, sma as sma_mod};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::{inputs, param, run_into};
use crate::period_stream;

/// Simple moving average over `timeperiod` values (TA-Lib SMA).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 30, *, out = None))]
pub fn sma<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(sma_mod::check(timeperiod))?;
    let [real] = inputs("sma", [("real", real)])?;
    let x = real.as_slice();
    run_into(py, "sma", x.len(), out, |o| sma_mod::sma(x, period, o))
}

/// Exponential moving average seeded with the SMA of the first `timeperiod` values (TA-Lib EMA).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 30, *, out = None))]
pub fn ema<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(ema_mod::check(timeperiod))?;
    let [real] = inputs("ema", [("real", real)])?;
    let x = real.as_slice();
    run_into(py, "ema", x.len(), out, |o| ema_mod::ema(x, period, o))
}

period_stream!(
    Sma,
    "SMA",
    deepalpha_ta::overlap::SimpleMovingAverage,
    sma_mod::check,
    timeperiod = 30,
    "Streaming simple moving average; equal to `sma()` at every index."
);
period_stream!(
    Ema,
    "EMA",
    deepalpha_ta::overlap::ExponentialMovingAverage,
    ema_mod::check,
    timeperiod = 30,
    "Streaming exponential moving average; equal to `ema()` at every index."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sma, m)?)?;
    m.add_function(wrap_pyfunction!(ema, m)?)?;
    m.add_class::<Sma>()?;
    m.add_class::<Ema>()?;
    Ok(())
}
