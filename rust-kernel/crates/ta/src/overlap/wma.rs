//! Weighted moving average (TA-Lib `WMA`): weights `1..=n`, newest heaviest, divided by
//! `n (n + 1) / 2`. Kept, like TA-Lib, as a running weighted sum that moves by `n x` minus the
//! previous window's plain sum, but with both running sums moved in anchored blocks (see
//! [`crate::chain`]): equal to TA-Lib to rounding, without its per-candle chain of four additions.

use crate::chain::AnchoredSum;
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

/// The warm-up of the first `n` values: `(plain, value)` where `plain` is their sum and `value`
/// the weighted sum `x0 + 2 x1 + ... + n x(n-1)`, both added in order.
#[inline]
fn warm(x: &[f64]) -> (f64, f64) {
    let n = x.len();
    let (mut plain, mut weighted) = (0.0, 0.0);
    for (k, &v) in x[..n - 1].iter().enumerate() {
        plain += v;
        weighted += v * (k + 1) as f64;
    }
    let last = x[n - 1];
    (plain + last, weighted + last * n as f64)
}

/// The two running sums: `plain` (the window's sum `P`) and `weighted` (the weighted sum `V`,
/// which moves by `n x - P_previous`), both in anchored blocks ([`AnchoredSum`]).
#[derive(Debug, Clone)]
struct Sums {
    plain: AnchoredSum<1>,
    weighted: AnchoredSum<1>,
    last_plain: f64,
}

#[derive(Debug, Clone)]
pub struct WeightedMovingAverage {
    period: usize,
    ring: Ring,
    sums: Option<Sums>,
    value: f64,
}

impl WeightedMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            ring: Ring::new(period),
            sums: None,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        let leaving = self.ring.push(x);
        let inv = inv_divider(self.period);
        let Some(sums) = self.sums.as_mut() else {
            if self.ring.len() < self.period {
                return f64::NAN;
            }
            let window: Vec<f64> = self.ring.iter().collect();
            let (plain, weighted) = warm(&window);
            self.sums = Some(Sums {
                plain: AnchoredSum::new([plain]),
                weighted: AnchoredSum::new([weighted]),
                last_plain: plain,
            });
            self.value = weighted * inv;
            return self.value;
        };
        let leaving = leaving.unwrap_or_else(|| unreachable!("the ring is full once summed"));
        let nx = x * self.period as f64;
        let weighted = sums.weighted.step([nx - sums.last_plain])[0];
        sums.last_plain = sums.plain.step([x - leaving])[0];
        self.value = weighted * inv;
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
        self.sums = None;
        self.value = f64::NAN;
    }
}

/// `1 / (n (n + 1) / 2)`, multiplied instead of dividing by TA-Lib's divider.
fn inv_divider(n: usize) -> f64 {
    1.0 / ((n * (n + 1)) >> 1) as f64
}

/// Batch WMA of `real` into `out`, in two passes over `out` with the stream's operations: the
/// window sums `P[t-1]` into `out[t]`, then the weighted sums, each step reading the `P` stored at
/// its index before overwriting it with the average. No scratch memory.
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
    let (plain, weighted) = warm(&x[..n]);
    let inv = inv_divider(n);
    out[n - 1] = weighted * inv;
    if x.len() > n {
        out[n] = plain;
        let (enter, leave) = (&x[n..x.len() - 1], &x[..x.len() - 1 - n]);
        let dst = &mut out[n + 1..];
        AnchoredSum::new([plain]).run_into(
            |t| [enter[t] - leave[t]],
            |t, y| dst[t] = y[0],
            enter.len(),
        );
        let nf = n as f64;
        let cells = std::cell::Cell::from_mut(&mut out[n..]).as_slice_of_cells();
        let x = &x[n..];
        AnchoredSum::new([weighted]).run_into(
            |t| [x[t] * nf - cells[t].get()],
            |t, y| cells[t].set(y[0] * inv),
            x.len(),
        );
    }
    // A gap is refused (see `params::first_valid_no_gaps`). A NaN anywhere after `begin` enters
    // both running sums for good, so the last average tells whether to look for it.
    if out.last().is_some_and(|v| v.is_nan()) {
        params::refuse_nan_after(NAME, &[("real", real)], begin)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};
    use crate::KernelError;

    /// A gap anywhere after the first value is refused with its index: in the warm-up, in the
    /// middle, at the very end, and when the input holds exactly one window. A leading NaN is not.
    #[test]
    fn gaps_are_refused_wherever_they_are() {
        let x = series(500, 2);
        for (len, at) in [(500, 3), (500, 250), (500, 499), (10, 9), (10, 2)] {
            let mut y = x[..len].to_vec();
            y[0] = f64::NAN;
            y[at] = f64::NAN;
            let mut out = vec![0.0; len];
            let err = wma(&y, 9, &mut out).unwrap_err();
            assert_eq!(
                err,
                KernelError::NotANumber {
                    indicator: NAME,
                    name: "real",
                    index: at
                }
            );
        }
        let mut y = x.clone();
        y[0] = f64::NAN;
        let mut out = vec![0.0; y.len()];
        wma(&y, 9, &mut out).unwrap();
        let mut s = WeightedMovingAverage::new(9).unwrap();
        let streamed: Vec<f64> = y.iter().map(|&v| s.update(v)).collect();
        assert_same(&out, &streamed);
    }
}
