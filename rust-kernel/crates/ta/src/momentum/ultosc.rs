//! Williams' ultimate oscillator (TA-Lib `ULTOSC`).
//!
//! Per candle, with the previous close `cy`: `bp = close - min(low, cy)` (buying pressure) and
//! `tr = max(high - low, |cy - high|, |cy - low|)`. Over three windows, shortest to longest
//! (TA-Lib sorts the three periods, so their order does not matter), the running sums `A_i` of
//! `bp` and `B_i` of `tr` give `100 (4 A1/B1 + 2 A2/B2 + A3/B3) / 7`, a term being left out when
//! its `B` is within TA-Lib's zero band. The sums are running sums updated in TA-Lib's order
//! (warm-up additions oldest first, then add today, output, subtract the candle leaving), so
//! results are bit-identical. Lookback: the longest period (one candle for `cy`, then
//! `longest - 1`).

use crate::error::Result;
use crate::params;

const NAME: &str = "ultosc";

/// Validated periods, sorted shortest first (TA-Lib: each in 1..=100000).
pub fn check(
    timeperiod1: impl params::IntParam,
    timeperiod2: impl params::IntParam,
    timeperiod3: impl params::IntParam,
) -> Result<[usize; 3]> {
    let mut p = [
        params::period(NAME, "timeperiod1", timeperiod1, 1)?,
        params::period(NAME, "timeperiod2", timeperiod2, 1)?,
        params::period(NAME, "timeperiod3", timeperiod3, 1)?,
    ];
    p.sort_unstable();
    Ok(p)
}

pub fn lookback(periods: [usize; 3]) -> usize {
    periods[2]
}

/// `(bp, tr)` of a candle, as TA-Lib computes them (its `min` macro: `low < cy ? low : cy`).
#[inline(always)]
fn terms(high: f64, low: f64, close: f64, cy: f64) -> (f64, f64) {
    let true_low = if low < cy { low } else { cy };
    let bp = close - true_low;
    let mut tr = high - low;
    let up = (cy - high).abs();
    if up > tr {
        tr = up;
    }
    let down = (cy - low).abs();
    if down > tr {
        tr = down;
    }
    (bp, tr)
}

/// `[a0 / b0, a1 / b1, a2 / b2]`, the first two in one SSE2 `divpd` (baseline on x86_64): the
/// divider is the bottleneck of this indicator, and a packed division costs about one scalar one.
#[inline(always)]
fn quotients(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_div_pd, _mm_set_pd, _mm_storeu_pd};
        let mut pair = [0.0; 2];
        // SAFETY: SSE2 is part of the x86_64 baseline; the store writes the 2-element array.
        unsafe {
            let q = _mm_div_pd(_mm_set_pd(a[1], a[0]), _mm_set_pd(b[1], b[0]));
            _mm_storeu_pd(pair.as_mut_ptr(), q);
        }
        [pair[0], pair[1], a[2] / b[2]]
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        [a[0] / b[0], a[1] / b[1], a[2] / b[2]]
    }
}

/// The three pairs of running sums.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    a: [f64; 3],
    b: [f64; 3],
    /// Consecutive candles without range (both terms exactly 0).
    null_run: usize,
}

impl Sums {
    #[inline(always)]
    fn add_all(&mut self, p: [usize; 3], (bp, tr): (f64, f64)) {
        self.a[0] += bp;
        self.a[1] += bp;
        self.a[2] += bp;
        self.b[0] += tr;
        self.b[1] += tr;
        self.b[2] += tr;
        self.count_null(p, tr);
    }

    /// A window holding only candles without range has sums of exactly 0; add-then-subtract
    /// leaves residue instead, so they are reset (TA-Lib 0.8).
    #[inline(always)]
    fn count_null(&mut self, p: [usize; 3], tr: f64) {
        self.null_run = if tr == 0.0 { self.null_run + 1 } else { 0 };
        if self.null_run >= p[0] {
            for (w, &pw) in p.iter().enumerate() {
                if self.null_run >= pw {
                    self.a[w] = 0.0;
                    self.b[w] = 0.0;
                }
            }
        }
    }

    #[inline(always)]
    fn oscillator(&self) -> f64 {
        self.oscillator_with::<false>()
    }

    /// `/ 7` through [`params::div_by`] when `FMA` (the same correctly rounded quotient).
    #[inline(always)]
    fn oscillator_with<const FMA: bool>(&self) -> f64 {
        // The three quotients are computed unconditionally (a zero `b` only gives a value that is
        // not used); two of them share one packed division (each lane is IEEE division).
        let q = quotients(&self.a, &self.b);
        let mut output = 0.0;
        if !params::is_zero(self.b[0]) {
            output += 4.0 * q[0];
        }
        if !params::is_zero(self.b[1]) {
            output += 2.0 * q[1];
        }
        if !params::is_zero(self.b[2]) {
            output += q[2];
        }
        100.0 * params::div_by::<FMA>(output, 7.0, 1.0 / 7.0)
    }

    #[inline(always)]
    fn remove(&mut self, window: usize, (bp, tr): (f64, f64)) {
        self.a[window] -= bp;
        self.b[window] -= tr;
    }

    /// Warm-up: the candle `j` (1-based after the first) joins the windows it belongs to.
    #[inline(always)]
    fn warm(&mut self, p: [usize; 3], j: usize, (bp, tr): (f64, f64)) {
        for w in 0..3 {
            if j > p[2] - p[w] {
                self.a[w] += bp;
                self.b[w] += tr;
            }
        }
        self.count_null(p, tr);
    }
}

/// Batch ULTOSC into `out`.
#[allow(clippy::too_many_arguments)]
pub fn ultosc(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod1: usize,
    timeperiod2: usize,
    timeperiod3: usize,
    out: &mut [f64],
) -> Result<()> {
    let p = check(timeperiod1, timeperiod2, timeperiod3)?;
    crate::volatility::trange::check_hlc(NAME, high, low, close, out)?;
    let n = high.len();
    let begin = params::first_valid_all(&[high, low, close]);
    let start = begin + lookback(p);
    // A NaN after the first candle is refused (see `params::first_valid_no_gaps`): here in the
    // warm-up, and then block by block inside `run`, while the block is in cache.
    let hlc = [("high", high), ("low", low), ("close", close)];
    params::refuse_nan(NAME, &hlc, (begin + 1).min(n)..start.min(n))?;
    params::fill_nan(out, start);
    if start >= n {
        return Ok(());
    }
    crate::with_fma!(run(high, low, close, p, begin, start, out))
}

// `j` indexes the six block buffers and the input at `base + j` at once.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn run<const FMA: bool>(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    p: [usize; 3],
    begin: usize,
    start: usize,
    out: &mut [f64],
) -> Result<()> {
    let term = |i: usize| terms(high[i], low[i], close[i], close[i - 1]);
    let mut s = Sums::default();
    // TA-Lib's ring of the last `longest` terms (allocated once per call); each window's
    // trailing slot follows the newest at a fixed distance, wrapped by comparison.
    let len = p[2];
    let mut ring = vec![(0.0, 0.0); len];
    for (slot, i) in (begin + 1..start).enumerate() {
        let t = term(i);
        ring[slot] = t;
        s.warm(p, i - begin, t);
    }
    // The sums in scalar locals so they stay in registers (an array indexed per window would
    // live in memory and put a store-to-load delay on every running-sum update).
    let [mut a0, mut a1, mut a2] = s.a;
    let [mut b0, mut b1, mut b2] = s.b;
    let mut null_run = s.null_run;
    let [p0, p1, p2] = p;
    let wrap = |i: usize| if i + 1 == len { 0 } else { i + 1 };
    let (mut pos, mut t0, mut t1, mut t2) = (len - 1, len - p0, len - p1, 0);
    // Blocks of candles in two passes: the running sums (a sequential chain of additions) into
    // six small stack buffers, then the oscillator of the whole block, a loop without
    // dependencies between candles that the compiler vectorises (its four divisions per candle
    // are the cost of this indicator).
    const BLOCK: usize = 256;
    let mut sums = [[0.0f64; BLOCK]; 6];
    let mut base = start;
    while base < out.len() {
        let m = BLOCK.min(out.len() - base);
        for j in 0..m {
            let (bp, tr) = term(base + j);
            ring[pos] = (bp, tr);
            a0 += bp;
            a1 += bp;
            a2 += bp;
            b0 += tr;
            b1 += tr;
            b2 += tr;
            null_run = if tr == 0.0 { null_run + 1 } else { 0 };
            if null_run >= p0 {
                (a0, b0) = (0.0, 0.0);
                if null_run >= p1 {
                    (a1, b1) = (0.0, 0.0);
                }
                if null_run >= p2 {
                    (a2, b2) = (0.0, 0.0);
                }
            }
            sums[0][j] = a0;
            sums[1][j] = a1;
            sums[2][j] = a2;
            sums[3][j] = b0;
            sums[4][j] = b1;
            sums[5][j] = b2;
            let (x0, y0) = ring[t0];
            let (x1, y1) = ring[t1];
            let (x2, y2) = ring[t2];
            a0 -= x0;
            b0 -= y0;
            a1 -= x1;
            b1 -= y1;
            a2 -= x2;
            b2 -= y2;
            (t0, t1, t2, pos) = (wrap(t0), wrap(t1), wrap(t2), wrap(pos));
        }
        // Compiled for AVX2 when available: the same IEEE operations four lanes wide, which
        // halves the cost of the divisions that bound this indicator.
        crate::with_simd!(oscillators(&sums, &mut out[base..base + m]));
        // A NaN in any input makes its candle's output NaN (it enters every sum through its
        // term), so the block's outputs tell whether the inputs need the exact scan; the check
        // costs one pass over 256 outputs in cache instead of three over the inputs.
        if params::any_nan(&out[base..base + m]) {
            let hlc = [("high", high), ("low", low), ("close", close)];
            params::refuse_nan(NAME, &hlc, base..base + m)?;
        }
        base += m;
    }
    Ok(())
}

/// The oscillator of each candle of a block from its six sums, in TA-Lib's operation order
/// (`0 + 4 q0`, then `+ 2 q1`, then `+ q2`, a skipped term being an exact `+ 0`).
#[inline(always)]
fn oscillators(sums: &[[f64; 256]; 6], out: &mut [f64]) {
    let m = out.len();
    let [a0, a1, a2, b0, b1, b2] = sums;
    let (a0, a1, a2) = (&a0[..m], &a1[..m], &a2[..m]);
    let (b0, b1, b2) = (&b0[..m], &b1[..m], &b2[..m]);
    for j in 0..m {
        let t0 = if params::is_zero(b0[j]) {
            0.0
        } else {
            4.0 * (a0[j] / b0[j])
        };
        let t1 = if params::is_zero(b1[j]) {
            0.0
        } else {
            2.0 * (a1[j] / b1[j])
        };
        let t2 = if params::is_zero(b2[j]) {
            0.0
        } else {
            a2[j] / b2[j]
        };
        let output = ((0.0 + t0) + t1) + t2;
        out[j] = 100.0 * (output / 7.0);
    }
}

/// Streaming ULTOSC; `update(high, low, close)` equals [`ultosc`] at every index.
#[derive(Debug, Clone)]
pub struct UltimateOscillator {
    periods: [usize; 3],
    /// The terms of the last `longest` candles, oldest overwritten first.
    ring: Vec<(f64, f64)>,
    /// Slot of the newest candle.
    pos: usize,
    /// Candles seen after the first.
    seen: usize,
    prev_close: f64,
    sums: Sums,
    value: f64,
}

impl UltimateOscillator {
    pub fn new(timeperiod1: usize, timeperiod2: usize, timeperiod3: usize) -> Result<Self> {
        let periods = check(timeperiod1, timeperiod2, timeperiod3)?;
        Ok(Self {
            periods,
            ring: vec![(0.0, 0.0); periods[2]],
            pos: 0,
            seen: 0,
            prev_close: f64::NAN,
            sums: Sums::default(),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if self.prev_close.is_nan() && self.seen == 0 {
            if !(high.is_nan() || low.is_nan() || close.is_nan()) {
                self.prev_close = close;
            }
            return f64::NAN;
        }
        let t = terms(high, low, close, self.prev_close);
        self.prev_close = close;
        self.seen += 1;
        let p = self.periods;
        let len = p[2];
        self.pos = if self.seen == 1 || self.pos + 1 == len {
            0
        } else {
            self.pos + 1
        };
        self.ring[self.pos] = t;
        if self.seen < len {
            self.sums.warm(p, self.seen, t);
            return f64::NAN;
        }
        self.sums.add_all(p, t);
        self.value = self.sums.oscillator();
        for (w, &pw) in p.iter().enumerate() {
            // The candle `p[w] - 1` before the newest leaves window `w`.
            let back = pw - 1;
            let slot = if self.pos >= back {
                self.pos - back
            } else {
                self.pos + len - back
            };
            self.sums.remove(w, self.ring[slot]);
        }
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.seen >= self.periods[2]
    }

    pub fn reset(&mut self) {
        let [a, b, c] = self.periods;
        *self = Self::new(a, b, c).expect("periods were validated");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, c) = ohlc(400, 8);
        for p in [(7, 14, 28), (1, 1, 1), (28, 2, 9), (5, 5, 6)] {
            let mut out = vec![0.0; h.len()];
            ultosc(&h, &l, &c, p.0, p.1, p.2, &mut out).unwrap();
            let mut s = UltimateOscillator::new(p.0, p.1, p.2).unwrap();
            let got: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&out, &got);
            let longest = p.0.max(p.1).max(p.2);
            assert_eq!(out.iter().take_while(|v| v.is_nan()).count(), longest);
        }
    }

    /// A NaN anywhere after the first candle is refused with its input and index, also when a
    /// long flat stretch follows it (the sums' reset must not hide it) and in the warm-up.
    #[test]
    fn gaps_are_refused_naming_the_input_and_the_index() {
        let (_, h, l, c) = ohlc(1200, 3);
        for (which, at, flat_after) in [
            (0, 700, false),
            (1, 300, true),
            (2, 5, false),
            (2, 1199, false),
        ] {
            let mut cols = [h.clone(), l.clone(), c.clone()];
            if flat_after {
                for col in cols.iter_mut() {
                    col[at + 1..at + 200].fill(50.0);
                }
            }
            cols[which][at] = f64::NAN;
            let mut out = vec![0.0; h.len()];
            let err = ultosc(&cols[0], &cols[1], &cols[2], 7, 14, 28, &mut out).unwrap_err();
            let name = ["high", "low", "close"][which];
            assert_eq!(
                err,
                crate::KernelError::NotANumber {
                    indicator: NAME,
                    name,
                    index: at
                }
            );
        }
    }

    #[test]
    fn bad_period() {
        assert_eq!(
            UltimateOscillator::new(7, 0, 28).unwrap_err().to_string(),
            "ultosc: timeperiod2 must be >= 1, got 0"
        );
    }
}
