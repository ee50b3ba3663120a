//! Chaikin accumulation/distribution line (TA-Lib `AD`): the running sum of
//! `((close - low) - (high - close)) / (high - low) * volume`, skipping candles with
//! `high - low <= 0`. No lookback.

use crate::error::Result;
use crate::params;
use crate::volume::check_hlcv;

const NAME: &str = "ad";

/// One candle's money-flow volume, in TA-Lib's operation order (0 for a zero-range candle).
#[inline(always)]
pub fn money_flow(high: f64, low: f64, close: f64, volume: f64) -> f64 {
    let range = high - low;
    if range > 0.0 {
        (((close - low) - (high - close)) / range) * volume
    } else {
        0.0
    }
}

pub fn ad(high: &[f64], low: &[f64], close: &[f64], volume: &[f64], out: &mut [f64]) -> Result<()> {
    check_hlcv(NAME, high, low, close, volume, out)?;
    let begin = params::first_valid_all(&[high, low, close, volume]);
    params::fill_nan(out, begin);
    let mut total = 0.0;
    let rows = out[begin..]
        .iter_mut()
        .zip(&high[begin..])
        .zip(&low[begin..])
        .zip(&close[begin..])
        .zip(&volume[begin..]);
    for ((((o, &h), &l), &c), &v) in rows {
        let range = h - l;
        if range > 0.0 {
            total += (((c - l) - (h - c)) / range) * v;
        }
        *o = total;
    }
    Ok(())
}

/// Streaming AD: `update(high, low, close, volume)` equals [`ad`] at every index.
#[derive(Debug, Clone, Default)]
pub struct AccumulationDistribution {
    started: bool,
    value: f64,
}

impl AccumulationDistribution {
    pub fn new() -> Self {
        Self {
            started: false,
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        if !self.started {
            if high.is_nan() || low.is_nan() || close.is_nan() || volume.is_nan() {
                return f64::NAN;
            }
            self.started = true;
            self.value = 0.0;
        }
        let range = high - low;
        if range > 0.0 {
            self.value += (((close - low) - (high - close)) / range) * volume;
        }
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
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (o, h, l, c) = ohlc(300, 2);
        let v: Vec<f64> = o.iter().map(|x| x * 3.0).collect();
        let mut out = vec![0.0; h.len()];
        ad(&h, &l, &c, &v, &mut out).unwrap();
        let mut s = AccumulationDistribution::new();
        let streamed: Vec<f64> = (0..h.len())
            .map(|i| s.update(h[i], l[i], c[i], v[i]))
            .collect();
        assert_same(&out, &streamed);
        assert_eq!(money_flow(2.0, 2.0, 2.0, 10.0), 0.0);
    }
}
