//! Stochastic oscillators (TA-Lib `STOCH`, `STOCHF`, `STOCHRSI`).
//!
//! `%K = 100 ((close - LL) / (HH - LL))` over `fastk_period` candles (0 when the range is empty by
//! TA-Lib 0.8's relative test, `params::is_empty_range`, which matters for STOCHRSI on flat RSI
//! stretches; TA-Lib 0.8's operation order). `STOCHF` returns `%K` and `%D = MA(%K)`; `STOCH`
//! smooths twice, `slowk = MA(%K, slowk_period)` and `slowd = MA(slowk, slowd_period)`; `STOCHRSI`
//! is `STOCHF` of `RSI(real)` (with the RSI as high, low and close). The moving averages are
//! TA-Lib's `MA` with `matype` 0 (SMA) or 1 (EMA); a period of 1 copies its input, as `TA_MA`
//! does. All outputs of one call share the total lookback (TA-Lib's alignment):
//! `fastk_period - 1` plus the lookbacks of the averages (`period - 1` each).
//!
//! The window extremes come from the same kernel as `WILLR` (`midpoint::extremes_map`), so the
//! batch touches each candle a bounded number of times whatever `fastk_period` is (TA-Lib rescans
//! the window when its extreme leaves it).

use crate::error::{KernelError, Result};
use crate::momentum::rsi::{self, RelativeStrengthIndex};
use crate::overlap::ema::{self, ExponentialMovingAverage};
use crate::overlap::midpoint::{extremes, Extreme};
use crate::overlap::sma::{self, SimpleMovingAverage};
use crate::params;

/// The moving averages TA-Lib's `MA` offers that this kernel implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaType {
    Sma,
    Ema,
}

impl MaType {
    /// TA-Lib's `matype` code: 0 = SMA, 1 = EMA; the others (WMA, DEMA, TEMA, TRIMA, KAMA, MAMA,
    /// T3) are refused with an error naming the parameter.
    pub fn from_code(indicator: &'static str, name: &'static str, code: i64) -> Result<Self> {
        match code {
            0 => Ok(Self::Sma),
            1 => Ok(Self::Ema),
            _ => Err(KernelError::InvalidParameter {
                indicator,
                name,
                value: code.to_string(),
                expected: "must be 0 (SMA) or 1 (EMA); other moving averages are not supported yet"
                    .into(),
            }),
        }
    }
}

/// `MA(input)` into `out[period - 1..]` (both slices start at the first valid input).
pub(crate) fn ma_batch(kind: MaType, input: &[f64], period: usize, out: &mut [f64]) {
    if period == 1 {
        out.copy_from_slice(input);
        return;
    }
    match kind {
        MaType::Sma => sma::core(input, period, out),
        MaType::Ema => ema::core(input, period, params::per_to_k(period), out),
    }
}

/// One moving-average stage of a stream.
#[derive(Debug, Clone)]
pub(crate) enum MaStage {
    Copy,
    Sma(SimpleMovingAverage),
    Ema(ExponentialMovingAverage),
}

impl MaStage {
    pub(crate) fn new(kind: MaType, period: usize) -> Self {
        match (period, kind) {
            (1, _) => Self::Copy,
            (_, MaType::Sma) => Self::Sma(SimpleMovingAverage::unchecked(period)),
            (_, MaType::Ema) => Self::Ema(ExponentialMovingAverage::unchecked(period)),
        }
    }

    /// Feed a defined value; returns the average once it is defined.
    #[inline]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        match self {
            Self::Copy => Some(x),
            Self::Sma(s) => {
                let v = s.update(x);
                s.is_ready().then_some(v)
            }
            Self::Ema(s) => {
                let v = s.update(x);
                s.is_ready().then_some(v)
            }
        }
    }

    pub(crate) fn reset(&mut self) {
        match self {
            Self::Copy => {}
            Self::Sma(s) => s.reset(),
            Self::Ema(s) => s.reset(),
        }
    }
}

#[inline(always)]
fn percent_k(highest: f64, lowest: f64, close: f64) -> f64 {
    let diff = highest - lowest;
    if !params::is_empty_range(highest, lowest) {
        100.0 * ((close - lowest) / diff)
    } else {
        0.0
    }
}

fn check_period(indicator: &'static str, name: &'static str, v: i64, min: i64) -> Result<usize> {
    params::period(indicator, name, v, min)
}

/// Validated STOCH parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StochParams {
    pub fastk: usize,
    pub slowk: usize,
    pub slowk_ma: MaType,
    pub slowd: usize,
    pub slowd_ma: MaType,
}

impl StochParams {
    pub fn check(fastk: i64, slowk: i64, slowk_ma: i64, slowd: i64, slowd_ma: i64) -> Result<Self> {
        Ok(Self {
            fastk: check_period("stoch", "fastk_period", fastk, 1)?,
            slowk: check_period("stoch", "slowk_period", slowk, 1)?,
            slowk_ma: MaType::from_code("stoch", "slowk_matype", slowk_ma)?,
            slowd: check_period("stoch", "slowd_period", slowd, 1)?,
            slowd_ma: MaType::from_code("stoch", "slowd_matype", slowd_ma)?,
        })
    }

    pub fn lookback(&self) -> usize {
        self.fastk - 1 + self.slowk - 1 + self.slowd - 1
    }
}

/// Validated STOCHF (and STOCHRSI) parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StochFParams {
    pub fastk: usize,
    pub fastd: usize,
    pub fastd_ma: MaType,
}

impl StochFParams {
    pub fn check(indicator: &'static str, fastk: i64, fastd: i64, fastd_ma: i64) -> Result<Self> {
        Ok(Self {
            fastk: check_period(indicator, "fastk_period", fastk, 1)?,
            fastd: check_period(indicator, "fastd_period", fastd, 1)?,
            fastd_ma: MaType::from_code(indicator, "fastd_matype", fastd_ma)?,
        })
    }

    pub fn lookback(&self) -> usize {
        self.fastk - 1 + self.fastd - 1
    }
}

/// `%K` of the candles from `begin` into `out[begin + fastk - 1..]`; returns what
/// [`extremes`] returns (where its NaN-free kernels stopped).
fn fast_k(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    begin: usize,
    n: usize,
    out: &mut [f64],
) -> usize {
    extremes(high, low, begin, n, |i, hh, ll| {
        out[i] = percent_k(hh, ll, close[i])
    })
}

/// The start of STOCH and STOCHF, which refuse a gap (see `params::first_valid_no_gaps`): the
/// closes are scanned here, the highs and lows by the extremes kernel on the way.
fn begin_without_close_gaps(
    indicator: &'static str,
    h: &[f64],
    l: &[f64],
    c: &[f64],
) -> Result<usize> {
    let begin = params::first_valid_all(&[h, l, c]);
    params::refuse_nan_after(indicator, &[("close", c)], begin)?;
    Ok(begin)
}

/// Batch STOCH into `(slowk, slowd)`.
#[allow(clippy::too_many_arguments)]
pub fn stoch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    p: StochParams,
    out_slowk: &mut [f64],
    out_slowd: &mut [f64],
) -> Result<()> {
    crate::volatility::trange::check_hlc("stoch", high, low, close, out_slowk)?;
    params::same_len("stoch", "high", high.len(), "out", out_slowd.len())?;
    let begin = begin_without_close_gaps("stoch", high, low, close)?;
    let start = begin + p.lookback();
    if start >= high.len() {
        params::fill_nan(out_slowk, high.len());
        params::fill_nan(out_slowd, high.len());
        return Ok(());
    }
    // %K goes to `out_slowd` (scratch), slow %K to `out_slowk`, then slow %D over it.
    let k0 = begin + p.fastk - 1;
    let clean = fast_k(high, low, close, begin, p.fastk, out_slowd);
    params::refuse_nan_past("stoch", &[("high", high), ("low", low)], begin, clean)?;
    ma_batch(p.slowk_ma, &out_slowd[k0..], p.slowk, &mut out_slowk[k0..]);
    let s0 = k0 + p.slowk - 1;
    ma_batch(p.slowd_ma, &out_slowk[s0..], p.slowd, &mut out_slowd[s0..]);
    params::fill_nan(out_slowk, start);
    params::fill_nan(out_slowd, start);
    Ok(())
}

/// Batch STOCHF into `(fastk, fastd)`.
pub fn stochf(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    p: StochFParams,
    out_fastk: &mut [f64],
    out_fastd: &mut [f64],
) -> Result<()> {
    crate::volatility::trange::check_hlc("stochf", high, low, close, out_fastk)?;
    params::same_len("stochf", "high", high.len(), "out", out_fastd.len())?;
    let begin = begin_without_close_gaps("stochf", high, low, close)?;
    let clean = stochf_from(high, low, close, begin, p, out_fastk, out_fastd);
    params::refuse_nan_past("stochf", &[("high", high), ("low", low)], begin, clean)
}

fn stochf_from(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    begin: usize,
    p: StochFParams,
    out_fastk: &mut [f64],
    out_fastd: &mut [f64],
) -> usize {
    let start = begin + p.lookback();
    if start >= high.len() {
        params::fill_nan(out_fastk, high.len());
        params::fill_nan(out_fastd, high.len());
        return high.len();
    }
    let k0 = begin + p.fastk - 1;
    let clean = fast_k(high, low, close, begin, p.fastk, out_fastk);
    ma_batch(p.fastd_ma, &out_fastk[k0..], p.fastd, &mut out_fastd[k0..]);
    params::fill_nan(out_fastk, start);
    params::fill_nan(out_fastd, start);
    clean
}

/// Batch STOCHRSI into `(fastk, fastd)`.
pub fn stochrsi(
    real: &[f64],
    timeperiod: usize,
    p: StochFParams,
    out_fastk: &mut [f64],
    out_fastd: &mut [f64],
) -> Result<()> {
    let n = rsi::check(timeperiod)?;
    params::same_len("stochrsi", "real", real.len(), "out", out_fastk.len())?;
    params::same_len("stochrsi", "real", real.len(), "out", out_fastd.len())?;
    let mut r = vec![0.0; real.len()];
    rsi::rsi(real, n, &mut r)?;
    let begin = params::first_valid(real) + rsi::lookback(n);
    // STOCHRSI reproduces TA-Lib across a gap (the stream's comparisons take over from a NaN on),
    // so where the NaN-free kernel stopped does not matter here.
    let _ = stochf_from(&r, &r, &r, begin, p, out_fastk, out_fastd);
    Ok(())
}

/// Streaming `%K` over the last `n` candles.
#[derive(Debug, Clone)]
struct FastK {
    max: Extreme,
    min: Extreme,
    started: bool,
}

impl FastK {
    fn new(n: usize) -> Self {
        Self {
            max: Extreme::new(n, true),
            min: Extreme::new(n, false),
            started: false,
        }
    }

    #[inline]
    fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        if !self.started {
            if high.is_nan() || low.is_nan() || close.is_nan() {
                return None;
            }
            self.started = true;
        }
        let hh = self.max.update(high);
        let ll = self.min.update(low);
        self.max.is_full().then(|| percent_k(hh, ll, close))
    }

    fn reset(&mut self) {
        self.max.reset();
        self.min.reset();
        self.started = false;
    }
}

/// Streaming STOCH; `update(high, low, close)` returns `(slowk, slowd)`.
#[derive(Debug, Clone)]
pub struct Stochastic {
    k: FastK,
    slowk: MaStage,
    slowd: MaStage,
    value: (f64, f64),
}

impl Stochastic {
    pub fn new(p: StochParams) -> Self {
        Self {
            k: FastK::new(p.fastk),
            slowk: MaStage::new(p.slowk_ma, p.slowk),
            slowd: MaStage::new(p.slowd_ma, p.slowd),
            value: (f64::NAN, f64::NAN),
        }
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64) {
        let out = self
            .k
            .update(high, low, close)
            .and_then(|k| self.slowk.update(k))
            .and_then(|sk| Some((sk, self.slowd.update(sk)?)));
        match out {
            Some(v) => {
                self.value = v;
                v
            }
            None => (f64::NAN, f64::NAN),
        }
    }

    pub fn value(&self) -> (f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        !self.value.0.is_nan() || !self.value.1.is_nan()
    }

    pub fn reset(&mut self) {
        self.k.reset();
        self.slowk.reset();
        self.slowd.reset();
        self.value = (f64::NAN, f64::NAN);
    }
}

/// Streaming STOCHF; `update(high, low, close)` returns `(fastk, fastd)`.
#[derive(Debug, Clone)]
pub struct StochasticFast {
    k: FastK,
    fastd: MaStage,
    value: (f64, f64),
}

impl StochasticFast {
    pub fn new(p: StochFParams) -> Self {
        Self {
            k: FastK::new(p.fastk),
            fastd: MaStage::new(p.fastd_ma, p.fastd),
            value: (f64::NAN, f64::NAN),
        }
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64) {
        let out = self
            .k
            .update(high, low, close)
            .and_then(|k| Some((k, self.fastd.update(k)?)));
        match out {
            Some(v) => {
                self.value = v;
                v
            }
            None => (f64::NAN, f64::NAN),
        }
    }

    pub fn value(&self) -> (f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        !self.value.0.is_nan() || !self.value.1.is_nan()
    }

    pub fn reset(&mut self) {
        self.k.reset();
        self.fastd.reset();
        self.value = (f64::NAN, f64::NAN);
    }
}

/// Streaming STOCHRSI; `update(x)` returns `(fastk, fastd)`.
#[derive(Debug, Clone)]
pub struct StochasticRsi {
    rsi: RelativeStrengthIndex,
    fast: StochasticFast,
}

impl StochasticRsi {
    pub fn new(timeperiod: usize, p: StochFParams) -> Result<Self> {
        Ok(Self {
            rsi: RelativeStrengthIndex::new(timeperiod)?,
            fast: StochasticFast::new(p),
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> (f64, f64) {
        let r = self.rsi.update(x);
        if !self.rsi.is_ready() {
            return (f64::NAN, f64::NAN);
        }
        self.fast.update(r, r, r)
    }

    pub fn value(&self) -> (f64, f64) {
        self.fast.value()
    }

    pub fn is_ready(&self) -> bool {
        self.fast.is_ready()
    }

    pub fn reset(&mut self) {
        self.rsi.reset();
        self.fast.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc, series};

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, c) = ohlc(300, 11);
        for (fk, sk, sd, ma) in [(5, 3, 3, 0), (14, 1, 4, 1), (1, 2, 1, 0), (3, 3, 3, 1)] {
            let p = StochParams::check(fk, sk, ma, sd, 1 - ma).unwrap();
            let (mut a, mut b) = (vec![0.0; h.len()], vec![0.0; h.len()]);
            stoch(&h, &l, &c, p, &mut a, &mut b).unwrap();
            let mut s = Stochastic::new(p);
            let got: Vec<(f64, f64)> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&a, &got.iter().map(|v| v.0).collect::<Vec<_>>());
            assert_same(&b, &got.iter().map(|v| v.1).collect::<Vec<_>>());
            assert_eq!(a.iter().take_while(|v| v.is_nan()).count(), p.lookback());
        }
        let x = series(300, 12);
        let p = StochFParams::check("stochrsi", 5, 3, 0).unwrap();
        let (mut a, mut b) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        stochrsi(&x, 14, p, &mut a, &mut b).unwrap();
        let mut s = StochasticRsi::new(14, p).unwrap();
        let got: Vec<(f64, f64)> = x.iter().map(|&v| s.update(v)).collect();
        assert_same(&a, &got.iter().map(|v| v.0).collect::<Vec<_>>());
        assert_same(&b, &got.iter().map(|v| v.1).collect::<Vec<_>>());
    }

    #[test]
    fn other_matypes_are_refused_by_name() {
        assert_eq!(
            StochParams::check(5, 3, 2, 3, 0).unwrap_err().to_string(),
            "stoch: slowk_matype must be 0 (SMA) or 1 (EMA); other moving averages are not \
             supported yet, got 2"
        );
    }
}
