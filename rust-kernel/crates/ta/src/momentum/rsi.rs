//! Relative strength index (TA-Lib `RSI`, classic Wilder, unstable period 0).
//!
//! Average gain and loss start as plain means of the first `n` changes, then follow Wilder's
//! smoothing `avg = avg * (n - 1) / n + change / n` (run on `n` times the averages, see
//! `smoother`), `RSI = 100 * gain / (gain + loss)`, and 0
//! unless `gain + loss > 0` (TA-Lib 0.8.1's test, measured: not its 1e-14 zero band, RSI stays
//! defined for prices scaled down to 1e-300, and a NaN sum after a gap gives 0). The smoothing runs in anchored blocks (see
//! `chain.rs`), so it equals TA-Lib's to rounding (a few ulps), not bit for bit; the batch loop
//! and the stream share that state machine, so a stream reproduces its batch exactly.

use crate::chain::Anchored;
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
    if total > 0.0 {
        100.0 * (gain / total)
    } else {
        0.0
    }
}

/// Wilder's smoothing of `[loss, gain]` from their seeds, shared by the batch and the stream.
/// It runs on `n` times the averages (`s = s * (n - 1) / n + change`, seeded with the sums of
/// the first `n` changes): the ratios do not depend on the scale, and the inputs need no
/// multiplication.
pub(crate) fn smoother(period: usize, loss: f64, gain: f64) -> Anchored<2> {
    Anchored::new((period - 1) as f64 / period as f64, [loss, gain])
}

/// The smoothing inputs `[loss, gain]` of one price change. A select, not TA-Lib's branch: the
/// sign of a change is a coin flip the branch predictor cannot learn. `up - change` is exactly
/// `-change` when the change is negative and exactly 0 otherwise (NaN stays NaN, as TA-Lib's
/// gain does).
#[inline(always)]
pub(crate) fn inputs(change: f64) -> [f64; 2] {
    let up = if change < 0.0 { 0.0 } else { change };
    [up - change, up]
}

/// Outputs per chunk of the batch loop: the smoothing writes a chunk of `[loss, gain]` to the
/// stack, then the ratios (with their divisions) run as a separate, vectorisable loop.
pub(crate) const CHUNK: usize = 32 * crate::chain::BLOCK;

pub fn rsi(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + lookback(period));
    if begin + lookback(period) >= real.len() {
        return Ok(());
    }
    crate::with_simd!(core(&real[begin..], period, &mut out[begin..]));
    Ok(())
}

#[inline(always)]
fn core(real: &[f64], period: usize, out: &mut [f64]) {
    let n = period as f64;
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
    let mut s = smoother(period, loss, gain);
    out[period] = ratio(gain / n, loss / n);
    let x = &real[period..];
    let out = &mut out[period + 1..];
    let len = out.len().min(x.len().saturating_sub(1));
    let mut buf = [[0.0; 2]; CHUNK];
    let mut start = 0;
    while start < len {
        let m = CHUNK.min(len - start);
        let (x0, x1) = (&x[start..start + m], &x[start + 1..=start + m]);
        s.run_into(|t| inputs(x1[t] - x0[t]), |t, y| buf[t] = y, m);
        for (o, y) in out[start..start + m].iter_mut().zip(&buf[..m]) {
            *o = ratio(y[1], y[0]);
        }
        start += m;
    }
}

#[derive(Debug, Clone)]
pub struct RelativeStrengthIndex {
    period: usize,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
    smooth: Anchored<2>,
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
            smooth: smoother(period, 0.0, 0.0),
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
            let [loss, gain] = self.smooth.step(inputs(change));
            self.value = ratio(gain, loss);
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
        self.smooth = smoother(self.period, self.loss, self.gain);
        self.value = ratio(self.gain / n, self.loss / n);
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
        for period in [2, 3, 14, 25] {
            // Long enough to cross many anchored blocks and more than one batch chunk.
            let x = series(300 + 2 * CHUNK + 5, 3);
            let mut out = vec![0.0; x.len()];
            rsi(&x, period, &mut out).unwrap();
            let mut s = RelativeStrengthIndex::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&out, &streamed);
        }
    }

    #[test]
    fn equals_talibs_recurrence_to_rounding_with_gaps() {
        let mut x = series(1000, 8);
        x[0] = f64::NAN;
        for v in &mut x[300..700] {
            *v = 42.0;
        }
        x[900] = f64::NAN;
        let (n, mut gain, mut loss) = (14, 0.0, 0.0);
        let mut out = vec![0.0; x.len()];
        rsi(&x, n, &mut out).unwrap();
        let mut s = RelativeStrengthIndex::new(n).unwrap();
        let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
        assert_same(&out, &streamed);
        for i in 2..x.len() {
            let change = x[i] - x[i - 1];
            let (down, up) = if change < 0.0 {
                (-change, 0.0)
            } else {
                (0.0, change)
            };
            if i <= n + 1 {
                (loss, gain) = (loss + down, gain + up);
                if i == n + 1 {
                    (loss, gain) = (loss / n as f64, gain / n as f64);
                }
            } else {
                loss = (loss * (n - 1) as f64 + down) / n as f64;
                gain = (gain * (n - 1) as f64 + up) / n as f64;
            }
            if i > n {
                let total = gain + loss;
                let want = if total > 0.0 {
                    100.0 * (gain / total)
                } else {
                    0.0
                };
                let got = out[i];
                assert!(
                    (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-11 * want.abs(),
                    "{i}: {got} {want}"
                );
            }
        }
        assert_eq!(out[950], 0.0);
    }
}
