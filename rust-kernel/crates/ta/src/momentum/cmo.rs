//! Chande momentum oscillator (TA-Lib `CMO`), lookback `n`: gains and losses averaged like RSI
//! (plain means of the first `n` changes, then `avg = (avg (n - 1) + change) / n`, a true division
//! here, unlike TA-Lib 0.8's RSI), `CMO = 100 ((gain - loss) / (gain + loss))`, 0 when
//! `gain + loss` is within TA-Lib's zero band. Bit-identical to TA-Lib 0.8.

use crate::error::Result;
use crate::params;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("cmo", "timeperiod", timeperiod, 2)
}

#[inline(always)]
fn ratio(gain: f64, loss: f64) -> f64 {
    let total = gain + loss;
    if params::is_zero(total) {
        0.0
    } else {
        100.0 * ((gain - loss) / total)
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
    // Past the seed: the stream's smoothing as a tight loop (the pair of chains shares each
    // instruction, and adding 0.0 for the side that did not move is exact).
    let (nf, n1) = (n as f64, (n - 1) as f64);
    let mut avg = [s.loss, s.gain];
    let x = &real[begin + n..];
    for (o, w) in out[begin + n + 1..].iter_mut().zip(x.windows(2)) {
        let change = w[1] - w[0];
        let add = if change < 0.0 {
            [-change, 0.0]
        } else {
            [0.0, change]
        };
        avg = [(avg[0] * n1 + add[0]) / nf, (avg[1] * n1 + add[1]) / nf];
        *o = ratio(avg[1], avg[0]);
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ChandeMomentumOscillator {
    period: usize,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
    value: f64,
}

impl ChandeMomentumOscillator {
    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self {
            period: check(timeperiod)?,
            count: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
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
            let (down, up) = if change < 0.0 {
                (-change, 0.0)
            } else {
                (0.0, change)
            };
            self.loss = (self.loss * (n - 1.0) + down) / n;
            self.gain = (self.gain * (n - 1.0) + up) / n;
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
            value: f64::NAN,
        };
    }
}
