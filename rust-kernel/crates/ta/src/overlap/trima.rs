//! Triangular moving average (TA-Lib `TRIMA`): an SMA of an SMA. For odd `n` both have
//! `(n + 1) / 2` values; for even `n` the first has `n / 2` and the second `n / 2 + 1`, which gives
//! TA-Lib's triangular weights. Lookback `n - 1`.

use crate::chain::AnchoredSum;
use crate::error::Result;
use crate::overlap::sma::{self, RunningMean};
use crate::params;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("trima", "timeperiod", timeperiod, 2)
}

#[derive(Debug, Clone)]
pub struct TriangularMovingAverage {
    first: RunningMean,
    second: RunningMean,
    started: bool,
    value: f64,
}

impl TriangularMovingAverage {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        let (a, b) = if n % 2 == 1 {
            (n.div_ceil(2), n.div_ceil(2))
        } else {
            (n / 2, n / 2 + 1)
        };
        Ok(Self {
            first: RunningMean::new(a),
            second: RunningMean::new(b),
            started: false,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if !self.started {
            if x.is_nan() {
                return f64::NAN;
            }
            self.started = true;
        }
        let Some(inner) = self.first.push(x) else {
            return f64::NAN;
        };
        let Some(outer) = self.second.push(inner) else {
            return f64::NAN;
        };
        self.value = outer;
        outer
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.second.is_full()
    }

    pub fn reset(&mut self) {
        self.first.reset();
        self.second.reset();
        self.started = false;
        self.value = f64::NAN;
    }
}

/// Batch TRIMA with exactly the stream's operations: the inner averages go straight into `out`
/// ([`sma::each`]); the outer average then walks `out` in chunks, keeping the inner values it
/// still needs (the `b` before the chunk) in a scratch of `O(period)` values, since it overwrites
/// them.
pub fn trima(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let stream = TriangularMovingAverage::new(timeperiod)?;
    params::same_len("trima", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    let (a, b) = (stream.first.period(), stream.second.period());
    params::fill_nan(out, (begin + a + b - 2).min(real.len()));
    let (real, out) = (&real[begin..], &mut out[begin..]);
    let first = a + b - 2;
    if first >= real.len() {
        return Ok(());
    }
    sma::each(real, a, |i, v| out[i] = v);
    if b == 1 {
        return Ok(());
    }
    // Outer seed: the first `b` inner averages, added in order as the stream's `RunningMean` does.
    let inv = 1.0 / b as f64;
    let mut total = 0.0;
    for &m in &out[a - 1..=first] {
        total += m;
    }
    let mut sum = AnchoredSum::new([total]);
    let chunk = b.max(4096);
    // `held[..b]`: the inner averages just before the chunk; `held[b..]`: the chunk's own.
    let mut held = vec![0.0; b + chunk];
    held[..b].copy_from_slice(&out[a - 1..=first]);
    out[a - 1..first].fill(f64::NAN);
    out[first] = total / b as f64;
    let mut start = first + 1;
    while start < out.len() {
        let len = chunk.min(out.len() - start);
        held[b..b + len].copy_from_slice(&out[start..start + len]);
        let dst = &mut out[start..start + len];
        let held_ref = &held;
        sum.run_into(
            |t| [held_ref[b + t] - held_ref[t]],
            |t, y| dst[t] = y[0] * inv,
            len,
        );
        held.copy_within(len..len + b, 0);
        start += len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    /// The batch walks its input in chunks of `max(4096, b)`: long inputs cross several chunk
    /// and block boundaries and must still equal the stream to the bit, and a plain SMA of SMA.
    #[test]
    fn long_input_equals_stream_and_definition() {
        let x = series(20_000, 3);
        for period in [2, 3, 4, 5, 20, 21, 9000] {
            let mut out = vec![0.0; x.len()];
            trima(&x, period, &mut out).unwrap();
            let mut s = TriangularMovingAverage::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
            let (a, b) = if period % 2 == 1 {
                (period.div_ceil(2), period.div_ceil(2))
            } else {
                (period / 2, period / 2 + 1)
            };
            let inner: Vec<f64> = (a - 1..x.len())
                .map(|i| x[i + 1 - a..=i].iter().sum::<f64>() / a as f64)
                .collect();
            for i in (period - 1..x.len()).step_by(97) {
                let j = i + 1 - a;
                let want = inner[j + 1 - b..=j].iter().sum::<f64>() / b as f64;
                assert!((out[i] - want).abs() <= 1e-9 * want.abs(), "{period} {i}");
            }
            assert!(out[..period - 1].iter().all(|v| v.is_nan()));
        }
    }
}
