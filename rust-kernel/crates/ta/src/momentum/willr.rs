//! Williams' %R (TA-Lib `WILLR`), lookback `n - 1`:
//! `-100 * ((highest_high - close) / (highest_high - lowest_low))`, 0 when the range is empty by
//! TA-Lib 0.8's relative test (`params::is_empty_range`).

use crate::error::Result;
use crate::overlap::midpoint::{extremes_map, prefetch, prefetch_write, Extreme, CHUNK};
use crate::params;

#[inline(always)]
fn ratio(hi: f64, lo: f64, close: f64) -> f64 {
    // TA-Lib 0.8's operation order (bit-identical results).
    let diff = hi - lo;
    if !params::is_empty_range(hi, lo) {
        -100.0 * ((hi - close) / diff)
    } else {
        0.0
    }
}

#[derive(Debug, Clone)]
pub struct WilliamsR {
    max: Extreme,
    min: Extreme,
    started: bool,
    value: f64,
}

impl WilliamsR {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("willr", "timeperiod", timeperiod, 2)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = Self::check(timeperiod)?;
        Ok(Self {
            max: Extreme::new(n, true),
            min: Extreme::new(n, false),
            started: false,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if !self.started {
            if high.is_nan() || low.is_nan() || close.is_nan() {
                return f64::NAN;
            }
            self.started = true;
        }
        let hi = self.max.update(high);
        let lo = self.min.update(low);
        if !self.max.is_full() {
            return f64::NAN;
        }
        self.value = ratio(hi, lo, close);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.max.is_full()
    }

    pub fn reset(&mut self) {
        self.max.reset();
        self.min.reset();
        self.started = false;
        self.value = f64::NAN;
    }
}

/// Batch WILLR.
pub fn willr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let n = WilliamsR::check(timeperiod)?;
    crate::volatility::trange::check_hlc("willr", high, low, close, out)?;
    // A gap is refused (see `params::first_valid_no_gaps`): the closes are scanned here, the highs
    // and lows by the extremes kernel on the way.
    let begin = params::first_valid_all(&[high, low, close]);
    params::refuse_nan_after("willr", &[("close", close)], begin)?;
    params::fill_nan(out, begin + n - 1);
    let clean = extremes_map(
        high,
        low,
        begin,
        n,
        #[inline(always)]
        |t, run| {
            let (out, close) = (&mut out[t..], &close[t..]);
            // The next run's closes and outputs, ahead of time (the extremes prefetch their inputs).
            prefetch(close.get(run.len()..).unwrap_or(&[]), CHUNK);
            prefetch_write(out.get(run.len()..).unwrap_or(&[]), CHUNK);
            run.map(close, out, ratio);
        },
    );
    params::refuse_nan_past("willr", &[("high", high), ("low", low)], begin, clean)?;
    Ok(())
}
