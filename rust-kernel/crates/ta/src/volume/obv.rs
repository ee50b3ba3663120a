//! On-balance volume (TA-Lib `OBV`): starts at the first volume, then adds the volume when the
//! price rises and subtracts it when the price falls. No lookback.

use crate::error::Result;
use crate::params;

const NAME: &str = "obv";

pub fn obv(real: &[f64], volume: &[f64], out: &mut [f64]) -> Result<()> {
    params::same_len(NAME, "real", real.len(), "volume", volume.len())?;
    params::same_len(NAME, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid_all(&[real, volume]);
    params::fill_nan(out, begin);
    if begin >= real.len() {
        return Ok(());
    }
    let (mut total, mut prev) = (volume[begin], real[begin]);
    let rows = out[begin..]
        .iter_mut()
        .zip(&real[begin..])
        .zip(&volume[begin..]);
    for ((o, &x), &v) in rows {
        // A select rather than branches: price moves are random, so branches mispredict.
        let up = if x > prev { v } else { 0.0 };
        let down = if x < prev { v } else { 0.0 };
        total = (total + up) - down;
        prev = x;
        *o = total;
    }
    Ok(())
}

/// Streaming OBV: `update(real, volume)` equals [`obv`] at every index.
#[derive(Debug, Clone, Default)]
pub struct OnBalanceVolume {
    started: bool,
    prev: f64,
    value: f64,
}

impl OnBalanceVolume {
    pub fn new() -> Self {
        Self {
            started: false,
            prev: f64::NAN,
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, real: f64, volume: f64) -> f64 {
        if !self.started {
            if real.is_nan() || volume.is_nan() {
                return f64::NAN;
            }
            self.started = true;
            self.prev = real;
            self.value = volume;
            return volume;
        }
        if real > self.prev {
            self.value += volume;
        } else if real < self.prev {
            self.value -= volume;
        }
        self.prev = real;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.started
    }

    pub fn reset(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch() {
        let x = series(300, 8);
        let v = series(300, 9);
        let mut out = vec![0.0; x.len()];
        obv(&x, &v, &mut out).unwrap();
        let mut s = OnBalanceVolume::new();
        let streamed: Vec<f64> = x.iter().zip(&v).map(|(&a, &b)| s.update(a, b)).collect();
        assert_same(&out, &streamed);
    }
}
