//! Chande momentum oscillator (TA-Lib `CMO`), lookback `n`: gains and losses averaged like RSI
//! (plain means of the first `n` changes, then TA-Lib's `avg = (avg (n - 1) + change) / n`),
//! `CMO = 100 ((gain - loss) / (gain + loss))`, 0 unless `gain + loss > 0` (TA-Lib 0.8.1's test,
//! as for RSI). The smoothing is RSI's anchored one (see
//! `chain.rs`): equal to TA-Lib's to rounding, and the stream reproduces the batch exactly.

use crate::chain::Anchored;
use crate::error::Result;
use crate::momentum::rsi::{inputs, smoother, CHUNK};
use crate::params;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("cmo", "timeperiod", timeperiod, 2)
}

#[inline(always)]
fn ratio(gain: f64, loss: f64) -> f64 {
    let total = gain + loss;
    if total > 0.0 {
        100.0 * ((gain - loss) / total)
    } else {
        0.0
    }
}

/// Batch CMO.
pub fn cmo(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = check(timeperiod)?;
    params::same_len("cmo", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + n);
    if begin + n >= real.len() {
        return Ok(());
    }
    let mut s = ChandeMomentumOscillator::new(n)?;
    for (o, &x) in out[begin..].iter_mut().zip(&real[begin..]).take(n + 1) {
        *o = s.update(x);
    }
    crate::with_simd!(smooth(
        &mut s,
        &real[begin + n..],
        &mut out[begin + n + 1..]
    ));
    Ok(())
}

/// Past the seed: the stream's smoothing state, continued in chunks (the ratios, with their
/// divisions, run as a separate loop over each chunk). `x` starts at the seed's last price.
#[inline(always)]
fn smooth(s: &mut ChandeMomentumOscillator, x: &[f64], out: &mut [f64]) {
    let len = out.len().min(x.len().saturating_sub(1));
    let mut buf = [[0.0; 2]; CHUNK];
    let mut start = 0;
    while start < len {
        let m = CHUNK.min(len - start);
        let (x0, x1) = (&x[start..start + m], &x[start + 1..=start + m]);
        s.smooth
            .run_into(|t| inputs(x1[t] - x0[t]), |t, y| buf[t] = y, m);
        for (o, y) in out[start..start + m].iter_mut().zip(&buf[..m]) {
            *o = ratio(y[1], y[0]);
        }
        start += m;
    }
}

#[derive(Debug, Clone)]
pub struct ChandeMomentumOscillator {
    period: usize,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
    smooth: Anchored<2>,
    value: f64,
}

impl ChandeMomentumOscillator {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            count: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
            smooth: smoother(period, 0.0, 0.0),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.count == 0 {
            if x.is_nan() {
                return f64::NAN;
            }
            self.prev = x;
            self.count = 1;
            return f64::NAN;
        }
        let change = x - self.prev;
        self.prev = x;
        let n = self.period as f64;
        if self.count > self.period {
            [self.loss, self.gain] = self.smooth.step(inputs(change));
        } else {
            if change < 0.0 {
                self.loss -= change;
            } else {
                self.gain += change;
            }
            if self.count < self.period {
                self.count += 1;
                return f64::NAN;
            }
            self.count = self.period + 1;
            // The smoothing runs on the sums (see `rsi::smoother`); the first output on means.
            self.smooth = smoother(self.period, self.loss, self.gain);
            self.loss /= n;
            self.gain /= n;
        }
        self.value = ratio(self.gain, self.loss);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.count > self.period
    }

    pub fn reset(&mut self) {
        *self = Self {
            period: self.period,
            count: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
            smooth: smoother(self.period, 0.0, 0.0),
            value: f64::NAN,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch() {
        for period in [2, 3, 14, 25] {
            // Long enough to cross many anchored blocks and more than one batch chunk.
            let mut x = series(300 + 2 * CHUNK + 5, 5);
            x[0] = f64::NAN;
            let mut out = vec![0.0; x.len()];
            cmo(&x, period, &mut out).unwrap();
            let mut s = ChandeMomentumOscillator::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
            assert_eq!(out.iter().take_while(|v| v.is_nan()).count(), period + 1);
        }
    }
}
