//! Donchian channels: `upper = max(high, n)`, `lower = min(low, n)`, `middle = (upper + lower) / 2`
//! over the last `n` candles including the current one (default 20; lookback `n - 1`). The middle
//! band is TA-Lib's MIDPRICE. Extremes come from [`super::block`] (exact, branch-light).

use super::block::{windows, BlockWindow, Op};
use crate::error::Result;
use crate::params;

const NAME: &str = "donchian";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// Batch Donchian channels into `(upper, middle, lower)`; leading candles with a NaN are skipped.
pub fn donchian(
    high: &[f64],
    low: &[f64],
    timeperiod: usize,
    upper: &mut [f64],
    middle: &mut [f64],
    lower: &mut [f64],
) -> Result<()> {
    let n = check(timeperiod)?;
    super::lens(
        NAME,
        &["high", "low"],
        &[high, low],
        &[upper, middle, lower],
    )?;
    let begin = params::first_valid_all(&[high, low]);
    for o in [&mut *upper, &mut *middle, &mut *lower] {
        params::fill_nan(o, begin + lookback(n));
    }
    if begin + lookback(n) >= high.len() {
        return Ok(());
    }
    let (u, l) = (&mut upper[begin..], &mut lower[begin..]);
    windows(Op::Max, &high[begin..], n, |i, v| u[i] = v);
    windows(Op::Min, &low[begin..], n, |i, v| l[i] = v);
    for i in begin + lookback(n)..high.len() {
        middle[i] = (upper[i] + lower[i]) / 2.0;
    }
    Ok(())
}

/// Streaming Donchian channels: `update(high, low)` equals [`donchian`] at every index.
#[derive(Debug, Clone)]
pub struct DonchianChannels {
    high: BlockWindow,
    low: BlockWindow,
    started: bool,
    value: (f64, f64, f64),
}

impl DonchianChannels {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        Ok(Self {
            high: BlockWindow::new(Op::Max, n),
            low: BlockWindow::new(Op::Min, n),
            started: false,
            value: (f64::NAN, f64::NAN, f64::NAN),
        })
    }

    /// Returns `(upper, middle, lower)`.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64) -> (f64, f64, f64) {
        if !self.started {
            if high.is_nan() || low.is_nan() {
                return (f64::NAN, f64::NAN, f64::NAN);
            }
            self.started = true;
        }
        let (h, l) = (self.high.update(high), self.low.update(low));
        if let (Some(u), Some(l)) = (h, l) {
            self.value = (u, (u + l) / 2.0, l);
            return self.value;
        }
        (f64::NAN, f64::NAN, f64::NAN)
    }

    pub fn value(&self) -> (f64, f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.high.is_ready()
    }

    pub fn reset(&mut self) {
        self.high.reset();
        self.low.reset();
        self.started = false;
        self.value = (f64::NAN, f64::NAN, f64::NAN);
    }
}
