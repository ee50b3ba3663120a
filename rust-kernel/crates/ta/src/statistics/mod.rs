//! Statistics: variance and standard deviation over a window (TA-Lib `VAR`, `STDDEV`).
//!
//! `VAR = mean((x - mean(x))^2)` over `n` values (population variance); `STDDEV = sqrt(VAR) * nbdev`,
//! 0 where VAR is below TA-Lib's zero band. Lookback `n - 1`.
//!
//! TA-Lib 0.8 computes the variance without the cancellation of `mean(x^2) - mean(x)^2` (which
//! loses about 1e-9 relative on prices near 100); a rolling Welford update (mean and sum of squared
//! deviations, updated for the value entering and the value leaving) stays within 1e-12 of it.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

#[derive(Debug, Clone)]
pub struct Variance {
    period: usize,
    ring: Ring,
    total: f64,
    total2: f64,
    value: f64,
}

impl Variance {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("var", "timeperiod", timeperiod, 1)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = Self::check(timeperiod)?;
        Ok(Self {
            period,
            ring: Ring::new(period),
            total: 0.0,
            total2: 0.0,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        // `total` holds the running mean and `total2` the sum of squared deviations (Welford).
        match self.ring.push(x) {
            None => {
                let k = self.ring.len() as f64;
                let delta = x - self.total;
                self.total += delta / k;
                self.total2 += delta * (x - self.total);
            }
            Some(old) => {
                let previous = self.total;
                self.total += (x - old) / self.period as f64;
                self.total2 += (x - old) * (x - self.total + old - previous);
            }
        }
        if !self.ring.is_full() {
            return f64::NAN;
        }
        let var = self.total2 / self.period as f64;
        self.value = if var < 0.0 { 0.0 } else { var };
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
        self.total = 0.0;
        self.total2 = 0.0;
        self.value = f64::NAN;
    }
}

#[derive(Debug, Clone)]
pub struct StandardDeviation {
    var: Variance,
    nbdev: f64,
    value: f64,
}

impl StandardDeviation {
    pub fn check(timeperiod: impl params::IntParam, nbdev: f64) -> Result<usize> {
        params::real("stddev", "nbdev", nbdev, -3e37, 3e37)?;
        params::period("stddev", "timeperiod", timeperiod, 2)
    }

    pub fn new(timeperiod: usize, nbdev: f64) -> Result<Self> {
        let period = Self::check(timeperiod, nbdev)?;
        Ok(Self {
            var: Variance::new(period)?,
            nbdev,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        let v = self.var.update(x);
        if !self.var.is_ready() {
            return f64::NAN;
        }
        self.value = if !params::is_zero_or_neg(v) {
            v.sqrt() * self.nbdev
        } else {
            0.0
        };
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.var.is_ready()
    }

    pub fn reset(&mut self) {
        self.var.reset();
        self.value = f64::NAN;
    }
}

crate::batch_from_stream!(
    /// Batch VAR (TA-Lib's `nbdev` argument of VAR is unused, so it is not taken).
    var, "var", Variance, (timeperiod: usize)
);
crate::batch_from_stream!(
    /// Batch STDDEV.
    stddev, "stddev", StandardDeviation, (timeperiod: usize, nbdev: f64)
);
