//! Bindings of `deepalpha_ta::patterns`: one function per TA-Lib `CDL*` pattern, `scan` (all
//! patterns in one pass) and the streaming `PatternScanner`.
//!
//! Pattern outputs are int32 arrays like `talib.CDL*` (0, +/-80, +/-100, +/-200), except
//! `scan`'s grid, which is int16 (same values, half the memory). Inputs are borrowed float64
//! views (see `arrays.rs`); the work runs with the GIL released.

use deepalpha_ta::patterns::{self as pat, PatternDef, PatternScanner as RustScanner};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::arrays::inputs;
use crate::errors::{guard, kernel_error};

fn def(name: &str) -> &'static PatternDef {
    pat::find(name).unwrap_or_else(|| unreachable!("{name} is registered"))
}

/// Run one pattern into a new int32 array, or into `out` (an int32 array of the inputs' length).
#[allow(clippy::too_many_arguments)]
fn run_pattern<'py>(
    py: Python<'py>,
    name: &'static str,
    open: &Bound<'py, PyAny>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    penetration: Option<f64>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let d = def(name);
    let label = d.lower;
    let [o, h, l, c] = inputs(
        label,
        [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ],
    )?;
    let (o, h, l, c) = (o.as_slice(), h.as_slice(), l.as_slice(), c.as_slice());
    let n = o.len();
    let work = |buffer: &mut [i32]| pat::pattern(d, o, h, l, c, penetration, buffer);
    match out {
        None => {
            let mut buffer = vec![0_i32; n];
            py.detach(|| guard(label, || work(&mut buffer)))
                .map_err(kernel_error)?;
            Ok(PyArray1::from_vec(py, buffer))
        }
        Some(obj) => {
            let array = obj.cast::<PyArray1<i32>>().map_err(|_| {
                kernel_error(format!("{label}: out must be a 1-D numpy array of int32"))
            })?;
            let mut view = array
                .try_readwrite()
                .map_err(|_| kernel_error(format!("{label}: out must be a writeable array")))?;
            let slice = view
                .as_slice_mut()
                .map_err(|_| kernel_error(format!("{label}: out must be C-contiguous")))?;
            if slice.len() != n {
                return Err(kernel_error(format!(
                    "{label}: out must have the inputs' length {n}, got {}",
                    slice.len()
                )));
            }
            py.detach(|| guard(label, || work(slice)))
                .map_err(kernel_error)?;
            drop(view);
            Ok(array.clone())
        }
    }
}

/// `cdl!(fn, "NAME", "doc")` or `cdl!(fn, "NAME", penetration = 0.3, "doc")`.
macro_rules! cdl {
    ($fn:ident, $name:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = (open, high, low, close, *, out = None))]
        pub fn $fn<'py>(
            py: Python<'py>,
            open: &Bound<'py, PyAny>,
            high: &Bound<'py, PyAny>,
            low: &Bound<'py, PyAny>,
            close: &Bound<'py, PyAny>,
            out: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyArray1<i32>>> {
            run_pattern(py, $name, open, high, low, close, None, out)
        }
    };
    ($fn:ident, $name:literal, penetration = $default:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = (open, high, low, close, penetration = $default, *, out = None))]
        #[allow(clippy::too_many_arguments)]
        pub fn $fn<'py>(
            py: Python<'py>,
            open: &Bound<'py, PyAny>,
            high: &Bound<'py, PyAny>,
            low: &Bound<'py, PyAny>,
            close: &Bound<'py, PyAny>,
            penetration: f64,
            out: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyArray1<i32>>> {
            run_pattern(py, $name, open, high, low, close, Some(penetration), out)
        }
    };
}

cdl!(
    cdl2crows,
    "CDL2CROWS",
    "Two crows: long white, a black gapping up, a black closing into the white body."
);
cdl!(cdl3blackcrows, "CDL3BLACKCROWS", "Three black crows: after a white, three falling blacks opening within the prior body and closing near their lows.");
cdl!(
    cdl3inside,
    "CDL3INSIDE",
    "Three inside up/down: a harami confirmed by a third candle closing beyond the first open."
);
cdl!(
    cdl3linestrike,
    "CDL3LINESTRIKE",
    "Three-line strike: three candles in a trend, then one opposite candle wiping them out."
);
cdl!(
    cdl3outside,
    "CDL3OUTSIDE",
    "Three outside up/down: an engulfing confirmed by a third candle closing further."
);
cdl!(
    cdl3starsinsouth,
    "CDL3STARSINSOUTH",
    "Three stars in the south: three shrinking blacks with rising lows, the last a marubozu."
);
cdl!(cdl3whitesoldiers, "CDL3WHITESOLDIERS", "Three white soldiers: three rising whites, each opening within the prior body, short upper shadows, not shrinking much.");
cdl!(
    cdlabandonedbaby,
    "CDLABANDONEDBABY",
    penetration = 0.3,
    "Abandoned baby: long body, a doji gapping away (shadows included), a reversal gapping back."
);
cdl!(
    cdladvanceblock,
    "CDLADVANCEBLOCK",
    "Advance block: three rising whites losing strength (shrinking bodies or long upper shadows)."
);
cdl!(
    cdlbelthold,
    "CDLBELTHOLD",
    "Belt hold: long body with no shadow on the opening side."
);
cdl!(
    cdlbreakaway,
    "CDLBREAKAWAY",
    "Breakaway: a long candle, a gap, three candles drifting on, a reversal into the gap."
);
cdl!(
    cdlclosingmarubozu,
    "CDLCLOSINGMARUBOZU",
    "Closing marubozu: long body with no shadow on the closing side."
);
cdl!(cdlconcealbabyswall, "CDLCONCEALBABYSWALL", "Concealing baby swallow: two black marubozu, a black gapping down with an upper shadow into the prior body, a black engulfing it.");
cdl!(
    cdlcounterattack,
    "CDLCOUNTERATTACK",
    "Counterattack: two long opposite bodies closing at the same price."
);
cdl!(
    cdldarkcloudcover,
    "CDLDARKCLOUDCOVER",
    penetration = 0.5,
    "Dark cloud cover: long white, then black opening above its high and closing well into it."
);
cdl!(
    cdldoji,
    "CDLDOJI",
    "Doji: body no larger than 10% of the average range."
);
cdl!(
    cdldojistar,
    "CDLDOJISTAR",
    "Doji star: a long body followed by a doji gapping away in its direction."
);
cdl!(
    cdldragonflydoji,
    "CDLDRAGONFLYDOJI",
    "Dragonfly doji: doji with no upper shadow and a lower shadow that is not very short."
);
cdl!(
    cdlengulfing,
    "CDLENGULFING",
    "Engulfing: the second body engulfs the first of opposite colour (80 when one end matches)."
);
cdl!(
    cdleveningdojistar,
    "CDLEVENINGDOJISTAR",
    penetration = 0.3,
    "Evening doji star: an evening star whose middle candle is a doji."
);
cdl!(
    cdleveningstar,
    "CDLEVENINGSTAR",
    penetration = 0.3,
    "Evening star: long white, a short body gapping up, a black closing well into the first."
);
cdl!(
    cdlgapsidesidewhite,
    "CDLGAPSIDESIDEWHITE",
    "Up/down-gap side-by-side white lines: two similar whites after a gap."
);
cdl!(
    cdlgravestonedoji,
    "CDLGRAVESTONEDOJI",
    "Gravestone doji: doji with no lower shadow and an upper shadow that is not very short."
);
cdl!(
    cdlhammer,
    "CDLHAMMER",
    "Hammer: small body, long lower shadow, almost no upper shadow, near the prior low."
);
cdl!(
    cdlhangingman,
    "CDLHANGINGMAN",
    "Hanging man: a hammer's shape near the prior candle's high."
);
cdl!(
    cdlharami,
    "CDLHARAMI",
    "Harami: a long body followed by a short body inside it."
);
cdl!(
    cdlharamicross,
    "CDLHARAMICROSS",
    "Harami cross: a long body followed by a doji inside it."
);
cdl!(
    cdlhighwave,
    "CDLHIGHWAVE",
    "High wave: small body with both shadows very long."
);
cdl!(
    cdlhikkake,
    "CDLHIKKAKE",
    "Hikkake: an inside bar followed by a false breakout (+/-100), confirmed later (+/-200)."
);
cdl!(cdlhikkakemod, "CDLHIKKAKEMOD", "Modified hikkake: two nested inside bars, the second closing near its extreme, then a false breakout (+/-100), confirmed later (+/-200).");
cdl!(
    cdlhomingpigeon,
    "CDLHOMINGPIGEON",
    "Homing pigeon: long black, then a short black body inside it."
);
cdl!(
    cdlidentical3crows,
    "CDLIDENTICAL3CROWS",
    "Identical three crows: three falling blacks, each opening at the prior close."
);
cdl!(
    cdlinneck,
    "CDLINNECK",
    "In-neck: long black, then white opening below its low and closing just into its body."
);
cdl!(
    cdlinvertedhammer,
    "CDLINVERTEDHAMMER",
    "Inverted hammer: small body, long upper shadow, gapping down from the prior body."
);
cdl!(
    cdlkicking,
    "CDLKICKING",
    "Kicking: two opposite marubozu with a gap; the sign is the second candle's colour."
);
cdl!(
    cdlkickingbylength,
    "CDLKICKINGBYLENGTH",
    "Kicking by length: kicking, with the sign of the longer marubozu."
);
cdl!(
    cdlladderbottom,
    "CDLLADDERBOTTOM",
    "Ladder bottom: three falling blacks, a black with an upper shadow, a white gapping up."
);
cdl!(
    cdllongleggeddoji,
    "CDLLONGLEGGEDDOJI",
    "Long-legged doji: doji with one long shadow."
);
cdl!(
    cdllongline,
    "CDLLONGLINE",
    "Long line: long body with short shadows."
);
cdl!(
    cdlmarubozu,
    "CDLMARUBOZU",
    "Marubozu: long body with (almost) no shadows; the sign is the candle's colour."
);
cdl!(
    cdlmatchinglow,
    "CDLMATCHINGLOW",
    "Matching low: two black candles closing at (nearly) the same price."
);
cdl!(cdlmathold, "CDLMATHOLD", penetration = 0.5, "Mat hold: long white, three small candles holding within it after a gap, a white closing at a new high.");
cdl!(
    cdlmorningdojistar,
    "CDLMORNINGDOJISTAR",
    penetration = 0.3,
    "Morning doji star: a morning star whose middle candle is a doji."
);
cdl!(
    cdlmorningstar,
    "CDLMORNINGSTAR",
    penetration = 0.3,
    "Morning star: long black, a short body gapping down, a white closing well into the first."
);
cdl!(
    cdlonneck,
    "CDLONNECK",
    "On-neck: long black, then white opening below its low and closing at its low."
);
cdl!(
    cdlpiercing,
    "CDLPIERCING",
    "Piercing: long black, then long white opening below its low and closing above its middle."
);
cdl!(
    cdlrickshawman,
    "CDLRICKSHAWMAN",
    "Rickshaw man: long-legged doji whose body sits near the middle of the range."
);
cdl!(cdlrisefall3methods, "CDLRISEFALL3METHODS", "Rising/falling three methods: long candle, three small opposite ones inside its range, a long one continuing the trend.");
cdl!(
    cdlseparatinglines,
    "CDLSEPARATINGLINES",
    "Separating lines: opposite colours opening at the same price, the second a belt hold."
);
cdl!(
    cdlshootingstar,
    "CDLSHOOTINGSTAR",
    "Shooting star: small body, long upper shadow, gapping up from the prior body."
);
cdl!(
    cdlshortline,
    "CDLSHORTLINE",
    "Short line: short body with short shadows."
);
cdl!(
    cdlspinningtop,
    "CDLSPINNINGTOP",
    "Spinning top: small body with both shadows longer than the body."
);
cdl!(
    cdlstalledpattern,
    "CDLSTALLEDPATTERN",
    "Stalled pattern: two long rising whites, then a small white near the second's close."
);
cdl!(
    cdlsticksandwich,
    "CDLSTICKSANDWICH",
    "Stick sandwich: black, white trading above its close, black closing at the first close."
);
cdl!(
    cdltakuri,
    "CDLTAKURI",
    "Takuri: dragonfly doji with a very long lower shadow."
);
cdl!(cdltasukigap, "CDLTASUKIGAP", "Tasuki gap: a gap in the trend, then two opposite candles of similar size, the second not closing the gap.");
cdl!(
    cdlthrusting,
    "CDLTHRUSTING",
    "Thrusting: long black, then white opening below its low and closing under its middle."
);
cdl!(
    cdltristar,
    "CDLTRISTAR",
    "Tri-star: three dojis, the middle one gapping away from both."
);
cdl!(
    cdlunique3river,
    "CDLUNIQUE3RIVER",
    "Unique three river: long black, a black hammer-like candle with a new low, a small white."
);
cdl!(cdlupsidegap2crows, "CDLUPSIDEGAP2CROWS", "Upside gap two crows: long white, a short black gapping up, a black engulfing it but still above the white's close.");
cdl!(cdlxsidegap3methods, "CDLXSIDEGAP3METHODS", "Upside/downside gap three methods: two candles gapping in the trend, a third of opposite colour closing the gap.");

/// Resolve `patterns` (names, any case) or every pattern when `None`.
fn selection(label: &str, patterns: Option<Vec<String>>) -> PyResult<Vec<&'static PatternDef>> {
    match patterns {
        None => Ok(pat::PATTERNS.iter().collect()),
        Some(names) => names
            .iter()
            .map(|n| {
                pat::find(n).ok_or_else(|| {
                    kernel_error(format!(
                        "{label}: unknown pattern {n:?}; valid names are CDL2CROWS ... \
                         CDLXSIDEGAP3METHODS (deepalpha_kernel.PATTERNS)"
                    ))
                })
            })
            .collect(),
    }
}

/// The caller's grid for `scan(out=...)`: a writeable C-contiguous int16 array of shape
/// `(rows, n)`, checked so that the error names what is wrong.
fn out_grid<'py>(
    obj: &Bound<'py, PyAny>,
    rows: usize,
    n: usize,
) -> PyResult<Bound<'py, PyArray2<i16>>> {
    let grid = obj.cast::<PyArray2<i16>>().map_err(|_| {
        kernel_error(format!(
            "scan: out must be a 2-D numpy array of int16 with shape ({rows}, {n})"
        ))
    })?;
    let shape = grid.shape();
    if shape != [rows, n] {
        return Err(kernel_error(format!(
            "scan: out must have shape ({rows}, {n}) (patterns x candles), got ({}, {})",
            shape[0], shape[1]
        )));
    }
    if !grid.is_c_contiguous() {
        return Err(kernel_error("scan: out must be C-contiguous"));
    }
    Ok(grid.clone())
}

/// Every pattern (or those named in `patterns`) in one pass over the candles, sharing TA-Lib's
/// running averages; returns a dict TA-Lib name -> int16 array, each a row of one 2-D array:
/// a new one, or `out` (int16, shape `(len(patterns), n)`), which is overwritten entirely.
/// The values are TA-Lib's (0, +/-80, +/-100, +/-200); int16 rather than TA-Lib's int32
/// halves the memory a large grid takes to write and, when new, to fault in. A reused `out`
/// also saves the operating system's zeroing of fresh pages.
#[pyfunction]
#[pyo3(signature = (open, high, low, close, *, patterns = None, out = None))]
pub fn scan<'py>(
    py: Python<'py>,
    open: &Bound<'py, PyAny>,
    high: &Bound<'py, PyAny>,
    low: &Bound<'py, PyAny>,
    close: &Bound<'py, PyAny>,
    patterns: Option<Vec<String>>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let defs = selection("scan", patterns)?;
    let [o, h, l, c] = inputs(
        "scan",
        [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ],
    )?;
    let (o, h, l, c) = (o.as_slice(), h.as_slice(), l.as_slice(), c.as_slice());
    let n = o.len();
    let grid = match out {
        Some(obj) => out_grid(obj, defs.len(), n)?,
        // numpy allocates the grid: for large arrays it asks the kernel for huge pages, which
        // halves the cost of first touching 61 x n int16 values.
        None => PyArray2::<i16>::zeros(py, [defs.len(), n], false),
    };
    {
        let mut view = grid
            .try_readwrite()
            .map_err(|_| kernel_error("scan: out must be a writeable array"))?;
        let slice = view
            .as_slice_mut()
            .map_err(|_| kernel_error("scan: out must be C-contiguous"))?;
        py.detach(|| guard("scan", || pat::scan(&defs, o, h, l, c, slice)))
            .map_err(kernel_error)?;
    }
    let result = PyDict::new(py);
    for (p, d) in defs.iter().enumerate() {
        result.set_item(d.name, grid.get_item(p)?)?;
    }
    Ok(result)
}

/// Streaming scan: `update(open, high, low, close)` returns a dict TA-Lib name -> int for the
/// new candle, equal to `scan(...)[name][i]` at every index.
#[pyclass(module = "deepalpha_kernel", name = "PatternScanner")]
pub struct PyPatternScanner {
    inner: RustScanner,
}

impl PyPatternScanner {
    fn to_dict<'py>(&self, py: Python<'py>, values: &[i32]) -> PyResult<Bound<'py, PyDict>> {
        let result = PyDict::new(py);
        for (d, v) in self.inner.patterns().iter().zip(values) {
            result.set_item(d.name, *v)?;
        }
        Ok(result)
    }
}

#[pymethods]
impl PyPatternScanner {
    #[new]
    #[pyo3(signature = (patterns = None))]
    fn new(patterns: Option<Vec<String>>) -> PyResult<Self> {
        let defs = selection("PatternScanner", patterns)?;
        Ok(Self {
            inner: RustScanner::new(&defs),
        })
    }

    /// Feed one candle; returns every pattern's output for it.
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let values = self.inner.update(open, high, low, close).to_vec();
        self.to_dict(py, &values)
    }

    /// Feed one candle; returns `(index, output)` of the patterns whose output is not zero, in
    /// `names` order. Most candles fire nothing, so a streaming caller pays for an empty tuple
    /// instead of a dict of every pattern.
    fn update_fired<'py>(
        &mut self,
        py: Python<'py>,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let values = self.inner.update(open, high, low, close);
        let fired: Vec<(usize, i32)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(i, v)| (i, *v))
            .collect();
        PyTuple::new(py, fired)
    }

    /// The outputs of the last candle (zeros before the first).
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.to_dict(py, self.inner.value())
    }

    /// True once every pattern is past its lookback.
    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    /// The TA-Lib names of the patterns, in output order.
    #[getter]
    fn names<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.patterns().iter().map(|d| d.name))
    }

    /// Forget every candle, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset()
    }

    fn __repr__(&self) -> String {
        format!("PatternScanner({} patterns)", self.inner.patterns().len())
    }
}

/// TA-Lib names of the implemented patterns, in `scan` order.
pub fn names() -> Vec<&'static str> {
    pat::PATTERNS.iter().map(|d| d.name).collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cdl2crows, m)?)?;
    m.add_function(wrap_pyfunction!(cdl3blackcrows, m)?)?;
    m.add_function(wrap_pyfunction!(cdl3inside, m)?)?;
    m.add_function(wrap_pyfunction!(cdl3linestrike, m)?)?;
    m.add_function(wrap_pyfunction!(cdl3outside, m)?)?;
    m.add_function(wrap_pyfunction!(cdl3starsinsouth, m)?)?;
    m.add_function(wrap_pyfunction!(cdl3whitesoldiers, m)?)?;
    m.add_function(wrap_pyfunction!(cdlabandonedbaby, m)?)?;
    m.add_function(wrap_pyfunction!(cdladvanceblock, m)?)?;
    m.add_function(wrap_pyfunction!(cdlbelthold, m)?)?;
    m.add_function(wrap_pyfunction!(cdlbreakaway, m)?)?;
    m.add_function(wrap_pyfunction!(cdlclosingmarubozu, m)?)?;
    m.add_function(wrap_pyfunction!(cdlconcealbabyswall, m)?)?;
    m.add_function(wrap_pyfunction!(cdlcounterattack, m)?)?;
    m.add_function(wrap_pyfunction!(cdldarkcloudcover, m)?)?;
    m.add_function(wrap_pyfunction!(cdldoji, m)?)?;
    m.add_function(wrap_pyfunction!(cdldojistar, m)?)?;
    m.add_function(wrap_pyfunction!(cdldragonflydoji, m)?)?;
    m.add_function(wrap_pyfunction!(cdlengulfing, m)?)?;
    m.add_function(wrap_pyfunction!(cdleveningdojistar, m)?)?;
    m.add_function(wrap_pyfunction!(cdleveningstar, m)?)?;
    m.add_function(wrap_pyfunction!(cdlgapsidesidewhite, m)?)?;
    m.add_function(wrap_pyfunction!(cdlgravestonedoji, m)?)?;
    m.add_function(wrap_pyfunction!(cdlhammer, m)?)?;
    m.add_function(wrap_pyfunction!(cdlhangingman, m)?)?;
    m.add_function(wrap_pyfunction!(cdlharami, m)?)?;
    m.add_function(wrap_pyfunction!(cdlharamicross, m)?)?;
    m.add_function(wrap_pyfunction!(cdlhighwave, m)?)?;
    m.add_function(wrap_pyfunction!(cdlhikkake, m)?)?;
    m.add_function(wrap_pyfunction!(cdlhikkakemod, m)?)?;
    m.add_function(wrap_pyfunction!(cdlhomingpigeon, m)?)?;
    m.add_function(wrap_pyfunction!(cdlidentical3crows, m)?)?;
    m.add_function(wrap_pyfunction!(cdlinneck, m)?)?;
    m.add_function(wrap_pyfunction!(cdlinvertedhammer, m)?)?;
    m.add_function(wrap_pyfunction!(cdlkicking, m)?)?;
    m.add_function(wrap_pyfunction!(cdlkickingbylength, m)?)?;
    m.add_function(wrap_pyfunction!(cdlladderbottom, m)?)?;
    m.add_function(wrap_pyfunction!(cdllongleggeddoji, m)?)?;
    m.add_function(wrap_pyfunction!(cdllongline, m)?)?;
    m.add_function(wrap_pyfunction!(cdlmarubozu, m)?)?;
    m.add_function(wrap_pyfunction!(cdlmatchinglow, m)?)?;
    m.add_function(wrap_pyfunction!(cdlmathold, m)?)?;
    m.add_function(wrap_pyfunction!(cdlmorningdojistar, m)?)?;
    m.add_function(wrap_pyfunction!(cdlmorningstar, m)?)?;
    m.add_function(wrap_pyfunction!(cdlonneck, m)?)?;
    m.add_function(wrap_pyfunction!(cdlpiercing, m)?)?;
    m.add_function(wrap_pyfunction!(cdlrickshawman, m)?)?;
    m.add_function(wrap_pyfunction!(cdlrisefall3methods, m)?)?;
    m.add_function(wrap_pyfunction!(cdlseparatinglines, m)?)?;
    m.add_function(wrap_pyfunction!(cdlshootingstar, m)?)?;
    m.add_function(wrap_pyfunction!(cdlshortline, m)?)?;
    m.add_function(wrap_pyfunction!(cdlspinningtop, m)?)?;
    m.add_function(wrap_pyfunction!(cdlstalledpattern, m)?)?;
    m.add_function(wrap_pyfunction!(cdlsticksandwich, m)?)?;
    m.add_function(wrap_pyfunction!(cdltakuri, m)?)?;
    m.add_function(wrap_pyfunction!(cdltasukigap, m)?)?;
    m.add_function(wrap_pyfunction!(cdlthrusting, m)?)?;
    m.add_function(wrap_pyfunction!(cdltristar, m)?)?;
    m.add_function(wrap_pyfunction!(cdlunique3river, m)?)?;
    m.add_function(wrap_pyfunction!(cdlupsidegap2crows, m)?)?;
    m.add_function(wrap_pyfunction!(cdlxsidegap3methods, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_class::<PyPatternScanner>()?;
    m.add("PATTERN_NAMES", PyTuple::new(m.py(), names())?)?;
    Ok(())
}
