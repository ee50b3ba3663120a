//! Variance over a window (TA-Lib `VAR`, population variance) and the shared rolling-variance
//! kernel of `STDDEV`.
//!
//! Windows of [`DIRECT_MIN`] to [`DIRECT_MAX`] values are computed directly, each on its own: the sums of
//! `d = x - K` and `d²` about the window's oldest value `K`, then `var = s2/n - (s1/n)²` (with
//! `1/n` multiplied). [`LANES`](crate::window::LANES) windows are summed side by side, so there is
//! no chain from one candle to the next; with the shift inside the window nothing cancels beyond
//! the window's own spread, and a constant window is exactly 0. This equals TA-Lib to rounding,
//! not bit for bit. The direct value is the more accurate one (about 1e-16 relative); TA-Lib's
//! running sums carry rounding from values that left the window long ago, which on random walks
//! with 5% moves near 74,000 reached 1.3e-9 relative (2 draws in 20,000 of up to 300 candles,
//! checked against exact rational arithmetic), so there the two differ by slightly more than
//! the 1e-9 the tests allow.
//!
//! Other windows, and every window from the first one whose direct variance is not finite (a NaN or an
//! infinity in the input), follow TA-Lib 0.8 step for step, which keeps its NaN tail (TA-Lib's
//! sums stay NaN until its next scheduled re-centring). TA-Lib 0.8 no longer uses the textbook
//! `mean(x^2) - mean(x)^2` on raw sums, which cancels catastrophically on prices far from zero.
//! It keeps the sums of `d = x - K` and `d^2` about a shift `K` (first the oldest value of the
//! first window), and re-centres `K` on the window's mean, recomputing both sums from the window,
//! whenever the result becomes untrustworthy:
//!
//! - `var = s2/n - (s1/n)^2` (with `1/n` multiplied, not divided) is below `1e-6` of `s2/n` after
//!   the leaving value is removed, or
//! - the leaving value's `d^2` exceeds `1e6` times the remaining `s2`, or
//! - `32 n` windows have passed since the last re-centring.
//!
//! After a re-centring a variance below `1e-12` of `s2/n` is reported as 0. On that path we follow
//! the same steps in the same order, so the results are TA-Lib's to the last bit.

use crate::error::Result;
use crate::params;
use crate::window::{moments, moments_into, Window, CHUNK};

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

/// Windows of `DIRECT_MIN..=DIRECT_MAX` values use the direct moments (about `n / 4` cycles per
/// candle with AVX2, against TA-Lib's 6-cycle chain); the others TA-Lib's sliding sums. Below 5,
/// windows far more often have a variance tiny next to their neighbours', where TA-Lib's own
/// running sums drift by more than 1e-9 of it (measured: up to 5e-8 relative at n = 2 on random
/// walks), so only TA-Lib's own steps agree with TA-Lib there.
pub(crate) const DIRECT_MIN: usize = 5;
pub(crate) const DIRECT_MAX: usize = 16;

/// The variance from the direct moments of a window of `n` (`inv = 1/n`); a rounded negative is 0.
#[inline(always)]
pub(crate) fn from_moments(s1: f64, s2: f64, inv: f64) -> f64 {
    let m = inv * s1;
    let v = inv * s2 - m * m;
    if v < 0.0 {
        0.0
    } else {
        v
    }
}

/// The batch rolling variance over `x` (leading NaNs already skipped): `out[i] = finish(var)` for
/// every full window ending at `i` (`out` as long as `x`). Direct moments up to `direct_max`, and
/// TA-Lib's sums from the first window whose direct variance is not finite (and for longer windows).
#[inline(always)]
pub(crate) fn rolling_var(
    x: &[f64],
    period: usize,
    direct_max: usize,
    out: &mut [f64],
    finish: impl Fn(f64) -> f64,
) {
    let last = period - 1;
    let mut from = last;
    if (DIRECT_MIN..=direct_max).contains(&period) {
        let inv = 1.0 / period as f64;
        let (mut s1, mut s2) = ([0.0; CHUNK], [0.0; CHUNK]);
        let count = x.len() - last;
        let mut t = 0;
        from = x.len();
        while t < count {
            let m = CHUNK.min(count - t);
            let (a, b) = (&mut s1[..m], &mut s2[..m]);
            moments_into(&x[t..t + m + last], period, a, b);
            let mut bad = false;
            let o = &mut out[t + last..t + last + m];
            for ((o, v), &a) in o.iter_mut().zip(b.iter_mut()).zip(a.iter()) {
                *v = from_moments(a, *v, inv);
                *o = finish(*v);
                bad |= !v.is_finite();
            }
            if bad {
                // Outputs from here on come from TA-Lib's steps below.
                from = t + last + b.iter().position(|v| !v.is_finite()).unwrap_or(0);
                break;
            }
            t += m;
        }
    }
    if from < x.len() {
        rolling(x, period, |i, v| {
            if i >= from {
                out[i] = finish(v)
            }
        });
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
    let x = &real[begin..];
    crate::with_simd!(rolling_var(x, period, DIRECT_MAX, o, |v| v));
    Ok(())
}

/// The streaming form of the rolling variance (used by `Variance` and `StandardDeviation`): the
/// same direct moments as the batch while they are finite, TA-Lib's sums (always kept up to date,
/// O(1) per value) from the first variance that is not finite on, so it reproduces [`rolling_var`] bit for bit.
#[derive(Debug, Clone)]
pub(crate) struct RollingVariance {
    period: usize,
    direct: bool,
    tainted: bool,
    window: Window,
    st: Shifted,
}

impl RollingVariance {
    pub(crate) fn new(period: usize) -> Self {
        Self::with_direct_max(period, DIRECT_MAX)
    }

    pub(crate) fn with_direct_max(period: usize, direct_max: usize) -> Self {
        Self {
            period,
            direct: (DIRECT_MIN..=direct_max).contains(&period),
            tainted: false,
            window: Window::new(period),
            st: Shifted::new(period),
        }
    }

    /// The variance of the window ending at `x`, or None until the window is full.
    #[inline]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        if self.window.is_empty() {
            if x.is_nan() {
                return None;
            }
            self.st.k = x;
        }
        self.window.push(x);
        if !self.window.is_full() {
            self.st.add(x);
            return None;
        }
        let w = self.window.as_slice();
        let talib = self.st.step(x, w[0], || w.iter().copied());
        if self.direct && !self.tainted {
            let (s1, s2) = moments(w);
            let v = from_moments(s1, s2, 1.0 / self.period as f64);
            if v.is_finite() {
                return Some(v);
            }
            self.tainted = true;
        }
        Some(talib)
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.window.is_full()
    }

    pub(crate) fn reset(&mut self) {
        self.window.clear();
        self.tainted = false;
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
    use crate::window::CHUNK;

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

    /// TA-Lib's steps over the whole input (the path longer windows take).
    fn talib_steps(x: &[f64], period: usize) -> Vec<f64> {
        let mut out = vec![f64::NAN; x.len()];
        let begin = params::first_valid(x);
        rolling(&x[begin..], period, |i, v| out[begin + i] = v);
        out
    }

    #[test]
    fn direct_moments_across_chunks_nan_and_infinity() {
        let base: Vec<f64> = series(3 * CHUNK + 37, 7)
            .iter()
            .map(|v| v * 900.0)
            .collect();
        for gap in [
            None,
            Some(5),
            Some(CHUNK - 1),
            Some(CHUNK + 8),
            Some(2 * CHUNK + 3),
        ] {
            for bad in [f64::NAN, f64::INFINITY] {
                let mut x = base.clone();
                x[0] = f64::NAN;
                if let Some(g) = gap {
                    x[g] = bad;
                }
                for period in [1, 2, DIRECT_MIN, 8, 9, DIRECT_MAX, DIRECT_MAX + 1] {
                    let mut out = vec![0.0; x.len()];
                    var(&x, period, &mut out).unwrap();
                    let mut s = Variance::new(period).unwrap();
                    let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
                    assert_same(&out, &streamed);
                    let talib = talib_steps(&x, period);
                    // Before the first bad window the two agree to rounding, from it on exactly.
                    let from = gap.map_or(x.len(), |g| g.max(period));
                    for i in 0..x.len() {
                        if i < from {
                            let tol = 1e-9 * talib[i].abs() + 1e-9;
                            assert!(
                                (out[i] - talib[i]).abs() <= tol
                                    || out[i].is_nan() && talib[i].is_nan(),
                                "{period} {i}"
                            );
                        } else {
                            assert_eq!(out[i].to_bits(), talib[i].to_bits(), "{period} {i}");
                        }
                    }
                }
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
