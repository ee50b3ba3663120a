//! Commodity channel index (TA-Lib `CCI`), lookback `n - 1`: with `tp = (high + low + close) / 3`,
//! `CCI = (tp - mean) / (0.015 * (mad / n))` where `mean` and `mad` (the mean absolute deviation)
//! are over the last `n` typical prices; 0 when the numerator is 0 or `mad` is within 1e-14 of
//! the mean's level (TA-Lib 0.8's relative test, measured: a flat window gives 0).
//!
//! TA-Lib keeps the typical prices in a circular buffer and sums it in buffer order (slot
//! `t mod n`), not in time order; the rounding of both sums depends on that order, so the kernel
//! keeps the same buffer, in the stream and in the batch alike, and its results are bit-identical
//! to TA-Lib 0.8. The mean absolute deviation has no running update: each value costs `2n`
//! additions, as in TA-Lib.

use crate::error::Result;
use crate::params;
use crate::volatility::trange::check_hlc;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("cci", "timeperiod", timeperiod, 2)
}

#[derive(Debug, Clone)]
pub struct CommodityChannelIndex {
    buf: Vec<f64>,
    slot: usize,
    seen: usize,
    value: f64,
}

impl CommodityChannelIndex {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        check(timeperiod)
    }

    /// Batch form ([`cci`]).
    pub fn batch(
        high: &[f64],
        low: &[f64],
        close: &[f64],
        timeperiod: usize,
        out: &mut [f64],
    ) -> Result<()> {
        cci(high, low, close, timeperiod, out)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        Ok(Self {
            buf: vec![0.0; n],
            slot: 0,
            seen: 0,
            value: f64::NAN,
        })
    }

    /// Store the typical price of the next candle; the CCI once `n` are stored.
    #[inline(always)]
    fn push(&mut self, tp: f64) -> Option<f64> {
        let n = self.buf.len();
        self.buf[self.slot] = tp;
        self.slot += 1;
        if self.slot == n {
            self.slot = 0;
        }
        self.seen += 1;
        if self.seen < n {
            return None;
        }
        let nf = n as f64;
        let mut total = 0.0;
        for &v in &self.buf {
            total += v;
        }
        let mean = total / nf;
        let mut dev = 0.0;
        for &v in &self.buf {
            dev += (v - mean).abs();
        }
        let x = tp - mean;
        let mad = dev / nf;
        // TA-Lib 0.8 treats a mean deviation within about 1e-14 of the mean's level as none
        // (measured by bisection: flat windows give 0, not the ratio of two rounding errors).
        Some(if x != 0.0 && mad > 1e-14 * mean.abs() {
            x / (0.015 * mad)
        } else {
            0.0
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if self.seen == 0 && (high.is_nan() || low.is_nan() || close.is_nan()) {
            return f64::NAN;
        }
        match self.push((high + low + close) / 3.0) {
            Some(v) => {
                self.value = v;
                v
            }
            None => f64::NAN,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.seen >= self.buf.len()
    }

    pub fn reset(&mut self) {
        self.slot = 0;
        self.seen = 0;
        self.value = f64::NAN;
    }
}

/// Batch CCI: the stream's buffer over the slice (the buffer is the state TA-Lib's sums depend on).
pub fn cci(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let mut s = CommodityChannelIndex::new(timeperiod)?;
    check_hlc("cci", high, low, close, out)?;
    let n = s.buf.len();
    let begin = params::first_valid_all(&[high, low, close]);
    params::fill_nan(out, begin + n - 1);
    for i in begin..out.len() {
        if let Some(v) = s.push((high[i] + low[i] + close[i]) / 3.0) {
            out[i] = v;
        }
    }
    Ok(())
}
