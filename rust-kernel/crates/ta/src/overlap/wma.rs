//! Weighted moving average (TA-Lib `WMA`): weights `1..=n`, newest heaviest, divided by
//! `n (n + 1) / 2`. Kept as TA-Lib's running weighted sum (`sum += n x; ...; sum -= plain_sum`).

use crate::error::Result;
use crate::params;
use crate::window::Ring;

const NAME: &str = "wma";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 2)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

#[derive(Debug, Clone)]
pub struct WeightedMovingAverage {
    period: usize,
    ring: Ring,
    weighted: f64,
    plain: f64,
    trailing: f64,
    value: f64,
}

impl WeightedMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            ring: Ring::new(period),
            weighted: 0.0,
            plain: 0.0,
            trailing: 0.0,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        let n = self.ring.len();
        if n < self.period - 1 {
            self.ring.push(x);
            self.plain += x;
            self.weighted += x * (n + 1) as f64;
            return f64::NAN;
        }
        let divider = ((self.period * (self.period + 1)) >> 1) as f64;
        self.plain += x;
        self.plain -= self.trailing;
        self.weighted += x * self.period as f64;
        self.ring.push(x);
        // The oldest value of the window just completed leaves the plain sum at the next step.
        self.trailing = self.ring.ago(self.period - 1);
        self.value = self.weighted / divider;
        self.weighted -= self.plain;
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
        self.weighted = 0.0;
        self.plain = 0.0;
        self.trailing = 0.0;
        self.value = f64::NAN;
    }
}

/// Batch WMA of `real` into `out`: the stream's running sums over the slice, the window read in
/// place instead of through a ring.
pub fn wma(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(n));
    if begin + lookback(n) >= real.len() {
        return Ok(());
    }
    let x = &real[begin..];
    let out = &mut out[begin..];
    run(x, n, out);
    Ok(())
}

/// The batch loop. TA-Lib 0.8's WMA agrees to about 1e-15 relative but not bitwise (neither the
/// fused nor the plain form of `weighted += x * weight` reproduces its last bits).
#[inline(always)]
fn run(x: &[f64], n: usize, out: &mut [f64]) {
    let (mut weighted, mut plain) = (0.0, 0.0);
    for (k, &v) in x[..n - 1].iter().enumerate() {
        plain += v;
        let w = (k + 1) as f64;
        weighted += v * w;
    }
    let divider = ((n * (n + 1)) >> 1) as f64;
    let nf = n as f64;
    let mut trailing = 0.0;
    for t in n - 1..x.len() {
        let v = x[t];
        plain += v;
        plain -= trailing;
        weighted += v * nf;
        trailing = x[t + 1 - n];
        out[t] = weighted / divider;
        weighted -= plain;
    }
}
