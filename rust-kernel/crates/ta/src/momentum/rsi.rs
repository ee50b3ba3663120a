//! Relative strength index (TA-Lib `RSI`, classic Wilder, unstable period 0).
//!
//! Average gain and loss start as plain means of the first `n` changes, then follow Wilder's
//! smoothing `avg = (avg * (n - 1) + change) * (1 / n)` (TA-Lib 0.8 multiplies by the
//! reciprocal; we do the same so results are bit-identical), `RSI = 100 * gain / (gain + loss)`,
//! and 0 when `gain + loss` is within TA-Lib's zero band.

use crate::error::Result;
use crate::params;

const NAME: &str = "rsi";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 2)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod
}

#[inline(always)]
fn ratio(gain: f64, loss: f64) -> f64 {
    let total = gain + loss;
    if !params::is_zero(total) {
        100.0 * (gain / total)
    } else {
        0.0
    }
}

pub fn rsi(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(period));
    if begin + lookback(period) >= real.len() {
        return Ok(());
    }
    core(&real[begin..], period, &mut out[begin..]);
    Ok(())
}

fn core(real: &[f64], period: usize, out: &mut [f64]) {
    let n = period as f64;
    let n1 = (period - 1) as f64;
    let inv = 1.0 / n;
    let (mut gain, mut loss) = (0.0, 0.0);
    let mut prev = real[0];
    for &x in &real[1..=period] {
        let change = x - prev;
        prev = x;
        if change < 0.0 {
            loss -= change;
        } else {
            gain += change;
        }
    }
    loss /= n;
    gain /= n;
    out[period] = ratio(gain, loss);
    // TA-Lib 0.8 multiplies by the reciprocal of n after the seed (bit-identical results, and
    // a multiply instead of a divide on the dependency chain).
    // Branch-free form of TA-Lib's `if change < 0 { loss -= change } else { gain += change }`:
    // subtracting 0.0 or adding 0.0 leaves a sum unchanged exactly, and the sign of a price
    // change is a coin flip the branch predictor cannot learn.
    // Loss and gain are kept as one pair so the two chains share each instruction (`a - d` is
    // `a + (-d)` exactly, so the loss update is written as an addition).
    let mut avg = [loss, gain];
    for (o, w) in out[period + 1..].iter_mut().zip(real[period..].windows(2)) {
        let change = w[1] - w[0];
        let add = if change < 0.0 {
            [-change, 0.0]
        } else {
            [0.0, change]
        };
        avg = [(avg[0] * n1 + add[0]) * inv, (avg[1] * n1 + add[1]) * inv];
        *o = ratio(avg[1], avg[0]);
    }
}

#[derive(Debug, Clone)]
pub struct RelativeStrengthIndex {
    period: usize,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
    value: f64,
}

impl RelativeStrengthIndex {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            count: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
            value: f64::NAN,
        })
    }

    pub fn period(&self) -> usize {
        self.period
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
            let down = if change < 0.0 { change } else { 0.0 };
            let up = if change < 0.0 { 0.0 } else { change };
            let inv = 1.0 / n;
            self.loss = ((self.loss * (n - 1.0)) - down) * inv;
            self.gain = ((self.gain * (n - 1.0)) + up) * inv;
            self.value = ratio(self.gain, self.loss);
            return self.value;
        }
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
        self.loss /= n;
        self.gain /= n;
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
            value: f64::NAN,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn known_values() {
        // Two ups of 1 and one down of 1 over period 3: gain 2/3, loss 1/3 -> 66.67.
        let x = [1.0, 2.0, 3.0, 2.0];
        let mut out = [0.0; 4];
        rsi(&x, 3, &mut out).unwrap();
        assert!((out[3] - 200.0 / 3.0).abs() < 1e-12);
        let flat = [5.0; 6];
        let mut out = [0.0; 6];
        rsi(&flat, 2, &mut out).unwrap();
        assert_eq!(out[2..], [0.0; 4]);
    }

    #[test]
    fn streaming_equals_batch() {
        for period in [2, 14, 25] {
            let x = series(300, 3);
            let mut out = vec![0.0; x.len()];
            rsi(&x, period, &mut out).unwrap();
            let mut s = RelativeStrengthIndex::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
        }
    }
}
