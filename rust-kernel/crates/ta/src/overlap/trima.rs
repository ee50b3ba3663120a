//! Triangular moving average (TA-Lib `TRIMA`): an SMA of an SMA. For odd `n` both have
//! `(n + 1) / 2` values; for even `n` the first has `n / 2` and the second `n / 2 + 1`, which gives
//! TA-Lib's triangular weights. Lookback `n - 1`.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("trima", "timeperiod", timeperiod, 2)
}

/// A plain running-sum SMA of any period >= 1 (the inner stages of TRIMA).
#[derive(Debug, Clone)]
struct Stage {
    ring: Ring,
    total: f64,
}

impl Stage {
    fn new(period: usize) -> Self {
        Self {
            ring: Ring::new(period),
            total: 0.0,
        }
    }

    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        self.total += x;
        let period = self.ring.capacity();
        match self.ring.push(x) {
            Some(old) => self.total -= old,
            None if !self.ring.is_full() => return None,
            None => {}
        }
        Some(self.total / period as f64)
    }
}

#[derive(Debug, Clone)]
pub struct TriangularMovingAverage {
    first: Stage,
    second: Stage,
    started: bool,
    value: f64,
}

impl TriangularMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        let (a, b) = if n % 2 == 1 {
            (n.div_ceil(2), n.div_ceil(2))
        } else {
            (n / 2, n / 2 + 1)
        };
        Ok(Self {
            first: Stage::new(a),
            second: Stage::new(b),
            started: false,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if !self.started {
            if x.is_nan() {
                return f64::NAN;
            }
            self.started = true;
        }
        let Some(inner) = self.first.update(x) else {
            return f64::NAN;
        };
        let Some(outer) = self.second.update(inner) else {
            return f64::NAN;
        };
        self.value = outer;
        outer
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.second.ring.is_full()
    }

    pub fn reset(&mut self) {
        for s in [&mut self.first, &mut self.second] {
            s.ring.clear();
            s.total = 0.0;
        }
        self.started = false;
        self.value = f64::NAN;
    }
}

crate::batch_from_stream!(
    /// Batch TRIMA.
    trima, "trima", TriangularMovingAverage, (timeperiod: usize)
);
