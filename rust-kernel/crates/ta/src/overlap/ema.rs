//! Exponential moving average (TA-Lib `EMA`).
//!
//! `k = 2 / (n + 1)`, seeded with the SMA of the first `n` values (TA-Lib's default, non-Metastock
//! compatibility), then `ema = (1 - k) * ema + k * x`. TA-Lib writes the step `(x - ema) * k + ema`,
//! one dependent multiply-add per candle; here the recurrence runs in anchored blocks (see
//! `crate::chain`), so the outputs agree with TA-Lib to rounding (a few ulps), not bit for bit. The
//! batch loop and the stream run the same state machine ([`Anchored`]), so a stream reproduces the
//! batch output exactly.

use crate::chain::Anchored;
use crate::error::Result;
use crate::params;

const NAME: &str = "ema";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 2)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// Batch EMA of `real` into `out`.
pub fn ema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(period));
    if begin + lookback(period) >= real.len() {
        return Ok(());
    }
    core(
        &real[begin..],
        period,
        params::per_to_k(period),
        &mut out[begin..],
    );
    Ok(())
}

/// TA-Lib's EMA step, `(x - e) * k + e`, fused or not as TA-Lib is on this CPU (see
/// [`params::fma_enabled`]); KAMA's variable-coefficient step (the EMA itself is anchored).
#[inline(always)]
pub(crate) fn step<const FMA: bool>(x: f64, prev: f64, k: f64) -> f64 {
    if FMA {
        (x - prev).mul_add(k, prev)
    } else {
        (x - prev) * k + prev
    }
}

/// [`step`] for streams, which decide once at construction: the fused path is a call into code
/// compiled for FMA (a software `mul_add` would be correct but slow).
#[inline(always)]
pub(crate) fn step_dyn(fused: bool, x: f64, prev: f64, k: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if fused {
        #[target_feature(enable = "fma")]
        unsafe fn fused_step(x: f64, prev: f64, k: f64) -> f64 {
            step::<true>(x, prev, k)
        }
        // SAFETY: `fused` is only true when the CPU reported FMA (`params::fma_enabled`).
        return unsafe { fused_step(x, prev, k) };
    }
    let _ = fused;
    step::<false>(x, prev, k)
}

/// Run `$body` (which may call `step::<FMA>`) compiled for FMA when TA-Lib fuses on this CPU,
/// plainly otherwise. `$body` is the name of a function generic over `const FMA: bool`.
#[macro_export]
macro_rules! with_fma {
    ($body:ident ( $($arg:expr),* $(,)? )) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $crate::params::fma_enabled() {
                #[target_feature(enable = "fma")]
                unsafe fn fused<F: FnOnce() -> R, R>(f: F) -> R {
                    f()
                }
                // SAFETY: the CPU reported FMA.
                unsafe { fused(#[inline(always)] || $body::<true>($($arg),*)) }
            } else {
                $body::<false>($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $body::<false>($($arg),*)
        }
    }};
}

/// TA-Lib's `TA_INT_EMA` from index 0: writes `out[period-1..]` (`period == 1` degenerates to a
/// copy, up to rounding).
#[inline]
pub(crate) fn core(real: &[f64], period: usize, k: f64, out: &mut [f64]) {
    crate::with_simd!(core_impl(real, period, k, out))
}

#[inline(always)]
fn core_impl(real: &[f64], period: usize, k: f64, out: &mut [f64]) {
    let mut total = 0.0;
    for &x in &real[..period] {
        total += x;
    }
    let seed = total / period as f64;
    out[period - 1] = seed;
    let mut s = smoother(k, seed);
    run(&mut s, k, &real[period..], &mut out[period..]);
}

/// The anchored state of an EMA with factor `k` whose value is `seed`.
#[inline]
pub(crate) fn smoother(k: f64, seed: f64) -> Anchored<1> {
    Anchored::new(1.0 - k, [seed])
}

/// Continue the EMA state `s` (factor `k`) over `src` into `dst`, exactly as feeding `src` to
/// [`ExponentialMovingAverage::update`] one value at a time would.
#[inline(always)]
pub(crate) fn run(s: &mut Anchored<1>, k: f64, src: &[f64], dst: &mut [f64]) {
    s.run_scaled(k, src, dst);
}

/// Streaming EMA with TA-Lib's seeding; also usable with `period == 1` inside the crate.
#[derive(Debug, Clone)]
pub struct ExponentialMovingAverage {
    period: usize,
    k: f64,
    count: usize,
    total: f64,
    value: f64,
    /// The recurrence once seeded (`count >= period`).
    state: Anchored<1>,
}

impl ExponentialMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self::unchecked(check(timeperiod)?))
    }

    /// An EMA of any period >= 1 (callers validate).
    pub(crate) fn unchecked(period: usize) -> Self {
        Self::with_k(period, params::per_to_k(period))
    }

    /// An EMA seeded over `period` values that then smooths with `k` instead of `2 / (period + 1)`
    /// (TA-Lib's MACDFIX uses the fixed 0.15 and 0.075 with 12 and 26 seed values).
    pub(crate) fn with_k(period: usize, k: f64) -> Self {
        Self {
            period,
            k,
            count: 0,
            total: 0.0,
            value: f64::NAN,
            state: smoother(k, f64::NAN),
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.count >= self.period {
            self.value = self.state.step([self.k * x])[0];
            return self.value;
        }
        if self.count == 0 && x.is_nan() {
            return f64::NAN;
        }
        self.total += x;
        self.count += 1;
        if self.count == self.period {
            self.value = self.total / self.period as f64;
            self.state = smoother(self.k, self.value);
        }
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    /// The smoothing factor `k` (batch loops continue a primed stream with it).
    pub(crate) fn k(&self) -> f64 {
        self.k
    }

    /// The anchored recurrence of a ready stream (batch loops continue it with [`run`]).
    pub(crate) fn state(&self) -> &Anchored<1> {
        &self.state
    }

    pub fn is_ready(&self) -> bool {
        self.count >= self.period
    }

    pub fn reset(&mut self) {
        self.count = 0;
        self.total = 0.0;
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn seeded_with_sma() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut out = [0.0; 4];
        ema(&x, 3, &mut out).unwrap();
        assert!(out[1].is_nan());
        assert_eq!(out[2], 2.0);
        assert_eq!(out[3], (4.0 - 2.0) * 0.5 + 2.0);
    }

    #[test]
    fn streaming_equals_batch() {
        for period in [2, 5, 30] {
            let x = series(300, 2);
            let mut out = vec![0.0; x.len()];
            ema(&x, period, &mut out).unwrap();
            let mut s = ExponentialMovingAverage::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
        }
    }

    #[test]
    fn bad_period() {
        assert_eq!(
            ExponentialMovingAverage::new(1).unwrap_err().to_string(),
            "ema: timeperiod must be >= 2, got 1"
        );
    }
}
