//! Money flow index (TA-Lib `MFI`), lookback `n`.
//!
//! With the typical price `tp = (high + low + close) / 3`, each candle after the first carries
//! the money flow `tp * volume`: positive when `tp` rose from the previous candle, negative when
//! it fell, none when it did not move by TA-Lib 0.8's scaled test (`|Δtp| <= 1e-14 (|tp| +
//! |tp_prev|)`, so flat candles at any price level count as flat). `MFI = 100 pos / (pos + neg)`
//! over the last `n` flows, with TA-Lib 0.8's guards: the running sums are reset to exactly 0
//! once `n` consecutive candles carried no flow (otherwise add-then-subtract leaves rounding
//! residue of either sign), an empty window gives 0, and `pos` is clamped into `[0, pos + neg]`.
//! The sums are updated in TA-Lib's order (subtract the flow leaving, add the new one), so the
//! results are bit-identical, zero-volume and flat stretches of real data included.

use crate::error::Result;
use crate::params;

const NAME: &str = "mfi";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 2)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod
}

#[inline(always)]
fn typical(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

/// `(positive, negative)` flow of a candle of typical price `tp` after one of `prev`.
#[inline(always)]
fn flow(tp: f64, prev: f64, volume: f64) -> (f64, f64) {
    let diff = tp - prev;
    let scale = tp.abs() + prev.abs();
    let money = if diff.abs() <= 1e-14 * scale {
        0.0
    } else {
        tp * volume
    };
    // `(0, money)` when the price fell, `(money, 0)` otherwise, by masking the bits: the
    // direction is a coin toss on real data, and LLVM otherwise emits a mispredicted branch.
    let fell = 0u64.wrapping_sub(u64::from(diff < 0.0));
    let bits = money.to_bits();
    (f64::from_bits(bits & !fell), f64::from_bits(bits & fell))
}

/// The running sums and the run of candles without flow.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    pos: f64,
    neg: f64,
    null_run: usize,
}

impl Sums {
    /// Add a flow; `period` empty flows in a row zero the sums exactly.
    #[inline(always)]
    fn add(&mut self, (p, m): (f64, f64), period: usize) {
        self.pos += p;
        self.neg += m;
        // TA-Lib tests the money flow itself: exactly one of `p`, `m` can be non-zero.
        let money = if p != 0.0 { p } else { m };
        self.null_run = if money == 0.0 { self.null_run + 1 } else { 0 };
        if self.null_run >= period {
            self.null_run = period;
            self.pos = 0.0;
            self.neg = 0.0;
        }
    }

    #[inline(always)]
    fn remove(&mut self, (p, m): (f64, f64)) {
        self.pos -= p;
        self.neg -= m;
    }

    #[inline(always)]
    fn index(&self) -> f64 {
        let total = self.pos + self.neg;
        let pos = if self.pos < 0.0 {
            0.0
        } else if self.pos > total {
            total
        } else {
            self.pos
        };
        if total <= 0.0 {
            0.0
        } else {
            100.0 * (pos / total)
        }
    }
}

/// Batch MFI into `out`.
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let n = check(timeperiod)?;
    crate::volume::check_hlcv(NAME, high, low, close, volume, out)?;
    let begin = params::first_valid_all(&[high, low, close, volume]);
    let start = begin + lookback(n);
    params::fill_nan(out, start);
    if start >= out.len() {
        return Ok(());
    }
    crate::with_fma!(run(high, low, close, volume, n, begin, start, out));
    Ok(())
}

/// The batch loop: TA-Lib's ring of the last `n` flows (preallocated once per call, indices
/// wrapped by comparison); in the warm-up the typical prices are divided by 3 through
/// [`params::div_by`] (the same correctly rounded quotient as `/ 3.0`), after it in blocks.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn run<const FMA: bool>(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    n: usize,
    begin: usize,
    start: usize,
    out: &mut [f64],
) {
    let third = 1.0 / 3.0;
    let tp = |i: usize| params::div_by::<FMA>(high[i] + low[i] + close[i], 3.0, third);
    let mut ring = vec![(0.0, 0.0); n];
    let mut slot = 0;
    let mut s = Sums::default();
    let mut prev = tp(begin);
    for (i, &vol) in volume.iter().enumerate().take(start).skip(begin + 1) {
        let t = tp(i);
        let f = flow(t, prev, vol);
        s.add(f, n);
        ring[slot] = f;
        slot += 1;
        prev = t;
    }
    let t = tp(start);
    let f = flow(t, prev, volume[start]);
    s.add(f, n);
    ring[slot] = f;
    slot = if slot + 1 == n { 0 } else { slot + 1 };
    prev = t;
    out[start] = s.index();
    // The rest in blocks: typical prices of the block (a loop the compiler vectorises, divider
    // included), then the sequential running sums, then the block's indices (vectorised again).
    const BLOCK: usize = 256;
    let (mut tps, mut pos, mut neg) = ([0.0f64; BLOCK], [0.0f64; BLOCK], [0.0f64; BLOCK]);
    let mut base = start + 1;
    while base < out.len() {
        let m = BLOCK.min(out.len() - base);
        let (h, l, c, v) = (
            &high[base..base + m],
            &low[base..base + m],
            &close[base..base + m],
            &volume[base..base + m],
        );
        for (((t, &h), &l), &c) in tps.iter_mut().zip(h).zip(l).zip(c) {
            *t = typical(h, l, c);
        }
        for (j, (&t, &vol)) in tps[..m].iter().zip(v).enumerate() {
            s.remove(ring[slot]);
            let f = flow(t, prev, vol);
            prev = t;
            s.add(f, n);
            ring[slot] = f;
            slot = if slot + 1 == n { 0 } else { slot + 1 };
            pos[j] = s.pos;
            neg[j] = s.neg;
        }
        for ((o, &p), &q) in out[base..base + m].iter_mut().zip(&pos).zip(&neg) {
            *o = Sums {
                pos: p,
                neg: q,
                null_run: 0,
            }
            .index();
        }
        base += m;
    }
}

/// Streaming MFI; `update(high, low, close, volume)` equals [`mfi`] at every index.
#[derive(Debug, Clone)]
pub struct MoneyFlowIndex {
    /// The last `n` flows, the oldest at `slot`.
    flows: Vec<(f64, f64)>,
    slot: usize,
    seen: usize,
    prev_tp: f64,
    sums: Sums,
    value: f64,
}

impl MoneyFlowIndex {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check(timeperiod)?;
        Ok(Self {
            flows: vec![(0.0, 0.0); n],
            slot: 0,
            seen: 0,
            prev_tp: f64::NAN,
            sums: Sums::default(),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        if self.seen == 0 {
            if !(high.is_nan() || low.is_nan() || close.is_nan() || volume.is_nan()) {
                self.prev_tp = typical(high, low, close);
                self.seen = 1;
            }
            return f64::NAN;
        }
        let n = self.flows.len();
        if self.seen > n {
            self.sums.remove(self.flows[self.slot]);
        }
        let tp = typical(high, low, close);
        let f = flow(tp, self.prev_tp, volume);
        self.prev_tp = tp;
        self.sums.add(f, n);
        self.flows[self.slot] = f;
        self.slot = if self.slot + 1 == n { 0 } else { self.slot + 1 };
        self.seen += 1;
        if self.seen <= n {
            return f64::NAN;
        }
        self.value = self.sums.index();
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.seen > self.flows.len()
    }

    pub fn reset(&mut self) {
        self.flows.fill((0.0, 0.0));
        self.slot = 0;
        self.seen = 0;
        self.prev_tp = f64::NAN;
        self.sums = Sums::default();
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc, series};

    fn check_stream(h: &[f64], l: &[f64], c: &[f64], v: &[f64], n: usize) {
        let mut out = vec![0.0; h.len()];
        mfi(h, l, c, v, n, &mut out).unwrap();
        let mut s = MoneyFlowIndex::new(n).unwrap();
        let got: Vec<f64> = (0..h.len())
            .map(|i| s.update(h[i], l[i], c[i], v[i]))
            .collect();
        assert_same(&out, &got);
        assert_eq!(out.iter().take_while(|x| x.is_nan()).count(), n);
    }

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, c) = ohlc(300, 6);
        let v = series(300, 9);
        for n in [14, 2, 50] {
            check_stream(&h, &l, &c, &v, n);
        }
    }

    #[test]
    fn flat_and_zero_volume_stretches() {
        let (_, mut h, mut l, mut c) = ohlc(200, 2);
        let mut v = series(200, 4);
        for i in 40..80 {
            (h[i], l[i], c[i]) = (h[39], l[39], c[39]);
        }
        v[100..130].fill(0.0);
        check_stream(&h, &l, &c, &v, 14);
        let mut out = vec![0.0; 200];
        mfi(&h, &l, &c, &v, 14, &mut out).unwrap();
        // A window without any flow is 0, not NaN nor residue.
        assert_eq!(out[70], 0.0);
        assert_eq!(out[125], 0.0);
    }
}
