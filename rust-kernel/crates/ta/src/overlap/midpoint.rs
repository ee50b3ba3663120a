//! Midpoint of a window (TA-Lib `MIDPOINT`: `(max + min) / 2` of `real` over `n`; `MIDPRICE`:
//! `(max(high) + min(low)) / 2`), lookback `n - 1`. The extremes are rescanned only when the
//! current extreme leaves the window, as TA-Lib does.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

/// Running max or min over the last `n` values.
#[derive(Debug, Clone)]
pub struct Extreme {
    ring: Ring,
    best: f64,
    best_age: usize,
    is_max: bool,
}

impl Extreme {
    pub fn new(period: usize, is_max: bool) -> Self {
        Self {
            ring: Ring::new(period),
            best: f64::NAN,
            best_age: 0,
            is_max,
        }
    }

    #[inline(always)]
    fn better(&self, a: f64, b: f64) -> bool {
        if self.is_max {
            a >= b
        } else {
            a <= b
        }
    }

    #[inline(always)]
    fn strictly_better(&self, a: f64, b: f64) -> bool {
        if self.is_max {
            a > b
        } else {
            a < b
        }
    }

    /// Push `x`; returns the extreme of the window (valid once full).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        self.ring.push(x);
        self.best_age += 1;
        if self.ring.len() == 1 || self.better(x, self.best) {
            self.best = x;
            self.best_age = 0;
        } else if self.best_age >= self.ring.capacity() {
            self.best = self.ring.ago(0);
            self.best_age = 0;
            for age in 1..self.ring.len() {
                let v = self.ring.ago(age);
                if self.strictly_better(v, self.best) {
                    self.best = v;
                    self.best_age = age;
                }
            }
        }
        self.best
    }

    pub fn is_full(&self) -> bool {
        self.ring.is_full()
    }

    pub fn reset(&mut self) {
        self.ring.clear();
        self.best = f64::NAN;
        self.best_age = 0;
    }
}

#[derive(Debug, Clone)]
pub struct MidPoint {
    max: Extreme,
    min: Extreme,
    value: f64,
}

impl MidPoint {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("midpoint", "timeperiod", timeperiod, 2)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = Self::check(timeperiod)?;
        Ok(Self {
            max: Extreme::new(n, true),
            min: Extreme::new(n, false),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.max.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        let hi = self.max.update(x);
        let lo = self.min.update(x);
        if !self.max.is_full() {
            return f64::NAN;
        }
        self.value = (hi + lo) / 2.0;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.max.is_full()
    }

    pub fn reset(&mut self) {
        self.max.reset();
        self.min.reset();
        self.value = f64::NAN;
    }
}

crate::batch_from_stream!(
    /// Batch MIDPOINT.
    midpoint, "midpoint", MidPoint, (timeperiod: usize)
);

#[derive(Debug, Clone)]
pub struct MidPrice {
    max: Extreme,
    min: Extreme,
    value: f64,
}

impl MidPrice {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("midprice", "timeperiod", timeperiod, 2)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = Self::check(timeperiod)?;
        Ok(Self {
            max: Extreme::new(n, true),
            min: Extreme::new(n, false),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64) -> f64 {
        if self.max.ring.is_empty() && (high.is_nan() || low.is_nan()) {
            return f64::NAN;
        }
        let hi = self.max.update(high);
        let lo = self.min.update(low);
        if !self.max.is_full() {
            return f64::NAN;
        }
        self.value = (hi + lo) / 2.0;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.max.is_full()
    }

    pub fn reset(&mut self) {
        self.max.reset();
        self.min.reset();
        self.value = f64::NAN;
    }
}

pub fn midprice(high: &[f64], low: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let mut s = MidPrice::new(timeperiod)?;
    params::same_len("midprice", "high", high.len(), "low", low.len())?;
    params::same_len("midprice", "high", high.len(), "out", out.len())?;
    for i in 0..out.len() {
        out[i] = s.update(high[i], low[i]);
    }
    Ok(())
}
