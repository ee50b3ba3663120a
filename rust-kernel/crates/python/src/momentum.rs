//! Bindings of `deepalpha_ta::momentum`.

use deepalpha_ta::momentum::{macd as macd_mod, rsi as rsi_mod};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::arrays::{inputs, param, run_into, run_many};
use crate::errors::to_py;
use crate::{period_fn, period_stream};
use deepalpha_ta::momentum as mo;
use deepalpha_ta::overlap::Trix;

/// Relative strength index with Wilder smoothing (TA-Lib RSI).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 14, *, out = None))]
pub fn rsi<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(rsi_mod::check(timeperiod))?;
    let [real] = inputs("rsi", [("real", real)])?;
    let x = real.as_slice();
    run_into(py, "rsi", x.len(), out, |o| rsi_mod::rsi(x, period, o))
}

type Triple<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// MACD line, signal line and histogram with TA-Lib's alignment (TA-Lib MACD).
#[pyfunction]
#[pyo3(signature = (real, fastperiod = 12, slowperiod = 26, signalperiod = 9))]
pub fn macd<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    fastperiod: i64,
    slowperiod: i64,
    signalperiod: i64,
) -> PyResult<Triple<'py>> {
    let (fast, slow, signal) = param(macd_mod::check(fastperiod, slowperiod, signalperiod))?;
    let [real] = inputs("macd", [("real", real)])?;
    let x = real.as_slice();
    let [m, s, h] = run_many(py, "macd", x.len(), |[m, s, h]| {
        macd_mod::macd(x, fast, slow, signal, m, s, h)
    })?;
    Ok((m, s, h))
}

period_stream!(
    Rsi,
    "RSI",
    deepalpha_ta::momentum::RelativeStrengthIndex,
    rsi_mod::check,
    timeperiod = 14,
    "Streaming RSI; equal to `rsi()` at every index."
);

/// Streaming MACD; `update(x)` returns `(macd, signal, hist)`, equal to `macd()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "MACD")]
pub struct PyMacd {
    inner: macd_mod::Macd,
    params: (usize, usize, usize),
}

#[pymethods]
impl PyMacd {
    #[new]
    #[pyo3(signature = (fastperiod = 12, slowperiod = 26, signalperiod = 9))]
    fn new(fastperiod: i64, slowperiod: i64, signalperiod: i64) -> PyResult<Self> {
        let params = param(macd_mod::check(fastperiod, slowperiod, signalperiod))?;
        let inner = macd_mod::Macd::new(params.0, params.1, params.2).map_err(to_py)?;
        Ok(Self { inner, params })
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

    fn __repr__(&self) -> String {
        let (f, s, g) = self.params;
        format!("MACD(fastperiod={f}, slowperiod={s}, signalperiod={g})")
    }
}

period_fn!(
    mom,
    "mom",
    mo::Momentum::check,
    mo::Momentum::batch,
    timeperiod = 10,
    "x - x[n] (TA-Lib MOM)."
);
period_fn!(
    roc,
    "roc",
    mo::RateOfChange::check,
    mo::RateOfChange::batch,
    timeperiod = 10,
    "(x / x[n] - 1) * 100 (TA-Lib ROC)."
);
period_fn!(
    rocp,
    "rocp",
    mo::RateOfChangePercentage::check,
    mo::RateOfChangePercentage::batch,
    timeperiod = 10,
    "(x - x[n]) / x[n] (TA-Lib ROCP)."
);
period_fn!(
    rocr,
    "rocr",
    mo::RateOfChangeRatio::check,
    mo::RateOfChangeRatio::batch,
    timeperiod = 10,
    "x / x[n] (TA-Lib ROCR)."
);
period_fn!(
    trix,
    "trix",
    Trix::check,
    deepalpha_ta::overlap::trix,
    timeperiod = 30,
    "1-period percent rate of change of a triple EMA (TA-Lib TRIX)."
);
period_stream!(
    Mom,
    "MOM",
    mo::Momentum,
    mo::Momentum::check,
    timeperiod = 10,
    "Streaming MOM."
);
period_stream!(
    Roc,
    "ROC",
    mo::RateOfChange,
    mo::RateOfChange::check,
    timeperiod = 10,
    "Streaming ROC."
);
period_stream!(
    Rocp,
    "ROCP",
    mo::RateOfChangePercentage,
    mo::RateOfChangePercentage::check,
    timeperiod = 10,
    "Streaming ROCP."
);
period_stream!(
    Rocr,
    "ROCR",
    mo::RateOfChangeRatio,
    mo::RateOfChangeRatio::check,
    timeperiod = 10,
    "Streaming ROCR."
);
period_stream!(
    PyTrix,
    "TRIX",
    Trix,
    Trix::check,
    timeperiod = 30,
    "Streaming TRIX."
);

/// Williams' %R (TA-Lib WILLR).
#[pyfunction]
#[pyo3(signature = (high, low, close, timeperiod = 14, *, out = None))]
pub fn willr<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let period = param(mo::WilliamsR::check(timeperiod))?;
    let [h, l, c] = inputs("willr", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "willr", h.len(), out, |o| mo::willr(h, l, c, period, o))
}

/// Streaming WILLR; `update(high, low, close)` equals `willr()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "WILLR")]
pub struct Willr {
    inner: mo::WilliamsR,
}

#[pymethods]
impl Willr {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let period = param(mo::WilliamsR::check(timeperiod))?;
        Ok(Self {
            inner: mo::WilliamsR::new(period).map_err(to_py)?,
        })
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
}

/// A batch function and a streaming class over candles, taking `hl` (high, low) or `hlc`
/// (high, low, close). The Rust stream always takes `(high, low, close)`; an indicator without a
/// close is fed `low` there (it never reaches an output).
macro_rules! candle_indicator {
    (hl, $($rest:tt)*) => {
        candle_indicator!(@impl [high, low] high low low, $($rest)*);
    };
    (hlc, $($rest:tt)*) => {
        candle_indicator!(@impl [high, low, close] high low close, $($rest)*);
    };
    (@impl [$($col:ident),+] $h:ident $l:ident $c:ident, $fn:ident, $cls:ident, $label:literal,
     $upper:literal, $rust:ty, $default:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = ($($col,)+ timeperiod = $default, *, out = None))]
        pub fn $fn<'py>(
            py: Python<'py>,
            $($col: &Bound<'py, PyAny>,)+
            timeperiod: i64,
            out: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyArray1<f64>>> {
            let period = param(<$rust>::check(timeperiod))?;
            let [$($col),+] = inputs($label, [$((stringify!($col), $col)),+])?;
            $(let $col = $col.as_slice();)+
            run_into(py, $label, $h.len(), out, |o| <$rust>::batch($h, $l, $c, period, o))
        }

        #[doc = concat!("Streaming ", $upper, "; `update` equals `", $label, "()` at every index.")]
        #[pyclass(module = "deepalpha_kernel", name = $upper)]
        pub struct $cls {
            inner: $rust,
            timeperiod: usize,
        }

        #[pymethods]
        impl $cls {
            #[new]
            #[pyo3(signature = (timeperiod = $default))]
            fn new(timeperiod: i64) -> PyResult<Self> {
                let timeperiod = param(<$rust>::check(timeperiod))?;
                Ok(Self {
                    inner: <$rust>::new(timeperiod).map_err(to_py)?,
                    timeperiod,
                })
            }

            fn update(&mut self, $($col: f64),+) -> f64 {
                self.inner.update($h, $l, $c)
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

            #[getter]
            fn timeperiod(&self) -> usize {
                self.timeperiod
            }

            fn __repr__(&self) -> String {
                format!("{}(timeperiod={})", $upper, self.timeperiod)
            }
        }
    };
}

candle_indicator!(
    hlc,
    cci,
    PyCci,
    "cci",
    "CCI",
    mo::CommodityChannelIndex,
    14,
    "Commodity channel index, (tp - mean) / (0.015 mean deviation) (TA-Lib CCI)."
);
candle_indicator!(
    hl,
    plus_dm,
    PyPlusDm,
    "plus_dm",
    "PLUS_DM",
    mo::PlusDm,
    14,
    "Wilder-smoothed plus directional movement (TA-Lib PLUS_DM)."
);
candle_indicator!(
    hl,
    minus_dm,
    PyMinusDm,
    "minus_dm",
    "MINUS_DM",
    mo::MinusDm,
    14,
    "Wilder-smoothed minus directional movement (TA-Lib MINUS_DM)."
);
candle_indicator!(
    hlc,
    plus_di,
    PyPlusDi,
    "plus_di",
    "PLUS_DI",
    mo::PlusDi,
    14,
    "Plus directional indicator, 100 +DM / TR (TA-Lib PLUS_DI)."
);
candle_indicator!(
    hlc,
    minus_di,
    PyMinusDi,
    "minus_di",
    "MINUS_DI",
    mo::MinusDi,
    14,
    "Minus directional indicator, 100 -DM / TR (TA-Lib MINUS_DI)."
);
candle_indicator!(
    hlc,
    dx,
    PyDx,
    "dx",
    "DX",
    mo::Dx,
    14,
    "Directional movement index, 100 |-DI - +DI| / (-DI + +DI) (TA-Lib DX)."
);
candle_indicator!(
    hlc,
    adx,
    PyAdx,
    "adx",
    "ADX",
    mo::Adx,
    14,
    "Average directional movement index, Wilder-smoothed DX (TA-Lib ADX)."
);
candle_indicator!(
    hlc,
    adxr,
    PyAdxr,
    "adxr",
    "ADXR",
    mo::Adxr,
    14,
    "ADX rating, (ADX + ADX n-1 candles ago) / 2 (TA-Lib ADXR)."
);

type Pair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// Slow stochastic: (slowk, slowd) (TA-Lib STOCH; matypes 0 = SMA, 1 = EMA).
#[pyfunction]
#[pyo3(signature = (high, low, close, fastk_period = 5, slowk_period = 3, slowk_matype = 0,
                    slowd_period = 3, slowd_matype = 0))]
#[allow(clippy::too_many_arguments)]
pub fn stoch<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    fastk_period: i64,
    slowk_period: i64,
    slowk_matype: i64,
    slowd_period: i64,
    slowd_matype: i64,
) -> PyResult<Pair<'py>> {
    let p = param(mo::StochParams::check(
        fastk_period,
        slowk_period,
        slowk_matype,
        slowd_period,
        slowd_matype,
    ))?;
    let [h, l, c] = inputs("stoch", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    let [k, d] = run_many(py, "stoch", h.len(), |[k, d]| mo::stoch(h, l, c, p, k, d))?;
    Ok((k, d))
}

/// Fast stochastic: (fastk, fastd) (TA-Lib STOCHF; matype 0 = SMA, 1 = EMA).
#[pyfunction]
#[pyo3(signature = (high, low, close, fastk_period = 5, fastd_period = 3, fastd_matype = 0))]
pub fn stochf<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    fastk_period: i64,
    fastd_period: i64,
    fastd_matype: i64,
) -> PyResult<Pair<'py>> {
    let p = param(mo::StochFParams::check(
        "stochf",
        fastk_period,
        fastd_period,
        fastd_matype,
    ))?;
    let [h, l, c] = inputs("stochf", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    let [k, d] = run_many(py, "stochf", h.len(), |[k, d]| mo::stochf(h, l, c, p, k, d))?;
    Ok((k, d))
}

/// Stochastic RSI: (fastk, fastd) of the fast stochastic of RSI(real) (TA-Lib STOCHRSI).
#[pyfunction]
#[pyo3(signature = (real, timeperiod = 14, fastk_period = 5, fastd_period = 3, fastd_matype = 0))]
pub fn stochrsi<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    timeperiod: i64,
    fastk_period: i64,
    fastd_period: i64,
    fastd_matype: i64,
) -> PyResult<Pair<'py>> {
    let n = param(rsi_mod::check(timeperiod))?;
    let p = param(mo::StochFParams::check(
        "stochrsi",
        fastk_period,
        fastd_period,
        fastd_matype,
    ))?;
    let [real] = inputs("stochrsi", [("real", real)])?;
    let x = real.as_slice();
    let [k, d] = run_many(py, "stochrsi", x.len(), |[k, d]| {
        mo::stochrsi(x, n, p, k, d)
    })?;
    Ok((k, d))
}

/// Streaming STOCH; `update(high, low, close)` returns `(slowk, slowd)` as `stoch()`.
#[pyclass(module = "deepalpha_kernel", name = "STOCH")]
pub struct PyStoch {
    inner: mo::Stochastic,
}

#[pymethods]
impl PyStoch {
    #[new]
    #[pyo3(signature = (fastk_period = 5, slowk_period = 3, slowk_matype = 0, slowd_period = 3,
                        slowd_matype = 0))]
    fn new(
        fastk_period: i64,
        slowk_period: i64,
        slowk_matype: i64,
        slowd_period: i64,
        slowd_matype: i64,
    ) -> PyResult<Self> {
        let p = param(mo::StochParams::check(
            fastk_period,
            slowk_period,
            slowk_matype,
            slowd_period,
            slowd_matype,
        ))?;
        Ok(Self {
            inner: mo::Stochastic::new(p),
        })
    }

    fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64) {
        self.inner.update(high, low, close)
    }

    #[getter]
    fn value(&self) -> (f64, f64) {
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

/// Streaming STOCHF; `update(high, low, close)` returns `(fastk, fastd)` as `stochf()`.
#[pyclass(module = "deepalpha_kernel", name = "STOCHF")]
pub struct PyStochF {
    inner: mo::StochasticFast,
}

#[pymethods]
impl PyStochF {
    #[new]
    #[pyo3(signature = (fastk_period = 5, fastd_period = 3, fastd_matype = 0))]
    fn new(fastk_period: i64, fastd_period: i64, fastd_matype: i64) -> PyResult<Self> {
        let p = param(mo::StochFParams::check(
            "stochf",
            fastk_period,
            fastd_period,
            fastd_matype,
        ))?;
        Ok(Self {
            inner: mo::StochasticFast::new(p),
        })
    }

    fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64) {
        self.inner.update(high, low, close)
    }

    #[getter]
    fn value(&self) -> (f64, f64) {
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

/// Streaming STOCHRSI; `update(x)` returns `(fastk, fastd)` as `stochrsi()`.
#[pyclass(module = "deepalpha_kernel", name = "STOCHRSI")]
pub struct PyStochRsi {
    inner: mo::StochasticRsi,
}

#[pymethods]
impl PyStochRsi {
    #[new]
    #[pyo3(signature = (timeperiod = 14, fastk_period = 5, fastd_period = 3, fastd_matype = 0))]
    fn new(
        timeperiod: i64,
        fastk_period: i64,
        fastd_period: i64,
        fastd_matype: i64,
    ) -> PyResult<Self> {
        let n = param(rsi_mod::check(timeperiod))?;
        let p = param(mo::StochFParams::check(
            "stochrsi",
            fastk_period,
            fastd_period,
            fastd_matype,
        ))?;
        Ok(Self {
            inner: mo::StochasticRsi::new(n, p).map_err(to_py)?,
        })
    }

    fn update(&mut self, x: f64) -> (f64, f64) {
        self.inner.update(x)
    }

    #[getter]
    fn value(&self) -> (f64, f64) {
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

period_fn!(
    cmo,
    "cmo",
    mo::cmo::check,
    mo::cmo,
    timeperiod = 14,
    "Chande momentum oscillator, 100 (gain - loss) / (gain + loss) (TA-Lib CMO)."
);
period_stream!(
    PyCmo,
    "CMO",
    mo::ChandeMomentumOscillator,
    mo::cmo::check,
    timeperiod = 14,
    "Streaming CMO; equal to `cmo()` at every index."
);

/// Balance of power, (close - open) / (high - low) (TA-Lib BOP).
#[pyfunction]
#[pyo3(signature = (open, high, low, close, *, out = None))]
pub fn bop<'py>(
    py: Python<'py>,
    open: &Bound<'py, PyAny>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let [o, h, l, c] = inputs(
        "bop",
        [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ],
    )?;
    let (o, h, l, c) = (o.as_slice(), h.as_slice(), l.as_slice(), c.as_slice());
    run_into(py, "bop", o.len(), out, |r| mo::bop(o, h, l, c, r))
}

/// Streaming BOP; `update(open, high, low, close)` equals `bop()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "BOP")]
pub struct PyBop {
    inner: mo::BalanceOfPower,
}

#[pymethods]
impl PyBop {
    #[new]
    fn new() -> Self {
        Self {
            inner: mo::BalanceOfPower::new(),
        }
    }

    fn update(&mut self, open: f64, high: f64, low: f64, close: f64) -> f64 {
        self.inner.update(open, high, low, close)
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

/// Aroon: (aroondown, aroonup) over `timeperiod + 1` candles (TA-Lib AROON).
#[pyfunction]
#[pyo3(signature = (high, low, timeperiod = 14))]
pub fn aroon<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    timeperiod: i64,
) -> PyResult<Pair<'py>> {
    let n = param(mo::aroon::check("aroon", timeperiod))?;
    let [h, l] = inputs("aroon", [("high", high), ("low", low)])?;
    let (h, l) = (h.as_slice(), l.as_slice());
    let [d, u] = run_many(py, "aroon", h.len(), |[d, u]| mo::aroon(h, l, n, d, u))?;
    Ok((d, u))
}

/// Aroon oscillator, aroonup - aroondown (TA-Lib AROONOSC).
#[pyfunction]
#[pyo3(signature = (high, low, timeperiod = 14, *, out = None))]
pub fn aroonosc<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let n = param(mo::aroon::check("aroonosc", timeperiod))?;
    let [h, l] = inputs("aroonosc", [("high", high), ("low", low)])?;
    let (h, l) = (h.as_slice(), l.as_slice());
    run_into(py, "aroonosc", h.len(), out, |o| mo::aroonosc(h, l, n, o))
}

/// Streaming AROON; `update(high, low)` returns `(aroondown, aroonup)` as `aroon()`.
#[pyclass(module = "deepalpha_kernel", name = "AROON")]
pub struct PyAroon {
    inner: mo::Aroon,
}

#[pymethods]
impl PyAroon {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let n = param(mo::aroon::check("aroon", timeperiod))?;
        Ok(Self {
            inner: mo::Aroon::new(n).map_err(to_py)?,
        })
    }

    fn update(&mut self, high: f64, low: f64) -> (f64, f64) {
        self.inner.update(high, low)
    }

    #[getter]
    fn value(&self) -> (f64, f64) {
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

/// Streaming AROONOSC; `update(high, low)` equals `aroonosc()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "AROONOSC")]
pub struct PyAroonOsc {
    inner: mo::AroonOscillator,
}

#[pymethods]
impl PyAroonOsc {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let n = param(mo::aroon::check("aroonosc", timeperiod))?;
        Ok(Self {
            inner: mo::AroonOscillator::new(n).map_err(to_py)?,
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

macro_rules! price_oscillator {
    ($fn:ident, $cls:ident, $label:literal, $upper:literal, $percent:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = (real, fastperiod = 12, slowperiod = 26, matype = 0, *, out = None))]
        pub fn $fn<'py>(
            py: Python<'py>,
            real: &Bound<'py, PyAny>,
            fastperiod: i64,
            slowperiod: i64,
            matype: i64,
            out: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyArray1<f64>>> {
            let (f, s, ma) = param(mo::apo::check($label, fastperiod, slowperiod, matype))?;
            let [real] = inputs($label, [("real", real)])?;
            let x = real.as_slice();
            run_into(py, $label, x.len(), out, |o| {
                mo::price_oscillator($percent, x, f, s, ma, o)
            })
        }

        #[doc = concat!("Streaming ", $upper, "; `update(x)` equals `", $label, "()` at every index.")]
        #[pyclass(module = "deepalpha_kernel", name = $upper)]
        pub struct $cls {
            inner: mo::PriceOscillator,
        }

        #[pymethods]
        impl $cls {
            #[new]
            #[pyo3(signature = (fastperiod = 12, slowperiod = 26, matype = 0))]
            fn new(fastperiod: i64, slowperiod: i64, matype: i64) -> PyResult<Self> {
                let (f, s, ma) = param(mo::apo::check($label, fastperiod, slowperiod, matype))?;
                Ok(Self {
                    inner: mo::PriceOscillator::new($percent, f, s, ma),
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
    };
}

price_oscillator!(
    apo,
    PyApo,
    "apo",
    "APO",
    false,
    "MA_fast - MA_slow (TA-Lib APO)."
);
price_oscillator!(
    ppo,
    PyPpo,
    "ppo",
    "PPO",
    true,
    "100 (MA_fast - MA_slow) / MA_slow (TA-Lib PPO)."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(apo, m)?)?;
    m.add_function(wrap_pyfunction!(ppo, m)?)?;
    m.add_class::<PyApo>()?;
    m.add_class::<PyPpo>()?;
    for f in [
        wrap_pyfunction!(cmo, m)?,
        wrap_pyfunction!(bop, m)?,
        wrap_pyfunction!(aroon, m)?,
        wrap_pyfunction!(aroonosc, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_class::<PyCmo>()?;
    m.add_function(wrap_pyfunction!(cci, m)?)?;
    m.add_class::<PyCci>()?;
    m.add_class::<PyBop>()?;
    m.add_class::<PyAroon>()?;
    m.add_class::<PyAroonOsc>()?;
    for f in [
        wrap_pyfunction!(stoch, m)?,
        wrap_pyfunction!(stochf, m)?,
        wrap_pyfunction!(stochrsi, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_class::<PyStoch>()?;
    m.add_class::<PyStochF>()?;
    m.add_class::<PyStochRsi>()?;
    for f in [
        wrap_pyfunction!(plus_dm, m)?,
        wrap_pyfunction!(minus_dm, m)?,
        wrap_pyfunction!(plus_di, m)?,
        wrap_pyfunction!(minus_di, m)?,
        wrap_pyfunction!(dx, m)?,
        wrap_pyfunction!(adx, m)?,
        wrap_pyfunction!(adxr, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_class::<PyPlusDm>()?;
    m.add_class::<PyMinusDm>()?;
    m.add_class::<PyPlusDi>()?;
    m.add_class::<PyMinusDi>()?;
    m.add_class::<PyDx>()?;
    m.add_class::<PyAdx>()?;
    m.add_class::<PyAdxr>()?;
    m.add_function(wrap_pyfunction!(rsi, m)?)?;
    m.add_function(wrap_pyfunction!(macd, m)?)?;
    m.add_class::<Rsi>()?;
    m.add_class::<PyMacd>()?;
    for f in [
        wrap_pyfunction!(mom, m)?,
        wrap_pyfunction!(roc, m)?,
        wrap_pyfunction!(rocp, m)?,
        wrap_pyfunction!(rocr, m)?,
        wrap_pyfunction!(trix, m)?,
        wrap_pyfunction!(willr, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_class::<Mom>()?;
    m.add_class::<Roc>()?;
    m.add_class::<Rocp>()?;
    m.add_class::<Rocr>()?;
    m.add_class::<PyTrix>()?;
    m.add_class::<Willr>()?;
    register_extra(m)?;
    Ok(())
}

/// MACD with TA-Lib's fixed 0.15 / 0.075 smoothing over 12 / 26 values (TA-Lib MACDFIX).
#[pyfunction]
#[pyo3(signature = (real, signalperiod = 9))]
pub fn macdfix<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    signalperiod: i64,
) -> PyResult<Triple<'py>> {
    let signal = param(mo::macdfix::check(signalperiod))?;
    let [real] = inputs("macdfix", [("real", real)])?;
    let x = real.as_slice();
    let [m, s, h] = run_many(py, "macdfix", x.len(), |[m, s, h]| {
        mo::macdfix(x, signal, m, s, h)
    })?;
    Ok((m, s, h))
}

/// Streaming MACDFIX; `update(x)` returns `(macd, signal, hist)`, equal to `macdfix()`.
#[pyclass(module = "deepalpha_kernel", name = "MACDFIX")]
pub struct PyMacdFix {
    inner: mo::MacdFix,
    signalperiod: usize,
}

#[pymethods]
impl PyMacdFix {
    #[new]
    #[pyo3(signature = (signalperiod = 9))]
    fn new(signalperiod: i64) -> PyResult<Self> {
        let signalperiod = param(mo::macdfix::check(signalperiod))?;
        let inner = mo::MacdFix::new(signalperiod).map_err(to_py)?;
        Ok(Self {
            inner,
            signalperiod,
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

    fn __repr__(&self) -> String {
        format!("MACDFIX(signalperiod={})", self.signalperiod)
    }
}

/// Ultimate oscillator over three windows, weighted 4:2:1 shortest first (TA-Lib ULTOSC).
#[pyfunction]
#[pyo3(signature = (high, low, close, timeperiod1 = 7, timeperiod2 = 14, timeperiod3 = 28, *, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn ultosc<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    timeperiod1: i64,
    timeperiod2: i64,
    timeperiod3: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let [a, b, c] = param(mo::ultosc::check(timeperiod1, timeperiod2, timeperiod3))?;
    let [h, l, cl] = inputs("ultosc", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, cl) = (h.as_slice(), l.as_slice(), cl.as_slice());
    run_into(py, "ultosc", h.len(), out, |o| {
        mo::ultosc(h, l, cl, a, b, c, o)
    })
}

/// Streaming ULTOSC; `update(high, low, close)` equals `ultosc()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "ULTOSC")]
pub struct PyUltosc {
    inner: mo::UltimateOscillator,
    params: (i64, i64, i64),
}

#[pymethods]
impl PyUltosc {
    #[new]
    #[pyo3(signature = (timeperiod1 = 7, timeperiod2 = 14, timeperiod3 = 28))]
    fn new(timeperiod1: i64, timeperiod2: i64, timeperiod3: i64) -> PyResult<Self> {
        let [a, b, c] = param(mo::ultosc::check(timeperiod1, timeperiod2, timeperiod3))?;
        Ok(Self {
            inner: mo::UltimateOscillator::new(a, b, c).map_err(to_py)?,
            params: (timeperiod1, timeperiod2, timeperiod3),
        })
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
        let (a, b, c) = self.params;
        format!("ULTOSC(timeperiod1={a}, timeperiod2={b}, timeperiod3={c})")
    }
}

/// Money flow index: 100 pos / (pos + neg) of the typical-price money flows (TA-Lib MFI).
#[pyfunction]
#[pyo3(signature = (high, low, close, volume, timeperiod = 14, *, out = None))]
pub fn mfi<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    volume: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let n = param(mo::mfi::check(timeperiod))?;
    let [h, l, c, v] = inputs(
        "mfi",
        [
            ("high", high),
            ("low", low),
            ("close", close),
            ("volume", volume),
        ],
    )?;
    let (h, l, c, v) = (h.as_slice(), l.as_slice(), c.as_slice(), v.as_slice());
    run_into(py, "mfi", h.len(), out, |o| mo::mfi(h, l, c, v, n, o))
}

/// Streaming MFI; `update(high, low, close, volume)` equals `mfi()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "MFI")]
pub struct PyMfi {
    inner: mo::MoneyFlowIndex,
    timeperiod: usize,
}

#[pymethods]
impl PyMfi {
    #[new]
    #[pyo3(signature = (timeperiod = 14))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let timeperiod = param(mo::mfi::check(timeperiod))?;
        Ok(Self {
            inner: mo::MoneyFlowIndex::new(timeperiod).map_err(to_py)?,
            timeperiod,
        })
    }

    fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        self.inner.update(high, low, close, volume)
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

    #[getter]
    fn timeperiod(&self) -> usize {
        self.timeperiod
    }

    fn __repr__(&self) -> String {
        format!("MFI(timeperiod={})", self.timeperiod)
    }
}

/// MACD with SMA (0) or EMA (1) averages chosen per line (TA-Lib MACDEXT).
#[pyfunction]
#[pyo3(signature = (
    real, fastperiod = 12, fastmatype = 0, slowperiod = 26, slowmatype = 0, signalperiod = 9,
    signalmatype = 0
))]
#[allow(clippy::too_many_arguments)]
pub fn macdext<'py>(
    py: Python<'py>,
    real: &Bound<'py, PyAny>,
    fastperiod: i64,
    fastmatype: i64,
    slowperiod: i64,
    slowmatype: i64,
    signalperiod: i64,
    signalmatype: i64,
) -> PyResult<Triple<'py>> {
    let p = param(mo::macdext::check(
        fastperiod,
        fastmatype,
        slowperiod,
        slowmatype,
        signalperiod,
        signalmatype,
    ))?;
    let [real] = inputs("macdext", [("real", real)])?;
    let x = real.as_slice();
    let [m, s, h] = run_many(py, "macdext", x.len(), |[m, s, h]| {
        mo::macdext(x, p, m, s, h)
    })?;
    Ok((m, s, h))
}

/// Streaming MACDEXT; `update(x)` returns `(macd, signal, hist)`, equal to `macdext()`.
#[pyclass(module = "deepalpha_kernel", name = "MACDEXT")]
pub struct PyMacdExt {
    inner: mo::MacdExt,
    params: [i64; 6],
}

#[pymethods]
impl PyMacdExt {
    #[new]
    #[pyo3(signature = (
        fastperiod = 12, fastmatype = 0, slowperiod = 26, slowmatype = 0, signalperiod = 9,
        signalmatype = 0
    ))]
    fn new(
        fastperiod: i64,
        fastmatype: i64,
        slowperiod: i64,
        slowmatype: i64,
        signalperiod: i64,
        signalmatype: i64,
    ) -> PyResult<Self> {
        let params = [
            fastperiod,
            fastmatype,
            slowperiod,
            slowmatype,
            signalperiod,
            signalmatype,
        ];
        let p = param(mo::macdext::check(
            fastperiod,
            fastmatype,
            slowperiod,
            slowmatype,
            signalperiod,
            signalmatype,
        ))?;
        Ok(Self {
            inner: mo::MacdExt::new(p),
            params,
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

    fn __repr__(&self) -> String {
        let [f, fm, s, sm, g, gm] = self.params;
        format!(
            "MACDEXT(fastperiod={f}, fastmatype={fm}, slowperiod={s}, slowmatype={sm}, \
             signalperiod={g}, signalmatype={gm})"
        )
    }
}

fn register_extra(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(macdext, m)?)?;
    m.add_class::<PyMacdExt>()?;
    m.add_function(wrap_pyfunction!(macdfix, m)?)?;
    m.add_class::<PyMacdFix>()?;
    m.add_function(wrap_pyfunction!(ultosc, m)?)?;
    m.add_class::<PyUltosc>()?;
    m.add_function(wrap_pyfunction!(mfi, m)?)?;
    m.add_class::<PyMfi>()?;
    Ok(())
}
