//! Simple moving average (TA-Lib `SMA`).
//!
//! `SMA[i] = (x[i-n+1] + ... + x[i]) / n`. A running total like TA-Lib's, moved in anchored blocks
//! (see [`crate::chain`]): equal to TA-Lib to rounding (a few ulps, not bit for bit) and about
//! three times faster; the streaming object performs the very same operations as the batch loop.

use crate::chain::AnchoredSum;
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
    let out = &mut out[..real.len()];
    each(real, period, |i, v| out[i] = v);
}

/// `put(i, SMA at i)` for every `i >= period - 1`, in order: for callers that combine the average
/// with something else on the fly instead of storing it (APO/PPO) or that store it elsewhere.
///
/// The window total moves by `entering - leaving` in anchored blocks ([`AnchoredSum`]): TA-Lib's
/// running total is one add and one subtract in a chain per candle; here the chain is one add per
/// eight candles, and the division by `n` is a multiplication by `1 / n` (a divide per candle
/// would bound the loop at the divider's throughput). Period 1 is the identity, exactly.
#[inline(always)]
pub(crate) fn each(real: &[f64], period: usize, mut put: impl FnMut(usize, f64)) {
    if period == 1 {
        for (i, &x) in real.iter().enumerate() {
            put(i, x);
        }
        return;
    }
    if real.len() < period {
        return;
    }
    let n = period as f64;
    let inv = 1.0 / n;
    let total = seed(&real[..period]);
    put(period - 1, total / n);
    let mut sum = AnchoredSum::new([total]);
    let (enter, leave) = (&real[period..], &real[..real.len() - period]);
    sum.run_into(
        |t| [enter[t] - leave[t]],
        |t, y| put(period + t, y[0] * inv),
        enter.len(),
    );
}

/// The first window's total, added in order (the stream adds the same values the same way).
#[inline]
fn seed(window: &[f64]) -> f64 {
    let mut total = 0.0;
    for &x in window {
        total += x;
    }
    total
}

/// The mean of the last `period` values, fed one at a time, with exactly the operations of
/// [`each`] (the same seed total, then the same anchored steps): the state of the SMA stream and
/// of TRIMA's two stages.
#[derive(Debug, Clone)]
pub(crate) struct RunningMean {
    window: Vec<f64>,
    pos: usize,
    count: usize,
    sum: AnchoredSum<1>,
}

impl RunningMean {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            window: vec![0.0; period.max(1)],
            pos: 0,
            count: 0,
            sum: AnchoredSum::new([0.0]),
        }
    }

    pub(crate) fn period(&self) -> usize {
        self.window.len()
    }

    /// Add `x`; the mean of the last `period` values once that many have been seen.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) -> Option<f64> {
        let period = self.window.len();
        let leaving = self.window[self.pos];
        self.window[self.pos] = x;
        self.pos += 1;
        if self.pos == period {
            self.pos = 0;
        }
        let n = period as f64;
        if self.count >= period {
            return Some(if period == 1 {
                x
            } else {
                self.sum.step([x - leaving])[0] * (1.0 / n)
            });
        }
        self.count += 1;
        if self.count < period {
            return None;
        }
        // The window filled from slot 0, so it holds the values in arrival order.
        let total = seed(&self.window);
        self.sum = AnchoredSum::new([total]);
        Some(if period == 1 { x } else { total / n })
    }

    pub(crate) fn is_full(&self) -> bool {
        self.count >= self.window.len()
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.window.len());
    }
}

/// Streaming SMA: one `update` per new value, equal to the batch output at the same index.
#[derive(Debug, Clone)]
pub struct SimpleMovingAverage {
    mean: RunningMean,
    value: f64,
}

impl SimpleMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self::unchecked(check(timeperiod)?))
    }

    /// An SMA of any period >= 1 (callers validate; period 1 is the identity, exactly).
    pub(crate) fn unchecked(period: usize) -> Self {
        Self {
            mean: RunningMean::new(period),
            value: f64::NAN,
        }
    }

    pub fn period(&self) -> usize {
        self.mean.period()
    }

    /// Feed the next value; returns the SMA (NaN until `period` values have been seen; leading
    /// NaNs are ignored, like the batch function).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.mean.count == 0 && x.is_nan() {
            return f64::NAN;
        }
        match self.mean.push(x) {
            Some(v) => {
                self.value = v;
                v
            }
            None => f64::NAN,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.mean.is_full()
    }

    pub fn reset(&mut self) {
        self.mean.reset();
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
