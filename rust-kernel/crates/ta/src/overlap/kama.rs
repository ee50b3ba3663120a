//! Kaufman adaptive moving average (TA-Lib `KAMA`, lookback `n`).
//!
//! Efficiency ratio `er = |x - x[n]| / sum(|x[i] - x[i-1]|, n)` (1 when the noise sum is zero or not
//! above the raw change, as TA-Lib tests it), smoothing `sc = (er (2/3 - 2/31) + 2/31)^2`,
//! `kama = (x - kama) sc + kama`, started from `x[n-1]`.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("kama", "timeperiod", timeperiod, 2)
}

const CONST_MAX: f64 = 2.0 / (30.0 + 1.0);
const CONST_DIFF: f64 = 2.0 / (2.0 + 1.0) - CONST_MAX;

#[derive(Debug, Clone)]
pub struct KaufmanAdaptiveMovingAverage {
    period: usize,
    /// The last `n + 1` inputs.
    ring: Ring,
    noise: f64,
    value: f64,
}

impl KaufmanAdaptiveMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            ring: Ring::new(period + 1),
            noise: 0.0,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        if !self.ring.is_full() {
            if !self.ring.is_empty() {
                self.noise += (self.ring.ago(0) - x).abs();
            }
            self.ring.push(x);
            if !self.ring.is_full() {
                return f64::NAN;
            }
            // First output: start from the previous input.
            self.value = self.ring.ago(1);
            let oldest = self.ring.ago(self.period);
            return self.smooth(x, x - oldest);
        }
        let prev = self.ring.ago(0);
        let leaving = self.ring.ago(self.period);
        let next_oldest = self.ring.ago(self.period - 1);
        self.noise -= (leaving - next_oldest).abs();
        self.noise += (x - prev).abs();
        self.ring.push(x);
        self.smooth(x, x - next_oldest)
    }

    #[inline(always)]
    fn smooth(&mut self, x: f64, change: f64) -> f64 {
        let er = if self.noise <= change || params::is_zero(self.noise) {
            1.0
        } else {
            (change / self.noise).abs()
        };
        let mut sc = (er * CONST_DIFF) + CONST_MAX;
        sc *= sc;
        self.value = ((x - self.value) * sc) + self.value;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ring.is_full()
    }

    pub fn reset(&mut self) {
        self.ring.clear();
        self.noise = 0.0;
        self.value = f64::NAN;
    }
}

crate::batch_from_stream!(
    /// Batch KAMA.
    kama, "kama", KaufmanAdaptiveMovingAverage, (timeperiod: usize)
);
