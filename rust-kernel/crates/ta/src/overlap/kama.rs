//! Kaufman adaptive moving average (TA-Lib `KAMA`, lookback `n`).
//!
//! Efficiency ratio `er = |x - x[n]| / sum(|x[i] - x[i-1]|, n)` (1 when the noise sum is zero or not
//! above the raw change, as TA-Lib tests it), smoothing `sc = (er (2/3 - 2/31) + 2/31)^2`,
//! `kama = (x - kama) sc + kama` (fused where TA-Lib's build fuses it, see `params::fma_enabled`),
//! started from `x[n-1]`.

use crate::error::Result;
use crate::overlap::ema::{step, step_dyn};
use crate::params;
use crate::window::Ring;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("kama", "timeperiod", timeperiod, 2)
}

const CONST_MAX: f64 = 2.0 / (30.0 + 1.0);
const CONST_DIFF: f64 = 2.0 / (2.0 + 1.0) - CONST_MAX;

#[derive(Debug, Clone)]
pub struct KaufmanAdaptiveMovingAverage {
    period: usize,
    /// The last `n + 1` inputs.
    ring: Ring,
    noise: f64,
    fused: bool,
    value: f64,
}

impl KaufmanAdaptiveMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            ring: Ring::new(period + 1),
            noise: 0.0,
            fused: params::fma_enabled(),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        if !self.ring.is_full() {
            if !self.ring.is_empty() {
                self.noise += (self.ring.ago(0) - x).abs();
            }
            self.ring.push(x);
            if !self.ring.is_full() {
                return f64::NAN;
            }
            // First output: start from the previous input.
            self.value = self.ring.ago(1);
            let oldest = self.ring.ago(self.period);
            return self.smooth(x, x - oldest);
        }
        let prev = self.ring.ago(0);
        let leaving = self.ring.ago(self.period);
        let next_oldest = self.ring.ago(self.period - 1);
        self.noise -= (leaving - next_oldest).abs();
        self.noise += (x - prev).abs();
        self.ring.push(x);
        self.smooth(x, x - next_oldest)
    }

    #[inline(always)]
    fn smooth(&mut self, x: f64, change: f64) -> f64 {
        let sc = params::mul_add_dyn(
            self.fused,
            efficiency(self.noise, change),
            CONST_DIFF,
            CONST_MAX,
        );
        self.value = step_dyn(self.fused, x, self.value, sc * sc);
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
        self.noise = 0.0;
        self.value = f64::NAN;
    }
}

/// The smoothing constant of one step (shared by the stream and the batch loop); TA-Lib's build
/// fuses `er * diff + max` where it fuses.
#[inline(always)]
fn smoothing<const FMA: bool>(noise: f64, change: f64) -> f64 {
    let er = efficiency(noise, change);
    let sc = if FMA {
        er.mul_add(CONST_DIFF, CONST_MAX)
    } else {
        (er * CONST_DIFF) + CONST_MAX
    };
    sc * sc
}

#[inline(always)]
fn efficiency(noise: f64, change: f64) -> f64 {
    if noise <= change || params::is_zero(noise) {
        1.0
    } else {
        (change / noise).abs()
    }
}

/// Batch KAMA: the stream's arithmetic over the slice, with the window read in place.
pub fn kama(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = check(timeperiod)?;
    params::same_len("kama", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + n);
    if begin + n >= real.len() {
        return Ok(());
    }
    let x = &real[begin..];
    let out = &mut out[begin..];
    let mut noise = 0.0;
    for j in 1..=n {
        noise += (x[j - 1] - x[j]).abs();
    }
    crate::with_fma!(run(x, n, noise, out));
    Ok(())
}

/// The batch loop; the step `(x - kama) sc + kama` is fused where TA-Lib's build fuses it.
#[inline(always)]
fn run<const FMA: bool>(x: &[f64], n: usize, mut noise: f64, out: &mut [f64]) {
    let mut value = x[n - 1];
    let sc = smoothing::<FMA>(noise, x[n] - x[0]);
    value = step::<FMA>(x[n], value, sc);
    out[n] = value;
    for t in n + 1..x.len() {
        noise -= (x[t - n - 1] - x[t - n]).abs();
        noise += (x[t] - x[t - 1]).abs();
        let sc = smoothing::<FMA>(noise, x[t] - x[t - n]);
        value = step::<FMA>(x[t], value, sc);
        out[t] = value;
    }
}
