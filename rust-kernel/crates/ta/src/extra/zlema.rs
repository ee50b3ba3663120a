//! Zero-lag EMA (Ehlers and Way): `ZLEMA(n) = EMA(x + (x - x[lag]), n)` with `lag = ⌊(n - 1) /
//! 2⌋`, the EMA being TA-Lib's (seeded with the SMA of its first `n` inputs). Subtracting the
//! value `lag` candles ago removes most of the EMA's lag. Lookback `lag + n - 1`.

use crate::error::Result;
use crate::overlap::{ema, ExponentialMovingAverage};
use crate::params;
use crate::window::Ring;

const NAME: &str = "zlema";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 2)
}

pub const fn lag(timeperiod: usize) -> usize {
    (timeperiod - 1) / 2
}

pub const fn lookback(timeperiod: usize) -> usize {
    lag(timeperiod) + timeperiod - 1
}

#[inline(always)]
fn delagged(x: f64, old: f64) -> f64 {
    x + (x - old)
}

/// Batch ZLEMA of `real` into `out` (one scratch array of the input's length); leading NaNs are
/// skipped.
pub fn zlema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    let lag = lag(n);
    let mut d = vec![f64::NAN; real.len()];
    for i in begin + lag..real.len() {
        d[i] = delagged(real[i], real[i - lag]);
    }
    ema(&d, n, out)
}

/// Streaming ZLEMA: `update(x)` equals [`zlema`] at every index.
#[derive(Debug, Clone)]
pub struct ZeroLagExponentialMovingAverage {
    lag: usize,
    ring: Ring,
    ema: ExponentialMovingAverage,
}

impl ZeroLagExponentialMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        Ok(Self {
            lag: lag(n),
            ring: Ring::new(lag(n) + 1),
            ema: ExponentialMovingAverage::new(n)?,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        self.ring.push(x);
        if !self.ring.is_full() {
            return f64::NAN;
        }
        self.ema.update(delagged(x, self.ring.ago(self.lag)))
    }

    pub fn value(&self) -> f64 {
        self.ema.value()
    }

    pub fn is_ready(&self) -> bool {
        self.ema.is_ready()
    }

    pub fn reset(&mut self) {
        self.ring.clear();
        self.ema.reset();
    }
}
