//! Hull moving average (Alan Hull): `HMA(n) = WMA(2 · WMA(x, ⌊n/2⌋) - WMA(x, n), ⌊√n⌋)`, with
//! TA-Lib's WMA (weights `1..=k`, newest heaviest). `n >= 4` so that both inner periods are at
//! least 2 (TA-Lib's minimum for WMA). Lookback `(n - 1) + (⌊√n⌋ - 1)`.

use crate::error::Result;
use crate::overlap::{wma, WeightedMovingAverage};
use crate::params;

const NAME: &str = "hma";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 4)
}

/// `(⌊n/2⌋, ⌊√n⌋)`.
pub fn periods(n: usize) -> (usize, usize) {
    (n / 2, (n as f64).sqrt().floor() as usize)
}

pub fn lookback(timeperiod: usize) -> usize {
    (timeperiod - 1) + (periods(timeperiod).1 - 1)
}

/// Batch HMA of `real` into `out` (one scratch array of the input's length).
pub fn hma(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let (half, root) = periods(n);
    let mut diff = vec![0.0; real.len()];
    wma(real, half, &mut diff)?;
    wma(real, n, out)?;
    for (d, &full) in diff.iter_mut().zip(out.iter()) {
        *d = 2.0 * *d - full;
    }
    wma(&diff, root, out)
}

/// Streaming HMA: `update(x)` equals [`hma`] at every index.
#[derive(Debug, Clone)]
pub struct HullMovingAverage {
    half: WeightedMovingAverage,
    full: WeightedMovingAverage,
    root: WeightedMovingAverage,
}

impl HullMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        let (half, root) = periods(n);
        Ok(Self {
            half: WeightedMovingAverage::new(half)?,
            full: WeightedMovingAverage::new(n)?,
            root: WeightedMovingAverage::new(root)?,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        let a = self.half.update(x);
        let b = self.full.update(x);
        if !self.full.is_ready() {
            return f64::NAN;
        }
        self.root.update(2.0 * a - b)
    }

    pub fn value(&self) -> f64 {
        self.root.value()
    }

    pub fn is_ready(&self) -> bool {
        self.root.is_ready()
    }

    pub fn reset(&mut self) {
        self.half.reset();
        self.full.reset();
        self.root.reset();
    }
}
