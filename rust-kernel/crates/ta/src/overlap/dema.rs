//! Double and triple exponential moving averages (TA-Lib `DEMA`, `TEMA`) and `TRIX`.
//!
//! `DEMA = 2 e1 - e2`, `TEMA = 3 e1 - 3 e2 + e3` where `e2 = EMA(e1)`, `e3 = EMA(e2)`, each EMA
//! seeded with the SMA of its first `n` inputs (so lookbacks are `2 (n-1)` and `3 (n-1)`).
//! `TRIX = 100 * (e3 / e3[1] - 1)`, lookback `3 (n-1) + 1`.
//!
//! The EMAs are one [`Cascade`]: equal to TA-Lib to rounding (anchored blocks, see
//! `crate::chain`), and the batch runs the streams' state machine, so streams equal batches
//! exactly.

use crate::error::Result;
use crate::overlap::cascade::{Cascade, Lanes};
use crate::params;

macro_rules! ema_chain {
    ($name:ident, $label:literal, $stages:literal, $combine:expr) => {
        #[derive(Debug, Clone)]
        pub struct $name {
            chain: Cascade<$stages>,
            value: f64,
        }

        impl $name {
            pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
                params::period($label, "timeperiod", timeperiod, 2)
            }

            pub fn new(timeperiod: usize) -> Result<Self> {
                Ok(Self {
                    chain: Cascade::new(Self::check(timeperiod)?),
                    value: f64::NAN,
                })
            }

            #[inline]
            pub fn update(&mut self, x: f64) -> f64 {
                match self.chain.update(x) {
                    Some(s) => {
                        self.value = $combine(&s);
                        self.value
                    }
                    None => f64::NAN,
                }
            }

            pub fn value(&self) -> f64 {
                self.value
            }

            pub fn is_ready(&self) -> bool {
                self.chain.is_ready()
            }

            pub fn reset(&mut self) {
                self.chain.reset();
                self.value = f64::NAN;
            }
        }
    };
}

#[inline(always)]
fn dema_of(s: &[f64; 2]) -> f64 {
    (2.0 * s[0]) - s[1]
}

#[inline(always)]
fn tema_of(s: &[f64; 3]) -> f64 {
    s[2] + ((3.0 * s[0]) - (3.0 * s[1]))
}

/// [`dema_of`] lane by lane (same operations).
#[inline(always)]
fn dema_wide(s: &[Lanes; 2]) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: only called by `Cascade::run` on CPUs with AVX2.
    unsafe {
        use std::arch::x86_64::*;
        _mm256_sub_pd(_mm256_mul_pd(_mm256_set1_pd(2.0), s[0]), s[1])
    }
    #[cfg(not(target_arch = "x86_64"))]
    s[0]
}

/// [`tema_of`] lane by lane (same operations).
#[inline(always)]
fn tema_wide(s: &[Lanes; 3]) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: only called by `Cascade::run` on CPUs with AVX2.
    unsafe {
        use std::arch::x86_64::*;
        let three = _mm256_set1_pd(3.0);
        _mm256_add_pd(
            s[2],
            _mm256_sub_pd(_mm256_mul_pd(three, s[0]), _mm256_mul_pd(three, s[1])),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    s[0]
}

ema_chain!(DoubleExponentialMovingAverage, "dema", 2, dema_of);
ema_chain!(TripleExponentialMovingAverage, "tema", 3, tema_of);

/// Batch DEMA.
pub fn dema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = DoubleExponentialMovingAverage::check(timeperiod)?;
    params::same_len("dema", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin);
    Cascade::<2>::new(period).run(&real[begin..], &mut out[begin..], dema_of, dema_wide);
    Ok(())
}

/// Batch TEMA.
pub fn tema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = TripleExponentialMovingAverage::check(timeperiod)?;
    params::same_len("tema", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin);
    Cascade::<3>::new(period).run(&real[begin..], &mut out[begin..], tema_of, tema_wide);
    Ok(())
}

#[inline(always)]
fn trix_ratio(e3: f64, prev: f64) -> f64 {
    if prev != 0.0 {
        ((e3 / prev) - 1.0) * 100.0
    } else {
        0.0
    }
}

/// TRIX: one-period rate of change (percent) of a triple-smoothed EMA.
#[derive(Debug, Clone)]
pub struct Trix {
    chain: Cascade<3>,
    primed: bool,
    ready: bool,
    prev: f64,
    value: f64,
}

impl Trix {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("trix", "timeperiod", timeperiod, 1)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self {
            chain: Cascade::new(Self::check(timeperiod)?),
            primed: false,
            ready: false,
            prev: f64::NAN,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        let Some(s) = self.chain.update(x) else {
            return f64::NAN;
        };
        let prev = std::mem::replace(&mut self.prev, s[2]);
        if !self.primed {
            self.primed = true;
            return f64::NAN;
        }
        self.ready = true;
        self.value = trix_ratio(s[2], prev);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ready
    }

    pub fn reset(&mut self) {
        self.chain.reset();
        self.primed = false;
        self.ready = false;
        self.prev = f64::NAN;
        self.value = f64::NAN;
    }
}

/// Inputs per chunk of the batch TRIX: the ratios are taken while the chunk is in cache.
const CHUNK: usize = 512;

/// Batch TRIX.
pub fn trix(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = Trix::check(timeperiod)?;
    params::same_len("trix", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin);
    let chain = Cascade::<3>::new(period);
    crate::with_simd!(trix_loop(chain, &real[begin..], &mut out[begin..]));
    Ok(())
}

#[inline(always)]
fn trix_loop(mut chain: Cascade<3>, real: &[f64], out: &mut [f64]) {
    // The lookback and the steps until the stages share blocks, one input at a time; from there
    // on, pieces of whole groups stay aligned.
    let head = chain.run_head(real, out, |s| s[2]);
    let mut prev = f64::NAN;
    for o in &mut out[..head] {
        let e3 = *o;
        *o = trix_ratio(e3, prev);
        prev = e3;
    }
    let mut e3 = [0.0; CHUNK];
    for (x, o) in real[head..]
        .chunks(CHUNK)
        .zip(out[head..].chunks_mut(CHUNK))
    {
        let e3 = &mut e3[..x.len()];
        chain.run(x, e3, |s| s[2], |s| s[2]);
        o[0] = trix_ratio(e3[0], prev);
        for ((o, &e), &prev) in o[1..].iter_mut().zip(&e3[1..]).zip(&e3[..e3.len() - 1]) {
            *o = trix_ratio(e, prev);
        }
        prev = e3[e3.len() - 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch_across_blocks_and_nan_gaps() {
        let mut x = series(1500, 7);
        x[900] = f64::NAN;
        for lead in [0, 3] {
            let mut x = x.clone();
            x[..lead].fill(f64::NAN);
            for period in [1, 2, 3, 5, 9, 30] {
                let n = x.len();
                let (mut d, mut t, mut r) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                if period > 1 {
                    dema(&x, period, &mut d).unwrap();
                    tema(&x, period, &mut t).unwrap();
                    let mut sd = DoubleExponentialMovingAverage::new(period).unwrap();
                    let mut st = TripleExponentialMovingAverage::new(period).unwrap();
                    let want: Vec<f64> = x.iter().map(|&v| sd.update(v)).collect();
                    assert_same(&d, &want);
                    let want: Vec<f64> = x.iter().map(|&v| st.update(v)).collect();
                    assert_same(&t, &want);
                    assert_eq!(
                        d.iter().take_while(|v| v.is_nan()).count(),
                        lead + 2 * (period - 1)
                    );
                }
                trix(&x, period, &mut r).unwrap();
                let mut sr = Trix::new(period).unwrap();
                let want: Vec<f64> = x.iter().map(|&v| sr.update(v)).collect();
                assert_same(&r, &want);
                assert_eq!(
                    r.iter().take_while(|v| v.is_nan()).count(),
                    lead + 3 * (period - 1) + 1
                );
                assert!(r[901..].iter().all(|v| v.is_nan()));
            }
        }
    }
}
