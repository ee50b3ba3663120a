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
        let mut output = 0.0;
        if !params::is_zero(self.b[0]) {
            output += 4.0 * (self.a[0] / self.b[0]);
        }
        if !params::is_zero(self.b[1]) {
            output += 2.0 * (self.a[1] / self.b[1]);
        }
        if !params::is_zero(self.b[2]) {
            output += self.a[2] / self.b[2];
        }
        100.0 * (output / 7.0)
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
    params::fill_nan(out, start);
    if start >= n {
        return Ok(());
    }
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
    let mut pos = len - 1;
    let mut trail = [len - p[0], len - p[1], 0];
    for (today, o) in out.iter_mut().enumerate().skip(start) {
        let t = term(today);
        ring[pos] = t;
        s.add_all(p, t);
        let value = s.oscillator();
        for (w, slot) in trail.iter_mut().enumerate() {
            s.remove(w, ring[*slot]);
            *slot = if *slot + 1 == len { 0 } else { *slot + 1 };
        }
        pos = if pos + 1 == len { 0 } else { pos + 1 };
        *o = value;
    }
    Ok(())
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

    #[test]
    fn bad_period() {
        assert_eq!(
            UltimateOscillator::new(7, 0, 28).unwrap_err().to_string(),
            "ultosc: timeperiod2 must be >= 1, got 0"
        );
    }
}
