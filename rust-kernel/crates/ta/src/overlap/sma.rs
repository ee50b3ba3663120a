//! Simple moving average (TA-Lib `SMA`).
//!
//! `SMA[i] = (x[i-n+1] + ... + x[i]) / n`. Computed with TA-Lib's running total (add the newest,
//! divide, then subtract the oldest) so results match TA-Lib bit for bit rather than drifting by an
//! ULP, and the streaming object performs the very same operations as the batch loop.

use crate::error::Result;
use crate::params;

const NAME: &str = "sma";

/// Validate `timeperiod` (TA-Lib: 2..=100000).
pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 2)
}

/// Number of leading outputs that are NaN.
pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// Batch SMA of `real` into `out` (same length). Leading NaNs of `real` are skipped as TA-Lib's
/// Python wrapper does; the lookback region is NaN.
pub fn sma(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(period));
    if begin + lookback(period) >= real.len() {
        return Ok(());
    }
    core(&real[begin..], period, &mut out[begin..]);
    Ok(())
}

/// The loop shared with other indicators (BBANDS, TRIMA...): writes `out[period-1..]`.
pub(crate) fn core(real: &[f64], period: usize, out: &mut [f64]) {
    let inv = period as f64;
    let mut total = 0.0;
    for &x in &real[..period - 1] {
        total += x;
    }
    for (i, o) in out.iter_mut().enumerate().skip(period - 1) {
        total += real[i];
        let value = total;
        total -= real[i + 1 - period];
        *o = value / inv;
    }
}

/// Streaming SMA: one `update` per new value, equal to the batch output at the same index.
#[derive(Debug, Clone)]
pub struct SimpleMovingAverage {
    period: usize,
    window: Vec<f64>,
    pos: usize,
    count: usize,
    total: f64,
    value: f64,
}

impl SimpleMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self::unchecked(check(timeperiod)?))
    }

    /// An SMA of any period >= 1 (callers validate; period 1 is the identity, exactly).
    pub(crate) fn unchecked(period: usize) -> Self {
        Self {
            period,
            window: vec![0.0; period],
            pos: 0,
            count: 0,
            total: 0.0,
            value: f64::NAN,
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Feed the next value; returns the SMA (NaN until `period` values have been seen; leading
    /// NaNs are ignored, like the batch function).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.count == 0 && x.is_nan() {
            return f64::NAN;
        }
        self.window[self.pos] = x;
        self.pos += 1;
        if self.pos == self.period {
            self.pos = 0;
        }
        self.total += x;
        if self.count < self.period - 1 {
            self.count += 1;
            return f64::NAN;
        }
        self.count = self.period;
        let value = self.total;
        // After the write, `pos` points at the oldest value of the full window.
        self.total -= self.window[self.pos];
        self.value = value / self.period as f64;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.count >= self.period
    }

    pub fn reset(&mut self) {
        self.window.fill(0.0);
        self.pos = 0;
        self.count = 0;
        self.total = 0.0;
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn matches_definition() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let mut out = [0.0; 5];
        sma(&x, 3, &mut out).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[2.0, 3.0, 4.0]);
    }

    #[test]
    fn streaming_equals_batch() {
        for period in [2, 3, 7, 30] {
            let x = series(200, 1);
            let mut out = vec![0.0; x.len()];
            sma(&x, period, &mut out).unwrap();
            let mut s = SimpleMovingAverage::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
            assert!(s.is_ready());
            s.reset();
            assert!(!s.is_ready() && s.value().is_nan());
        }
    }

    #[test]
    fn leading_nan_skipped_and_short_input() {
        let x = [f64::NAN, 1.0, 2.0, 3.0];
        let mut out = [0.0; 4];
        sma(&x, 2, &mut out).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[1.5, 2.5]);
        let mut out = [0.0; 4];
        sma(&x, 10, &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn bad_parameters_are_errors() {
        let mut out = [0.0; 2];
        assert!(sma(&[1.0, 2.0], 1, &mut out).is_err());
        assert!(sma(&[1.0, 2.0], 2, &mut [0.0; 3]).is_err());
        assert!(SimpleMovingAverage::new(0).is_err());
    }
}
