//! Standard deviation over a window (TA-Lib `STDDEV`): `sqrt(VAR) * nbdev`.
//!
//! TA-Lib 0.8 takes the square root of its rolling variance as is (no zero clamp); the variance
//! is `var.rs`'s (direct window moments for short windows, equal to TA-Lib to rounding; TA-Lib's
//! own steps for long windows and after a NaN).

use crate::error::Result;
use crate::params;
use crate::statistics::var::{rolling_var, RollingVariance, DIRECT_MAX};

const NAME: &str = "stddev";

pub fn check(timeperiod: impl params::IntParam, nbdev: f64) -> Result<usize> {
    params::real(NAME, "nbdev", nbdev, -3e37, 3e37)?;
    params::period(NAME, "timeperiod", timeperiod, 2)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

pub fn stddev(real: &[f64], timeperiod: usize, nbdev: f64, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod, nbdev)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(period));
    if begin + lookback(period) >= real.len() {
        return Ok(());
    }
    let o = &mut out[begin..];
    let x = &real[begin..];
    crate::with_simd!(rolling_var(x, period, DIRECT_MAX, o, |v| v.sqrt() * nbdev));
    Ok(())
}

/// Streaming STDDEV: `update(x)` equals [`stddev`] at every index.
#[derive(Debug, Clone)]
pub struct StandardDeviation {
    var: RollingVariance,
    nbdev: f64,
    value: f64,
}

impl StandardDeviation {
    pub fn check(timeperiod: impl params::IntParam, nbdev: f64) -> Result<usize> {
        check(timeperiod, nbdev)
    }

    pub fn new(timeperiod: usize, nbdev: f64) -> Result<Self> {
        let period = check(timeperiod, nbdev)?;
        Ok(Self {
            var: RollingVariance::new(period),
            nbdev,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        match self.var.update(x) {
            Some(v) => {
                self.value = v.sqrt() * self.nbdev;
                self.value
            }
            None => f64::NAN,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch() {
        let x = series(500, 9);
        let mut out = vec![0.0; x.len()];
        stddev(&x, 20, 1.5, &mut out).unwrap();
        let mut s = StandardDeviation::new(20, 1.5).unwrap();
        let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
        assert_same(&out, &streamed);
        assert!(stddev(&x, 1, 1.0, &mut out).is_err());
    }
}
