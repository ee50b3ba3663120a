//! Commodity channel index (TA-Lib `CCI`), lookback `n - 1`: with `tp = (high + low + close) / 3`,
//! `CCI = (tp - mean) / (0.015 * (mad / n))` where `mean` and `mad` (the mean absolute deviation)
//! are over the last `n` typical prices; 0 when the numerator is 0 or `mad` is within 1e-14 of
//! the mean's level (TA-Lib 0.8's relative test, measured: a flat window gives 0).
//!
//! The mean absolute deviation has no running update, so each value costs `2n` additions, as in
//! TA-Lib. TA-Lib runs them one output at a time, a long chain of dependent additions each; here
//! both sums are taken oldest value first, and the batch evaluates [`LANES`] consecutive outputs
//! side by side (lane `k` is output `t + k`: the same additions in the same order, on the
//! contiguous typical prices, four lanes per AVX2 instruction). The stream sums its window in the
//! same order, so stream and batch agree to the bit; TA-Lib sums its circular buffer in slot
//! order, so the results equal TA-Lib's to rounding (not to the bit).

use crate::error::Result;
use crate::params;
use crate::volatility::trange::check_hlc;
use crate::window::Ring;

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period("cci", "timeperiod", timeperiod, 2)
}

/// Outputs evaluated side by side in the batch.
pub const LANES: usize = 4;

#[inline(always)]
fn typical(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

/// The CCI of the newest value `tp` from its window's sum and absolute-deviation sum.
#[inline(always)]
fn finish(tp: f64, mean: f64, dev: f64, nf: f64) -> f64 {
    let x = tp - mean;
    let mad = dev / nf;
    // TA-Lib 0.8 treats a mean deviation within about 1e-14 of the mean's level as none
    // (measured by bisection: flat windows give 0, not the ratio of two rounding errors). Written
    // so that a NaN in the window fails both tests and propagates, as in TA-Lib.
    if x == 0.0 || mad <= 1e-14 * mean.abs() {
        0.0
    } else {
        x / (0.015 * mad)
    }
}

/// The CCI of `L` consecutive windows: lane `k` is the window `tp[k..k + n]` (oldest first).
/// With `L = 1` this is the scalar form the stream and the batch's tail use: lane by lane the
/// operations are identical.
#[inline(always)]
fn windows<const L: usize>(tp: &[f64], n: usize, out: &mut [f64; L]) {
    let nf = n as f64;
    let mut total = [0.0; L];
    for j in 0..n {
        let v: &[f64; L] = tp[j..j + L].try_into().unwrap_or_else(|_| unreachable!());
        for k in 0..L {
            total[k] += v[k];
        }
    }
    let mean: [f64; L] = std::array::from_fn(|k| total[k] / nf);
    let mut dev = [0.0; L];
    for j in 0..n {
        let v: &[f64; L] = tp[j..j + L].try_into().unwrap_or_else(|_| unreachable!());
        for k in 0..L {
            dev[k] += (v[k] - mean[k]).abs();
        }
    }
    for k in 0..L {
        out[k] = finish(tp[n - 1 + k], mean[k], dev[k], nf);
    }
}

#[derive(Debug, Clone)]
pub struct CommodityChannelIndex {
    ring: Ring,
    window: Vec<f64>,
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
            ring: Ring::new(n),
            window: Vec::with_capacity(n),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if self.ring.is_empty() && (high.is_nan() || low.is_nan() || close.is_nan()) {
            return f64::NAN;
        }
        self.ring.push(typical(high, low, close));
        if !self.ring.is_full() {
            return f64::NAN;
        }
        self.window.clear();
        self.window.extend(self.ring.iter());
        let mut v = [0.0; 1];
        windows::<1>(&self.window, self.window.len(), &mut v);
        self.value = v[0];
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
        self.value = f64::NAN;
    }
}

/// Candles per chunk of typical prices (plus the `n - 1` before them).
const CHUNK: usize = 1024;

/// Batch CCI: the typical prices of a chunk (and the `n - 1` before it) into a buffer of
/// `CHUNK + n - 1` values, then [`LANES`] outputs at a time.
pub fn cci(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let n = check(timeperiod)?;
    check_hlc("cci", high, low, close, out)?;
    let begin = params::first_valid_all(&[high, low, close]);
    let first = begin + n - 1;
    params::fill_nan(out, first);
    if first >= out.len() {
        return Ok(());
    }
    let mut tp = vec![0.0; CHUNK + n - 1];
    let mut t = first;
    while t < out.len() {
        let m = CHUNK.min(out.len() - t);
        let from = t + 1 - n;
        for (j, v) in tp[..m + n - 1].iter_mut().enumerate() {
            let i = from + j;
            *v = typical(high[i], low[i], close[i]);
        }
        // Compiled for AVX2 when available (the same IEEE operations four lanes wide).
        crate::with_simd!(lanes(&tp[..m + n - 1], n, &mut out[t..t + m]));
        t += m;
    }
    Ok(())
}

/// The outputs of one chunk, [`LANES`] at a time.
#[inline(always)]
fn lanes(tp: &[f64], n: usize, out: &mut [f64]) {
    let mut groups = out.chunks_exact_mut(LANES);
    let mut k = 0;
    for group in &mut groups {
        let group: &mut [f64; LANES] = group.try_into().unwrap_or_else(|_| unreachable!());
        windows::<LANES>(&tp[k..k + n - 1 + LANES], n, group);
        k += LANES;
    }
    for o in groups.into_remainder() {
        let mut v = [0.0; 1];
        windows::<1>(&tp[k..k + n], n, &mut v);
        *o = v[0];
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    /// Long enough to cross chunks and lane groups; a NaN makes its windows NaN (as in TA-Lib)
    /// and leaves after `n` candles.
    #[test]
    fn stream_equals_batch_and_definition() {
        let (_, mut h, l, c) = ohlc(5000, 9);
        h[3000] = f64::NAN;
        for n in [2, 3, 14, 101] {
            let mut out = vec![0.0; h.len()];
            cci(&h, &l, &c, n, &mut out).unwrap();
            let mut s = CommodityChannelIndex::new(n).unwrap();
            let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&out, &streamed);
            let tp: Vec<f64> = (0..h.len()).map(|i| (h[i] + l[i] + c[i]) / 3.0).collect();
            for i in (n - 1..h.len()).step_by(7) {
                let w = &tp[i + 1 - n..=i];
                let mean = w.iter().sum::<f64>() / n as f64;
                let mad = w.iter().map(|v| (v - mean).abs()).sum::<f64>() / n as f64;
                let want = (tp[i] - mean) / (0.015 * mad);
                if w.iter().any(|v| v.is_nan()) {
                    assert!(out[i].is_nan(), "{n} {i}");
                } else {
                    assert!(
                        (out[i] - want).abs() <= 1e-9 * want.abs().max(1.0),
                        "{n} {i}"
                    );
                }
            }
        }
    }
}
