//! Average true range (TA-Lib `ATR`, Wilder smoothing, unstable period 0).
//!
//! The first ATR (index `n`) is the mean of the true ranges at indexes `1..=n`; then
//! `atr = (atr * (n - 1) + tr) / n`. With `n == 1` TA-Lib returns the true range itself.

use crate::error::Result;
use crate::params;
use crate::volatility::trange::{check_hlc, true_range};

const NAME: &str = "atr";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod
}

pub fn atr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let period = check(timeperiod)?;
    check_hlc(NAME, high, low, close, out)?;
    let n = high.len();
    let begin = params::first_valid_all(&[high, low, close]);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= n {
        return Ok(());
    }
    if period == 1 {
        for i in start..n {
            out[i] = true_range(high[i], low[i], close[i - 1]);
        }
        return Ok(());
    }
    let p = period as f64;
    let p1 = (period - 1) as f64;
    let mut total = 0.0;
    for i in begin + 1..=start {
        total += true_range(high[i], low[i], close[i - 1]);
    }
    let mut prev = total / p;
    out[start] = prev;
    for i in start + 1..n {
        prev *= p1;
        prev += true_range(high[i], low[i], close[i - 1]);
        prev /= p;
        out[i] = prev;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AverageTrueRange {
    period: usize,
    prev_close: f64,
    count: usize,
    total: f64,
    value: f64,
}

impl AverageTrueRange {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            prev_close: f64::NAN,
            count: 0,
            total: 0.0,
            value: f64::NAN,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if self.count == 0 {
            if high.is_nan() || low.is_nan() || close.is_nan() {
                return f64::NAN;
            }
            self.prev_close = close;
            self.count = 1;
            return f64::NAN;
        }
        let tr = true_range(high, low, self.prev_close);
        self.prev_close = close;
        if self.period == 1 {
            self.count = 2;
            self.value = tr;
            return tr;
        }
        if self.count > self.period {
            let mut prev = self.value * (self.period - 1) as f64;
            prev += tr;
            self.value = prev / self.period as f64;
            return self.value;
        }
        self.total += tr;
        self.count += 1;
        if self.count > self.period {
            self.value = self.total / self.period as f64;
        }
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.count > self.period
    }

    pub fn reset(&mut self) {
        *self = Self {
            period: self.period,
            prev_close: f64::NAN,
            count: 0,
            total: 0.0,
            value: f64::NAN,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, c) = ohlc(300, 6);
        for period in [1, 2, 14, 30] {
            let mut out = vec![0.0; h.len()];
            atr(&h, &l, &c, period, &mut out).unwrap();
            let mut s = AverageTrueRange::new(period).unwrap();
            let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&out, &streamed);
            assert_eq!(out.iter().take_while(|v| v.is_nan()).count(), period);
        }
    }

    #[test]
    fn mismatched_lengths() {
        let err = atr(&[1.0; 3], &[1.0; 2], &[1.0; 3], 2, &mut [0.0; 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "atr: high and low must have the same length, got 3 and 2"
        );
        assert!(atr(&[1.0; 3], &[1.0; 3], &[1.0; 3], 0, &mut [0.0; 3]).is_err());
    }
}
