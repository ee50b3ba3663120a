//! Bindings of `deepalpha_ta::overlap`.

use deepalpha_ta::overlap::{ema as ema_mod, sma as sma_mod};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::run_many;
use crate::arrays::{inputs, param, run_into};
use crate::errors::to_py;
use crate::{period_fn, period_stream};
use deepalpha_ta::overlap as ov;

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

period_fn!(
    wma,
    "wma",
    ov::wma::check,
    ov::wma,
    timeperiod = 30,
    "Weighted moving average, weights 1..n (TA-Lib WMA)."
);
period_fn!(
    dema,
    "dema",
    ov::DoubleExponentialMovingAverage::check,
    ov::dema,
    timeperiod = 30,
    "Double EMA: 2 EMA - EMA(EMA) (TA-Lib DEMA)."
);
period_fn!(
    tema,
    "tema",
    ov::TripleExponentialMovingAverage::check,
    ov::tema,
    timeperiod = 30,
    "Triple EMA: 3 e1 - 3 e2 + e3 (TA-Lib TEMA)."
);
period_fn!(
    trima,
    "trima",
    ov::trima::check,
    ov::trima,
    timeperiod = 30,
    "Triangular moving average (TA-Lib TRIMA)."
);
period_fn!(
    kama,
    "kama",
    ov::kama::check,
    ov::kama,
    timeperiod = 30,
    "Kaufman adaptive moving average (TA-Lib KAMA)."
);
period_fn!(
    midpoint,
    "midpoint",
    ov::MidPoint::check,
    ov::midpoint,
    timeperiod = 14,
    "(highest + lowest) / 2 of real over the window (TA-Lib MIDPOINT)."
);

period_stream!(
    Wma,
    "WMA",
    ov::WeightedMovingAverage,
    ov::wma::check,
    timeperiod = 30,
    "Streaming WMA; equal to `wma()` at every index."
);
period_stream!(
    Dema,
    "DEMA",
    ov::DoubleExponentialMovingAverage,
    ov::DoubleExponentialMovingAverage::check,
    timeperiod = 30,
    "Streaming DEMA; equal to `dema()` at every index."
);
period_stream!(
    Tema,
    "TEMA",
    ov::TripleExponentialMovingAverage,
    ov::TripleExponentialMovingAverage::check,
    timeperiod = 30,
    "Streaming TEMA; equal to `tema()` at every index."
);
period_stream!(
    Trima,
    "TRIMA",
    ov::TriangularMovingAverage,
    ov::trima::check,
    timeperiod = 30,
    "Streaming TRIMA; equal to `trima()` at every index."
);
period_stream!(
    Kama,
    "KAMA",
    ov::KaufmanAdaptiveMovingAverage,
    ov::kama::check,
    timeperiod = 30,
    "Streaming KAMA; equal to `kama()` at every index."
);
period_stream!(
    Midpoint,
    "MIDPOINT",
    ov::MidPoint,
    ov::MidPoint::check,
    timeperiod = 14,
    "Streaming MIDPOINT; equal to `midpoint()` at every index."
);

/// (highest high + lowest low) / 2 over the window (TA-Lib MIDPRICE).
#[pyfunction]
#[pyo3(signature = (high, low, timeperiod = 14, *, out = None))]
pub fn midprice<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(ov::MidPrice::check(timeperiod))?;
    let [h, l] = inputs("midprice", [("high", high), ("low", low)])?;
    let (h, l) = (h.as_slice(), l.as_slice());
    run_into(py, "midprice", h.len(), out, |o| {
        ov::midprice(h, l, period, o)
    })
}

/// Streaming MIDPRICE; `update(high, low)` equals `midprice()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "MIDPRICE")]
pub struct Midprice {
    inner: ov::MidPrice,
}

#[pymethods]
impl Midprice {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let period = param(ov::MidPrice::check(timeperiod))?;
        Ok(Self {
            inner: ov::MidPrice::new(period).map_err(to_py)?,
        })
    }

    fn update(&mut self, high: f64, low: f64) -> f64 {
        self.inner.update(high, low)
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

type Triple<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// Bollinger bands around the SMA: (upper, middle, lower) (TA-Lib BBANDS; only matype=0).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 20, nbdevup = 2.0, nbdevdn = 2.0, matype = 0))]
pub fn bbands<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    nbdevup: f64,
    nbdevdn: f64,
    matype: i64,
) -> PyResult<Triple<'py>> {
    let period = param(ov::bbands::check(timeperiod, nbdevup, nbdevdn, matype))?;
    let [real] = inputs("bbands", [("real", real)])?;
    let x = real.as_slice();
    let [u, m, l] = run_many(py, "bbands", x.len(), |[u, m, l]| {
        ov::bbands(x, period, nbdevup, nbdevdn, u, m, l)
    })?;
    Ok((u, m, l))
}

/// Streaming BBANDS; `update(x)` returns `(upper, middle, lower)`, equal to `bbands()`.
#[pyclass(module = "deepalpha_kernel", name = "BBANDS")]
pub struct Bbands {
    inner: ov::BollingerBands,
}

#[pymethods]
impl Bbands {
    #[new]
    #[pyo3(signature = (timeperiod = 20, nbdevup = 2.0, nbdevdn = 2.0, matype = 0))]
    fn new(timeperiod: i64, nbdevup: f64, nbdevdn: f64, matype: i64) -> PyResult<Self> {
        let period = param(ov::bbands::check(timeperiod, nbdevup, nbdevdn, matype))?;
        Ok(Self {
            inner: ov::BollingerBands::new(period, nbdevup, nbdevdn).map_err(to_py)?,
        })
    }

    fn update(&mut self, x: f64) -> (f64, f64, f64) {
        self.inner.update(x)
    }

    #[getter]
    fn value(&self) -> (f64, f64, f64) {
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
    m.add_function(wrap_pyfunction!(sma, m)?)?;
    m.add_function(wrap_pyfunction!(ema, m)?)?;
    m.add_class::<Sma>()?;
    m.add_class::<Ema>()?;
    for f in [
        wrap_pyfunction!(wma, m)?,
        wrap_pyfunction!(dema, m)?,
        wrap_pyfunction!(tema, m)?,
        wrap_pyfunction!(trima, m)?,
        wrap_pyfunction!(kama, m)?,
        wrap_pyfunction!(midpoint, m)?,
        wrap_pyfunction!(midprice, m)?,
        wrap_pyfunction!(bbands, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_class::<Wma>()?;
    m.add_class::<Dema>()?;
    m.add_class::<Tema>()?;
    m.add_class::<Trima>()?;
    m.add_class::<Kama>()?;
    m.add_class::<Midpoint>()?;
    m.add_class::<Midprice>()?;
    m.add_class::<Bbands>()?;
    register_t3_sar(m)?;
    Ok(())
}

/// Tillson's T3: six chained EMAs combined with the volume factor (TA-Lib T3).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 5, vfactor = 0.7, *, out = None))]
pub fn t3<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    vfactor: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (period, v) = param(ov::t3::check(timeperiod, vfactor))?;
    let [real] = inputs("t3", [("real", real)])?;
    let x = real.as_slice();
    run_into(py, "t3", x.len(), out, |o| ov::t3(x, period, v, o))
}

/// Streaming T3; `update(x)` equals `t3()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "T3")]
pub struct PyT3 {
    inner: ov::T3,
    params: (usize, f64),
}

#[pymethods]
impl PyT3 {
    #[new]
    #[pyo3(signature = (timeperiod = 5, vfactor = 0.7))]
    fn new(timeperiod: i64, vfactor: f64) -> PyResult<Self> {
        let params = param(ov::t3::check(timeperiod, vfactor))?;
        let inner = ov::T3::new(params.0, params.1).map_err(to_py)?;
        Ok(Self { inner, params })
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

    fn __repr__(&self) -> String {
        format!(
            "T3(timeperiod={}, vfactor={})",
            self.params.0, self.params.1
        )
    }
}

/// Wilder's parabolic SAR with TA-Lib's bootstrap and reversal rules (TA-Lib SAR).
#[pyfunction]
#[pyo3(signature = (high, low, acceleration = 0.02, maximum = 0.2, *, out = None))]
pub fn sar<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    acceleration: f64,
    maximum: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    param(ov::sar::check(acceleration, maximum))?;
    let [h, l] = inputs("sar", [("high", high), ("low", low)])?;
    let (h, l) = (h.as_slice(), l.as_slice());
    run_into(py, "sar", h.len(), out, |o| {
        ov::sar(h, l, acceleration, maximum, o)
    })
}

/// Streaming SAR; `update(high, low)` equals `sar()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "SAR")]
pub struct PySar {
    inner: ov::ParabolicSar,
    params: (f64, f64),
}

#[pymethods]
impl PySar {
    #[new]
    #[pyo3(signature = (acceleration = 0.02, maximum = 0.2))]
    fn new(acceleration: f64, maximum: f64) -> PyResult<Self> {
        let inner = ov::ParabolicSar::new(acceleration, maximum).map_err(to_py)?;
        Ok(Self {
            inner,
            params: (acceleration, maximum),
        })
    }

    fn update(&mut self, high: f64, low: f64) -> f64 {
        self.inner.update(high, low)
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
        format!(
            "SAR(acceleration={}, maximum={})",
            self.params.0, self.params.1
        )
    }
}

fn register_t3_sar(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(t3, m)?)?;
    m.add_function(wrap_pyfunction!(sar, m)?)?;
    m.add_class::<PyT3>()?;
    m.add_class::<PySar>()?;
    Ok(())
}
