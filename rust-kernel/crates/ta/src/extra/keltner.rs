//! Keltner channels.
//!
//! `middle = EMA(source, timeperiod)`, `upper = middle + multiplier · ATR(atrperiod)`,
//! `lower = middle - multiplier · ATR(atrperiod)`, where `source` is the typical price
//! `(high + low + close) / 3` (`typical = true`, the default, Keltner's original centre) or the
//! close, the EMA is TA-Lib's (seeded with the SMA of the first `timeperiod` values) and the ATR is
//! TA-Lib's Wilder ATR. Defaults: 20, 10, 2.0 (the common charting defaults). Lookback
//! `max(timeperiod - 1, atrperiod)`.

use crate::error::Result;
use crate::overlap::{ema, ExponentialMovingAverage};
use crate::params;
use crate::price::typprice_one;
use crate::volatility::{atr, AverageTrueRange};

const NAME: &str = "keltner";

/// Validate `(timeperiod, atrperiod, multiplier)`.
pub fn check(
    timeperiod: impl params::IntParam,
    atrperiod: impl params::IntParam,
    multiplier: f64,
) -> Result<(usize, usize, f64)> {
    Ok((
        params::period(NAME, "timeperiod", timeperiod, 2)?,
        params::period(NAME, "atrperiod", atrperiod, 1)?,
        params::real(NAME, "multiplier", multiplier, 0.0, 1e6)?,
    ))
}

pub fn lookback(timeperiod: usize, atrperiod: usize) -> usize {
    (timeperiod - 1).max(atrperiod)
}

#[inline(always)]
fn bands(middle: f64, atr: f64, multiplier: f64) -> (f64, f64) {
    let width = multiplier * atr;
    (middle + width, middle - width)
}

/// Batch Keltner channels into `(upper, middle, lower)`.
#[allow(clippy::too_many_arguments)]
pub fn keltner(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    atrperiod: usize,
    multiplier: f64,
    typical: bool,
    upper: &mut [f64],
    middle: &mut [f64],
    lower: &mut [f64],
) -> Result<()> {
    let (n, a, m) = check(timeperiod, atrperiod, multiplier)?;
    super::lens(
        NAME,
        &["high", "low", "close"],
        &[high, low, close],
        &[upper, middle, lower],
    )?;
    // `upper` holds the EMA's source and `lower` the ATR until the bands overwrite them.
    if typical {
        for i in 0..high.len() {
            upper[i] = typprice_one(high[i], low[i], close[i]);
        }
    } else {
        upper.copy_from_slice(close);
    }
    ema(upper, n, middle)?;
    atr(high, low, close, a, lower)?;
    for i in 0..high.len() {
        let (u, l) = bands(middle[i], lower[i], m);
        upper[i] = u;
        lower[i] = l;
    }
    Ok(())
}

/// Streaming Keltner channels: `update(high, low, close)` equals [`keltner`] at every index.
#[derive(Debug, Clone)]
pub struct KeltnerChannels {
    ema: ExponentialMovingAverage,
    atr: AverageTrueRange,
    multiplier: f64,
    typical: bool,
    value: (f64, f64, f64),
}

impl KeltnerChannels {
    pub fn new(
        timeperiod: usize,
        atrperiod: usize,
        multiplier: f64,
        typical: bool,
    ) -> Result<Self> {
        let (n, a, m) = check(timeperiod, atrperiod, multiplier)?;
        Ok(Self {
            ema: ExponentialMovingAverage::new(n)?,
            atr: AverageTrueRange::new(a)?,
            multiplier: m,
            typical,
            value: (f64::NAN, f64::NAN, f64::NAN),
        })
    }

    /// Returns `(upper, middle, lower)`.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64, f64) {
        let source = if self.typical {
            typprice_one(high, low, close)
        } else {
            close
        };
        let middle = self.ema.update(source);
        let atr = self.atr.update(high, low, close);
        let (u, l) = bands(middle, atr, self.multiplier);
        self.value = (u, middle, l);
        self.value
    }

    pub fn value(&self) -> (f64, f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ema.is_ready() && self.atr.is_ready()
    }

    pub fn reset(&mut self) {
        self.ema.reset();
        self.atr.reset();
        self.value = (f64::NAN, f64::NAN, f64::NAN);
    }
}
