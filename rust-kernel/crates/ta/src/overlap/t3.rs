//! Tillson's T3 moving average (TA-Lib `T3`).
//!
//! Six EMAs chained (`e1 = EMA(x)`, `e2 = EMA(e1)`, ... `e6 = EMA(e5)`, all with
//! `k = 2 / (n + 1)`), combined as `c1 e6 + c2 e5 + c3 e4 + c4 e3` with the volume factor `v`:
//! `c1 = -v^3`, `c2 = 3 (v^2 - c1)`, `c3 = -6 v^2 - 3 (v - c1)`, `c4 = 1 + 3 v - c1 + 3 v^2`.
//! TA-Lib seeds each EMA with the mean of the first `n` values of the one below it, so the first
//! output is at index `6 (n - 1)`. The six EMAs are one [`Cascade`] (`(1 - k) e + k x` in anchored
//! blocks, see `crate::chain`): equal to TA-Lib to rounding, and the batch runs the stream's state
//! machine, so streams equal batches exactly. A period of 1 copies the input. Parameters:
//! `timeperiod` 1..=100000 (default 5), `vfactor` in [0, 1] (default 0.7).

use crate::error::Result;
use crate::overlap::cascade::{Cascade, Lanes};
use crate::params;

const NAME: &str = "t3";

/// Validated `(timeperiod, vfactor)`.
pub fn check(timeperiod: impl params::IntParam, vfactor: f64) -> Result<(usize, f64)> {
    Ok((
        params::period(NAME, "timeperiod", timeperiod, 1)?,
        params::real(NAME, "vfactor", vfactor, 0.0, 1.0)?,
    ))
}

pub const fn lookback(timeperiod: usize) -> usize {
    6 * (timeperiod - 1)
}

/// The four weights `c1..c4`, in TA-Lib's order of operations.
fn weights(v: f64) -> [f64; 4] {
    let v2 = v * v;
    let c1 = 0.0 - v2 * v;
    let c2 = 3.0 * (v2 - c1);
    let c3 = (0.0 - 6.0) * v2 - 3.0 * (v - c1);
    let c4 = 1.0 + 3.0 * v - c1 + 3.0 * v2;
    [c1, c2, c3, c4]
}

/// `c1 e6 + c2 e5 + c3 e4 + c4 e3`, left to right.
#[inline(always)]
fn combine(e: &[f64; 6], c: &[f64; 4]) -> f64 {
    c[0] * e[5] + c[1] * e[4] + c[2] * e[3] + c[3] * e[2]
}

/// [`combine`] lane by lane (same operations).
#[inline(always)]
fn combine_wide(e: &[Lanes; 6], c: &[f64; 4]) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: only called by `Cascade::run` on CPUs with AVX2.
    unsafe {
        use std::arch::x86_64::*;
        let w = |i: usize, e: __m256d| _mm256_mul_pd(_mm256_set1_pd(c[i]), e);
        let acc = _mm256_add_pd(w(0, e[5]), w(1, e[4]));
        let acc = _mm256_add_pd(acc, w(2, e[3]));
        _mm256_add_pd(acc, w(3, e[2]))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = c;
        e[0]
    }
}

/// Batch T3 of `real` into `out`.
pub fn t3(real: &[f64], timeperiod: usize, vfactor: f64, out: &mut [f64]) -> Result<()> {
    let (period, v) = check(timeperiod, vfactor)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= real.len() {
        return Ok(());
    }
    if period == 1 {
        out[start..].copy_from_slice(&real[start..]);
        return Ok(());
    }
    let c = weights(v);
    Cascade::<6>::new(period).run(
        &real[begin..],
        &mut out[begin..],
        |e| combine(e, &c),
        |e| combine_wide(e, &c),
    );
    Ok(())
}

/// Streaming T3, equal to [`t3`] at every index.
#[derive(Debug, Clone)]
pub struct T3 {
    period: usize,
    vfactor: f64,
    c: [f64; 4],
    chain: Cascade<6>,
    /// Period 1: the input is the output once a defined value arrived.
    copying: bool,
    value: f64,
}

impl T3 {
    pub fn new(timeperiod: usize, vfactor: f64) -> Result<Self> {
        let (period, v) = check(timeperiod, vfactor)?;
        Ok(Self::unchecked(period, v))
    }

    fn unchecked(period: usize, v: f64) -> Self {
        Self {
            period,
            vfactor: v,
            c: weights(v),
            chain: Cascade::new(period),
            copying: false,
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.period == 1 {
            if !self.copying && x.is_nan() {
                return f64::NAN;
            }
            self.copying = true;
            self.value = x;
            return x;
        }
        match self.chain.update(x) {
            Some(e) => {
                self.value = combine(&e, &self.c);
                self.value
            }
            None => f64::NAN,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.copying || self.chain.is_ready()
    }

    pub fn reset(&mut self) {
        *self = Self::unchecked(self.period, self.vfactor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch() {
        let x = series(300, 4);
        for (p, v) in [(5, 0.7), (1, 0.7), (2, 0.0), (9, 1.0)] {
            let mut out = vec![0.0; x.len()];
            t3(&x, p, v, &mut out).unwrap();
            let mut s = T3::new(p, v).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&y| s.update(y)).collect();
            assert_same(&out, &streamed);
            assert_eq!(out.iter().take_while(|y| y.is_nan()).count(), lookback(p));
            s.reset();
            assert!(!s.is_ready() && s.update(x[0]).is_nan() == (p > 1));
        }
    }

    #[test]
    fn bad_vfactor() {
        assert_eq!(
            T3::new(5, 1.5).unwrap_err().to_string(),
            "t3: vfactor must be in [0, 1], got 1.5"
        );
    }
}
