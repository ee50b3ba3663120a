//! Variance over a window (TA-Lib `VAR`, population variance) and the shared rolling-variance
//! kernel of `STDDEV`.
//!
//! TA-Lib 0.8 no longer uses the textbook `mean(x^2) - mean(x)^2` on raw sums, which cancels
//! catastrophically on prices far from zero. It keeps the sums of `d = x - K` and `d^2` about a
//! shift `K` (first the oldest value of the first window), and re-centres `K` on the window's mean,
//! recomputing both sums from the window, whenever the result becomes untrustworthy:
//!
//! - `var = s2/n - (s1/n)^2` (with `1/n` multiplied, not divided) is below `1e-6` of `s2/n` after
//!   the leaving value is removed, or
//! - the leaving value's `d^2` exceeds `1e6` times the remaining `s2`, or
//! - `32 n` windows have passed since the last re-centring.
//!
//! After a re-centring a variance below `1e-12` of `s2/n` is reported as 0. We follow the same
//! steps in the same order, so the results are TA-Lib's to the last bit.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

const NAME: &str = "var";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// The state of the shifted sums, shared by the batch loop and the stream.
#[derive(Debug, Clone, Copy)]
struct Shifted {
    inv: f64,
    k: f64,
    s1: f64,
    s2: f64,
    budget: usize,
    refresh: usize,
}

impl Shifted {
    fn new(period: usize) -> Self {
        Self {
            inv: 1.0 / period as f64,
            k: 0.0,
            s1: 0.0,
            s2: 0.0,
            budget: 32 * period,
            refresh: 32 * period,
        }
    }

    #[inline(always)]
    fn add(&mut self, x: f64) {
        let d = x - self.k;
        self.s1 = scalar(self.s1 + d);
        self.s2 += d * d;
    }

    /// One full window: `x` entered (already in the window), `oldest` is the window's first value
    /// and leaves after this output. `window()` yields the window oldest to newest.
    #[inline(always)]
    fn step<I: Iterator<Item = f64>>(
        &mut self,
        x: f64,
        oldest: f64,
        window: impl Fn() -> I,
    ) -> f64 {
        self.add(x);
        let m = self.inv * self.s1;
        let var = self.inv * self.s2 - m * m;
        let t = oldest - self.k;
        let tt = t * t;
        self.s2 -= tt;
        if self.inv * self.s2 * 1e-6 > var || tt > self.s2 * 1e6 || {
            self.budget -= 1;
            self.budget == 0
        } {
            let (st, var) = recentre(*self, oldest, window);
            *self = st;
            return var;
        }
        self.s1 = scalar(self.s1 - t);
        var
    }
}

/// Identity that the optimiser cannot see through. LLVM otherwise packs the two running sums
/// into one vector register, putting shuffles on the loop's dependency chain (about 1.5x slower
/// than two scalar chains).
#[inline(always)]
fn scalar(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        let mut x = x;
        // SAFETY: an empty instruction template; `x` stays in its register unchanged.
        unsafe {
            std::arch::asm!("/* {0} */", inout(xmm_reg) x, options(pure, nomem, nostack, preserves_flags));
        }
        x
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        x
    }
}

/// Re-centre on the window's mean and recompute both sums (the rare path, kept out of line and
/// by value so the hot loop's state stays in registers).
#[cold]
#[inline(never)]
fn recentre<I: Iterator<Item = f64>>(
    mut st: Shifted,
    oldest: f64,
    window: impl Fn() -> I,
) -> (Shifted, f64) {
    let mut sum = 0.0;
    for v in window() {
        sum += v;
    }
    st.k = sum * st.inv;
    st.s1 = 0.0;
    st.s2 = 0.0;
    for v in window() {
        st.add(v);
    }
    let m = st.inv * st.s1;
    let a = st.inv * st.s2;
    let mut var = a - m * m;
    if var < a * 1e-12 {
        var = 0.0;
    }
    let t = oldest - st.k;
    st.s1 -= t;
    st.s2 -= t * t;
    st.budget = st.refresh;
    (st, var)
}

/// Run the rolling variance over `x` (leading NaNs already skipped), calling `emit(i, var)` for
/// every full window ending at `i`.
#[inline(always)]
pub(crate) fn rolling(x: &[f64], period: usize, mut emit: impl FnMut(usize, f64)) {
    let mut st = Shifted::new(period);
    st.k = x[0];
    for &v in &x[..period - 1] {
        st.add(v);
    }
    for i in period - 1..x.len() {
        let start = i + 1 - period;
        let window = &x[start..=i];
        let var = st.step(x[i], x[start], || window.iter().copied());
        emit(i, var);
    }
}

pub fn var(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(period));
    if begin + lookback(period) >= real.len() {
        return Ok(());
    }
    let o = &mut out[begin..];
    rolling(&real[begin..], period, |i, v| o[i] = v);
    Ok(())
}

/// The streaming form of the rolling variance (used by `Variance` and `StandardDeviation`).
#[derive(Debug, Clone)]
pub(crate) struct RollingVariance {
    period: usize,
    ring: Ring,
    st: Shifted,
}

impl RollingVariance {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            ring: Ring::new(period),
            st: Shifted::new(period),
        }
    }

    /// The variance of the window ending at `x`, or None until the window is full.
    #[inline]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        if self.ring.is_empty() {
            if x.is_nan() {
                return None;
            }
            self.st.k = x;
        }
        self.ring.push(x);
        if !self.ring.is_full() {
            self.st.add(x);
            return None;
        }
        let oldest = self.ring.ago(self.period - 1);
        let ring = &self.ring;
        Some(self.st.step(x, oldest, || ring.iter()))
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ring.is_full()
    }

    pub(crate) fn reset(&mut self) {
        self.ring.clear();
        self.st = Shifted::new(self.period);
    }
}

/// Streaming VAR: `update(x)` equals [`var`] at every index.
#[derive(Debug, Clone)]
pub struct Variance {
    inner: RollingVariance,
    value: f64,
}

impl Variance {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        check(timeperiod)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            inner: RollingVariance::new(period),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        match self.inner.update(x) {
            Some(v) => {
                self.value = v;
                v
            }
            None => f64::NAN,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    pub fn reset(&mut self) {
        self.inner.reset();
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch_and_is_close_to_two_pass() {
        let x: Vec<f64> = series(2000, 4).iter().map(|v| v * 700.0).collect();
        for period in [1, 2, 5, 20, 61] {
            let mut out = vec![0.0; x.len()];
            var(&x, period, &mut out).unwrap();
            let mut s = Variance::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
            for i in period - 1..x.len() {
                let w = &x[i + 1 - period..=i];
                let mean = w.iter().sum::<f64>() / period as f64;
                let exact = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / period as f64;
                assert!((out[i] - exact).abs() <= 1e-9 * exact.max(1e-3), "{i}");
            }
        }
    }

    #[test]
    fn constant_series_is_zero() {
        let x = vec![74_000.25; 100];
        let mut out = vec![0.0; 100];
        var(&x, 10, &mut out).unwrap();
        assert!(out[9..].iter().all(|&v| v == 0.0));
    }
}
