//! Tillson's T3 moving average (TA-Lib `T3`).
//!
//! Six EMAs chained (`e1 = EMA(x)`, `e2 = EMA(e1)`, ... `e6 = EMA(e5)`, all with
//! `k = 2 / (n + 1)`), combined as `c1 e6 + c2 e5 + c3 e4 + c4 e3` with the volume factor `v`:
//! `c1 = -v^3`, `c2 = 3 (v^2 - c1)`, `c3 = -6 v^2 - 3 (v - c1)`, `c4 = 1 + 3 v - c1 + 3 v^2`.
//! TA-Lib seeds each EMA with the mean of the first `n` values of the one below it, written as
//! TA-Lib writes it (`k x + (1 - k) e`, not `(x - e) k + e`), so the first output is at index
//! `6 (n - 1)`. A period of 1 copies the input. Parameters: `timeperiod` 1..=100000 (default 5),
//! `vfactor` in [0, 1] (default 0.7).

use crate::error::Result;
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

/// The smoothing constants: `k`, `1 - k` and the four weights `c1..c4`, in TA-Lib's order; its
/// FMA build contracts `c4` into `fma(3, v^2, fma(3, v, 1) - c1)`, an ulp away for some `v`
/// (0.3, 0.995); identified against TA-Lib 0.8.1 over a sweep of `v`.
fn constants(period: usize, v: f64, fused: bool) -> (f64, f64, [f64; 4]) {
    let k = 2.0 / (period as f64 + 1.0);
    let v2 = v * v;
    let c1 = 0.0 - v2 * v;
    let c2 = 3.0 * (v2 - c1);
    let c3 = (0.0 - 6.0) * v2 - 3.0 * (v - c1);
    let c4 = if fused {
        3.0f64.mul_add(v2, 3.0f64.mul_add(v, 1.0) - c1)
    } else {
        1.0 + 3.0 * v - c1 + 3.0 * v2
    };
    (k, 1.0 - k, [c1, c2, c3, c4])
}

/// `k x + (1 - k) e`; TA-Lib's FMA build contracts the second product into the addition
/// (`fma(1 - k, e, k x)`, identified against TA-Lib 0.8.1 bit for bit).
#[inline(always)]
fn ema<const FMA: bool>(k: f64, x: f64, omk: f64, e: f64) -> f64 {
    if FMA {
        omk.mul_add(e, k * x)
    } else {
        k * x + omk * e
    }
}

/// Advance the first `depth` EMAs of the chain by one input.
#[inline(always)]
fn advance<const FMA: bool>(e: &mut [f64; 6], depth: usize, x: f64, k: f64, omk: f64) {
    let mut input = x;
    for v in e.iter_mut().take(depth) {
        *v = ema::<FMA>(k, input, omk, *v);
        input = *v;
    }
}

/// `c1 e6 + c2 e5 + c3 e4 + c4 e3`, left to right; TA-Lib's FMA build computes
/// `fma(c4, e3, fma(c3, e4, fma(c1, e6, c2 e5)))`.
#[inline(always)]
fn combine<const FMA: bool>(e: &[f64; 6], c: &[f64; 4]) -> f64 {
    let acc = if FMA {
        c[0].mul_add(e[5], c[1] * e[4])
    } else {
        c[0] * e[5] + c[1] * e[4]
    };
    let acc = params::madd::<FMA>(c[2], e[3], acc);
    params::madd::<FMA>(c[3], e[2], acc)
}

/// One input to a stream: the fused or plain path, as decided at construction.
#[inline(always)]
fn update_dyn(s: &mut T3, x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if s.fused {
        #[target_feature(enable = "fma")]
        unsafe fn fused(s: &mut T3, x: f64) -> f64 {
            s.update_impl::<true>(x)
        }
        // SAFETY: `fused` is only true when the CPU reported FMA (`params::fma_enabled`).
        return unsafe { fused(s, x) };
    }
    s.update_impl::<false>(x)
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
    // Seed the chain exactly as the stream does, then run a loop with the six EMAs in registers.
    let mut s = T3::unchecked(period, v);
    for &x in &real[begin..start] {
        s.update(x);
    }
    out[start] = s.update(real[start]);
    crate::with_fma!(tail(&s, &real[start + 1..], &mut out[start + 1..]));
    Ok(())
}

#[inline(always)]
fn tail<const FMA: bool>(s: &T3, real: &[f64], out: &mut [f64]) {
    let (k, omk, c) = (s.k, s.omk, s.c);
    let [mut e1, mut e2, mut e3, mut e4, mut e5, mut e6] = s.e;
    for (o, &x) in out.iter_mut().zip(real) {
        e1 = ema::<FMA>(k, x, omk, e1);
        e2 = ema::<FMA>(k, e1, omk, e2);
        e3 = ema::<FMA>(k, e2, omk, e3);
        e4 = ema::<FMA>(k, e3, omk, e4);
        e5 = ema::<FMA>(k, e4, omk, e5);
        e6 = ema::<FMA>(k, e5, omk, e6);
        *o = combine::<FMA>(&[e1, e2, e3, e4, e5, e6], &c);
    }
}

/// Streaming T3, equal to [`t3`] at every index.
#[derive(Debug, Clone)]
pub struct T3 {
    period: usize,
    k: f64,
    omk: f64,
    c: [f64; 4],
    vfactor: f64,
    fused: bool,
    /// How many EMAs of the chain are seeded (0..=6).
    depth: usize,
    /// Inputs consumed while seeding the next EMA.
    count: usize,
    total: f64,
    e: [f64; 6],
    value: f64,
}

impl T3 {
    pub fn new(timeperiod: usize, vfactor: f64) -> Result<Self> {
        let (period, v) = check(timeperiod, vfactor)?;
        Ok(Self::unchecked(period, v))
    }

    fn unchecked(period: usize, v: f64) -> Self {
        let fused = params::fma_enabled();
        let (k, omk, c) = constants(period, v, fused);
        Self {
            period,
            k,
            omk,
            c,
            vfactor: v,
            fused,
            depth: 0,
            count: 0,
            total: 0.0,
            e: [0.0; 6],
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        update_dyn(self, x)
    }

    #[inline(always)]
    fn update_impl<const FMA: bool>(&mut self, x: f64) -> f64 {
        if self.depth == 6 {
            if self.period == 1 {
                self.value = x;
                return x;
            }
            advance::<FMA>(&mut self.e, 6, x, self.k, self.omk);
            self.value = combine::<FMA>(&self.e, &self.c);
            return self.value;
        }
        if self.depth == 0 {
            if self.count == 0 && x.is_nan() {
                return f64::NAN;
            }
            self.total = if self.count == 0 { x } else { self.total + x };
            self.count += 1;
            if self.count < self.period {
                return f64::NAN;
            }
            if self.period == 1 {
                // TA-Lib's T3 of period 1 is the input itself.
                self.depth = 6;
                self.value = x;
                return x;
            }
        } else {
            // Seeding e[depth]: run the seeded EMAs and sum the newest one.
            advance::<FMA>(&mut self.e, self.depth, x, self.k, self.omk);
            self.total += self.e[self.depth - 1];
            self.count += 1;
            if self.count < self.period - 1 {
                return f64::NAN;
            }
        }
        let seed = self.total / self.period as f64;
        self.e[self.depth] = seed;
        self.depth += 1;
        self.total = seed;
        self.count = 0;
        if self.depth < 6 {
            return f64::NAN;
        }
        self.value = combine::<FMA>(&self.e, &self.c);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.depth == 6
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
