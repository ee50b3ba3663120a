//! Chaikin money flow: `CMF = Σ(mfm · volume, n) / Σ(volume, n)` over the last `n` candles
//! (default 20, lookback `n - 1`), with the money-flow multiplier
//! `mfm = ((close - low) - (high - close)) / (high - low)`, 0 when `high <= low` (as TA-Lib's AD
//! treats such a candle). A window without volume has no flow: 0.
//!
//! Both sums come from [`super::block`], which never subtracts: a window of zero volumes sums to
//! exactly 0 instead of rounding residue, so the ratio is never noise over noise.

use super::block::{windows, BlockWindow, Op};
use crate::error::Result;
use crate::params;

const NAME: &str = "cmf";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// Money-flow volume of one candle.
#[inline(always)]
fn flow(high: f64, low: f64, close: f64, volume: f64) -> f64 {
    let range = high - low;
    let mfm = if range > 0.0 {
        ((close - low) - (high - close)) / range
    } else {
        0.0
    };
    mfm * volume
}

#[inline(always)]
fn ratio(flow: f64, volume: f64) -> f64 {
    if volume == 0.0 {
        0.0
    } else {
        flow / volume
    }
}

/// Batch CMF of `(high, low, close, volume)` into `out`; leading candles with a NaN are skipped.
pub fn chaikin_money_flow(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let n = check(timeperiod)?;
    super::lens(
        NAME,
        &["high", "low", "close", "volume"],
        &[high, low, close, volume],
        &[out],
    )?;
    let begin = params::first_valid_all(&[high, low, close, volume]);
    params::fill_nan(out, begin + lookback(n));
    if begin + lookback(n) >= high.len() {
        return Ok(());
    }
    let flows: Vec<f64> = (begin..high.len())
        .map(|i| flow(high[i], low[i], close[i], volume[i]))
        .collect();
    let o = &mut out[begin..];
    windows(Op::Sum, &volume[begin..], n, |i, v| o[i] = v);
    windows(Op::Sum, &flows, n, |i, f| o[i] = ratio(f, o[i]));
    Ok(())
}

/// Streaming CMF: `update(high, low, close, volume)` equals [`chaikin_money_flow`] at every
/// index.
#[derive(Debug, Clone)]
pub struct ChaikinMoneyFlow {
    flow: BlockWindow,
    volume: BlockWindow,
    started: bool,
    value: f64,
}

impl ChaikinMoneyFlow {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        Ok(Self {
            flow: BlockWindow::new(Op::Sum, n),
            volume: BlockWindow::new(Op::Sum, n),
            started: false,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        if !self.started {
            if high.is_nan() || low.is_nan() || close.is_nan() || volume.is_nan() {
                return f64::NAN;
            }
            self.started = true;
        }
        let f = self.flow.update(flow(high, low, close, volume));
        let v = self.volume.update(volume);
        match (f, v) {
            (Some(f), Some(v)) => {
                self.value = ratio(f, v);
                self.value
            }
            _ => f64::NAN,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.volume.is_ready()
    }

    pub fn reset(&mut self) {
        self.flow.reset();
        self.volume.reset();
        self.started = false;
        self.value = f64::NAN;
    }
}
