//! Bindings of `deepalpha_ta::extra`: indicators beyond TA-Lib (VWAP, Keltner, Donchian,
//! Supertrend, Ichimoku, CMF, HMA, ZLEMA).

use deepalpha_ta::extra::{self, cmf as cmf_mod, donchian as dc, hma as hma_mod};
use deepalpha_ta::extra::{ichimoku as ich, keltner as kc};
use deepalpha_ta::extra::{supertrend as st, vwap as vw, zlema as zl};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;

use crate::arrays::{inputs, param, run_into, run_many};
use crate::errors::{kernel_error, to_py};
use crate::{period_fn, period_stream};

type Arr<'py> = Bound<'py, PyArray1<f64>>;

/// Epoch-millisecond timestamps: an int64 array, or a float64 array of whole milliseconds.
fn timestamps(obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    if let Ok(a) = obj.cast::<PyArray1<i64>>() {
        return Ok(a.to_vec()?);
    }
    if let Ok(a) = obj.cast::<PyArray1<f64>>() {
        return Ok(a.to_vec()?.into_iter().map(|t| t as i64).collect());
    }
    Err(kernel_error(format!(
        "vwap: ts must be a 1-D numpy array of int64 epoch milliseconds, got {}",
        crate::arrays::describe(obj)
    )))
}

/// Session-anchored VWAP: `Σ(typical price · volume) / Σ volume` since the start of the candle's
/// session; sessions are `[k · session_ms, (k + 1) · session_ms)` of epoch milliseconds `ts`
/// (default: one UTC day). NaN while the session has no volume.
#[pyfunction]
#[pyo3(signature = (high, low, close, volume, ts, session_ms = 86_400_000, *, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn vwap<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    volume: &Bound<'py, PyAny>,
    ts: &Bound<'py, PyAny>,
    session_ms: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Arr<'py>> {
    let session_ms = param(vw::check(session_ms))?;
    let [h, l, c, v] = inputs(
        "vwap",
        [
            ("high", high),
            ("low", low),
            ("close", close),
            ("volume", volume),
        ],
    )?;
    let ts = timestamps(ts)?;
    let (h, l, c, v) = (h.as_slice(), l.as_slice(), c.as_slice(), v.as_slice());
    run_into(py, "vwap", h.len(), out, |o| {
        extra::vwap(h, l, c, v, &ts, session_ms, o)
    })
}

/// Streaming VWAP; `update(high, low, close, volume, ts)` equals `vwap()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "VWAP")]
pub struct PyVwap {
    inner: extra::Vwap,
    session_ms: i64,
}

#[pymethods]
impl PyVwap {
    #[new]
    #[pyo3(signature = (session_ms = 86_400_000))]
    fn new(session_ms: i64) -> PyResult<Self> {
        let inner = extra::Vwap::new(session_ms).map_err(to_py)?;
        Ok(Self { inner, session_ms })
    }

    /// Feed the next candle and its epoch-millisecond timestamp; returns the session's VWAP.
    fn update(&mut self, high: f64, low: f64, close: f64, volume: f64, ts: i64) -> f64 {
        self.inner.update(high, low, close, volume, ts)
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
    fn session_ms(&self) -> i64 {
        self.session_ms
    }

    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        format!("VWAP(session_ms={})", self.session_ms)
    }
}

/// Keltner channels `(upper, middle, lower)`: `middle = EMA(source, timeperiod)` of the typical
/// price (or the close with `typical=False`), bands `middle ± multiplier · ATR(atrperiod)`.
#[pyfunction]
#[pyo3(signature = (high, low, close, timeperiod = 20, atrperiod = 10, multiplier = 2.0, typical = true))]
#[allow(clippy::too_many_arguments)]
pub fn keltner<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    timeperiod: i64,
    atrperiod: i64,
    multiplier: f64,
    typical: bool,
) -> PyResult<(Arr<'py>, Arr<'py>, Arr<'py>)> {
    let (n, a, m) = param(kc::check(timeperiod, atrperiod, multiplier))?;
    let [h, l, c] = inputs("keltner", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    let [u, mid, lo] = run_many(py, "keltner", h.len(), |[u, mid, lo]| {
        extra::keltner(h, l, c, n, a, m, typical, u, mid, lo)
    })?;
    Ok((u, mid, lo))
}

/// Streaming Keltner channels; `update(high, low, close)` equals `keltner()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "KELTNER")]
pub struct PyKeltner {
    inner: extra::KeltnerChannels,
}

#[pymethods]
impl PyKeltner {
    #[new]
    #[pyo3(signature = (timeperiod = 20, atrperiod = 10, multiplier = 2.0, typical = true))]
    fn new(timeperiod: i64, atrperiod: i64, multiplier: f64, typical: bool) -> PyResult<Self> {
        let (n, a, m) = param(kc::check(timeperiod, atrperiod, multiplier))?;
        let inner = extra::KeltnerChannels::new(n, a, m, typical).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Feed the next candle; returns `(upper, middle, lower)`.
    fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64, f64) {
        self.inner.update(high, low, close)
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

/// Donchian channels `(upper, middle, lower)`: highest high and lowest low of the last
/// `timeperiod` candles and their midpoint.
#[pyfunction]
#[pyo3(signature = (high, low, timeperiod = 20))]
pub fn donchian<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    timeperiod: i64,
) -> PyResult<(Arr<'py>, Arr<'py>, Arr<'py>)> {
    let n = param(dc::check(timeperiod))?;
    let [h, l] = inputs("donchian", [("high", high), ("low", low)])?;
    let (h, l) = (h.as_slice(), l.as_slice());
    let [u, mid, lo] = run_many(py, "donchian", h.len(), |[u, mid, lo]| {
        extra::donchian(h, l, n, u, mid, lo)
    })?;
    Ok((u, mid, lo))
}

/// Streaming Donchian channels; `update(high, low)` equals `donchian()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "DONCHIAN")]
pub struct PyDonchian {
    inner: extra::DonchianChannels,
}

#[pymethods]
impl PyDonchian {
    #[new]
    #[pyo3(signature = (timeperiod = 20))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let n = param(dc::check(timeperiod))?;
        Ok(Self {
            inner: extra::DonchianChannels::new(n).map_err(to_py)?,
        })
    }

    /// Feed the next candle; returns `(upper, middle, lower)`.
    fn update(&mut self, high: f64, low: f64) -> (f64, f64, f64) {
        self.inner.update(high, low)
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

/// Supertrend `(supertrend, direction)`: ATR bands around `(high + low) / 2` with TradingView's
/// band-locking rules; `direction` is +1.0 in an uptrend (the line is the lower band) and -1.0 in
/// a downtrend (the upper band).
#[pyfunction]
#[pyo3(signature = (high, low, close, timeperiod = 10, multiplier = 3.0))]
pub fn supertrend<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    timeperiod: i64,
    multiplier: f64,
) -> PyResult<(Arr<'py>, Arr<'py>)> {
    let (n, m) = param(st::check(timeperiod, multiplier))?;
    let [h, l, c] = inputs(
        "supertrend",
        [("high", high), ("low", low), ("close", close)],
    )?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    let [line, dir] = run_many(py, "supertrend", h.len(), |[line, dir]| {
        extra::supertrend(h, l, c, n, m, line, dir)
    })?;
    Ok((line, dir))
}

/// Streaming Supertrend; `update(high, low, close)` equals `supertrend()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "SUPERTREND")]
pub struct PySupertrend {
    inner: extra::Supertrend,
}

#[pymethods]
impl PySupertrend {
    #[new]
    #[pyo3(signature = (timeperiod = 10, multiplier = 3.0))]
    fn new(timeperiod: i64, multiplier: f64) -> PyResult<Self> {
        let (n, m) = param(st::check(timeperiod, multiplier))?;
        Ok(Self {
            inner: extra::Supertrend::new(n, m).map_err(to_py)?,
        })
    }

    /// Feed the next candle; returns `(supertrend, direction)`.
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

/// Ichimoku `(tenkan, kijun, senkou_a, senkou_b, chikou)`. `senkou_a[i]`/`senkou_b[i]` are the
/// cloud at candle `i` (computed `displacement` candles earlier; no look-ahead);
/// `chikou[i] = close[i + displacement]` looks ahead and is for charts only.
#[pyfunction]
#[pyo3(signature = (high, low, close, tenkan = 9, kijun = 26, senkou = 52, displacement = 26))]
#[allow(clippy::too_many_arguments)]
pub fn ichimoku<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    tenkan: i64,
    kijun: i64,
    senkou: i64,
    displacement: i64,
) -> PyResult<(Arr<'py>, Arr<'py>, Arr<'py>, Arr<'py>, Arr<'py>)> {
    let (t, k, s, d) = param(ich::check(tenkan, kijun, senkou, displacement))?;
    let [h, l, c] = inputs("ichimoku", [("high", high), ("low", low), ("close", close)])?;
    let (h, l, c) = (h.as_slice(), l.as_slice(), c.as_slice());
    let [a, b, e, f, g] = run_many(py, "ichimoku", h.len(), |outs| {
        extra::ichimoku(h, l, c, t, k, s, d, outs)
    })?;
    Ok((a, b, e, f, g))
}

/// Streaming Ichimoku; `update(high, low, close)` returns the five lines: the first four equal
/// `ichimoku()` at every index, `chikou` is the lagging line's newest point (the batch value at
/// index `i - displacement`, i.e. the current close).
#[pyclass(module = "deepalpha_kernel", name = "ICHIMOKU")]
pub struct PyIchimoku {
    inner: extra::Ichimoku,
}

#[pymethods]
impl PyIchimoku {
    #[new]
    #[pyo3(signature = (tenkan = 9, kijun = 26, senkou = 52, displacement = 26))]
    fn new(tenkan: i64, kijun: i64, senkou: i64, displacement: i64) -> PyResult<Self> {
        let (t, k, s, d) = param(ich::check(tenkan, kijun, senkou, displacement))?;
        Ok(Self {
            inner: extra::Ichimoku::new(t, k, s, d).map_err(to_py)?,
        })
    }

    /// Feed the next candle; returns `(tenkan, kijun, senkou_a, senkou_b, chikou)`.
    fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64, f64, f64, f64) {
        let [a, b, c, d, e] = self.inner.update(high, low, close);
        (a, b, c, d, e)
    }

    #[getter]
    fn value(&self) -> (f64, f64, f64, f64, f64) {
        let [a, b, c, d, e] = self.inner.value();
        (a, b, c, d, e)
    }

    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    fn reset(&mut self) {
        self.inner.reset()
    }
}

/// Chaikin money flow: `Σ(mfm · volume) / Σ volume` over `timeperiod` candles, with
/// `mfm = ((close - low) - (high - close)) / (high - low)` (0 when high == low); 0 without volume.
#[pyfunction]
#[pyo3(signature = (high, low, close, volume, timeperiod = 20, *, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn cmf<'py>(
    py: Python<'py>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    volume: &Bound<'py, PyAny>,
    timeperiod: i64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Arr<'py>> {
    let n = param(cmf_mod::check(timeperiod))?;
    let [h, l, c, v] = inputs(
        "cmf",
        [
            ("high", high),
            ("low", low),
            ("close", close),
            ("volume", volume),
        ],
    )?;
    let (h, l, c, v) = (h.as_slice(), l.as_slice(), c.as_slice(), v.as_slice());
    run_into(py, "cmf", h.len(), out, |o| {
        extra::chaikin_money_flow(h, l, c, v, n, o)
    })
}

/// Streaming CMF; `update(high, low, close, volume)` equals `cmf()` at every index.
#[pyclass(module = "deepalpha_kernel", name = "CMF")]
pub struct PyCmf {
    inner: extra::ChaikinMoneyFlow,
}

#[pymethods]
impl PyCmf {
    #[new]
    #[pyo3(signature = (timeperiod = 20))]
    fn new(timeperiod: i64) -> PyResult<Self> {
        let n = param(cmf_mod::check(timeperiod))?;
        Ok(Self {
            inner: extra::ChaikinMoneyFlow::new(n).map_err(to_py)?,
        })
    }

    /// Feed the next candle; returns the CMF (NaN until ready).
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
}

period_fn!(
    hma,
    "hma",
    hma_mod::check,
    extra::hma,
    timeperiod = 9,
    "Hull moving average `WMA(2 WMA(x, n/2) - WMA(x, n), sqrt(n))` (TA-Lib WMAs; n >= 4)."
);
period_stream!(
    PyHma,
    "HMA",
    extra::HullMovingAverage,
    hma_mod::check,
    timeperiod = 9,
    "Streaming HMA; equal to `hma()` at every index."
);
period_fn!(
    zlema,
    "zlema",
    zl::check,
    extra::zlema,
    timeperiod = 20,
    "Zero-lag EMA: TA-Lib's EMA of `x + (x - x[(n - 1) // 2])`."
);
period_stream!(
    PyZlema,
    "ZLEMA",
    extra::ZeroLagExponentialMovingAverage,
    zl::check,
    timeperiod = 20,
    "Streaming ZLEMA; equal to `zlema()` at every index."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(vwap, m)?)?;
    m.add_function(wrap_pyfunction!(keltner, m)?)?;
    m.add_function(wrap_pyfunction!(donchian, m)?)?;
    m.add_function(wrap_pyfunction!(supertrend, m)?)?;
    m.add_function(wrap_pyfunction!(ichimoku, m)?)?;
    m.add_function(wrap_pyfunction!(cmf, m)?)?;
    m.add_function(wrap_pyfunction!(hma, m)?)?;
    m.add_function(wrap_pyfunction!(zlema, m)?)?;
    m.add_class::<PyVwap>()?;
    m.add_class::<PyKeltner>()?;
    m.add_class::<PyDonchian>()?;
    m.add_class::<PySupertrend>()?;
    m.add_class::<PyIchimoku>()?;
    m.add_class::<PyCmf>()?;
    m.add_class::<PyHma>()?;
    m.add_class::<PyZlema>()?;
    Ok(())
}
