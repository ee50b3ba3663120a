//! Midpoint of a window (TA-Lib `MIDPOINT`: `(max + min) / 2` of `real` over `n`; `MIDPRICE`:
//! `(max(high) + min(low)) / 2`), lookback `n - 1`. The extremes are rescanned only when the
//! current extreme leaves the window, as TA-Lib does.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

/// Running max or min over the last `n` values.
#[derive(Debug, Clone)]
pub struct Extreme {
    ring: Ring,
    best: f64,
    best_age: usize,
    is_max: bool,
}

impl Extreme {
    pub fn new(period: usize, is_max: bool) -> Self {
        Self {
            ring: Ring::new(period),
            best: f64::NAN,
            best_age: 0,
            is_max,
        }
    }

    #[inline(always)]
    fn better(&self, a: f64, b: f64) -> bool {
        if self.is_max {
            a >= b
        } else {
            a <= b
        }
    }

    #[inline(always)]
    fn strictly_better(&self, a: f64, b: f64) -> bool {
        if self.is_max {
            a > b
        } else {
            a < b
        }
    }

    /// Push `x`; returns the extreme of the window (valid once full).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        self.ring.push(x);
        self.best_age += 1;
        if self.ring.len() == 1 || self.better(x, self.best) {
            self.best = x;
            self.best_age = 0;
        } else if self.best_age >= self.ring.capacity() {
            self.best = self.ring.ago(0);
            self.best_age = 0;
            for age in 1..self.ring.len() {
                let v = self.ring.ago(age);
                if self.strictly_better(v, self.best) {
                    self.best = v;
                    self.best_age = age;
                }
            }
        }
        self.best
    }

    pub fn is_full(&self) -> bool {
        self.ring.is_full()
    }

    pub fn reset(&mut self) {
        self.ring.clear();
        self.best = f64::NAN;
        self.best_age = 0;
    }
}

/// The batch counterpart of [`Extreme`] over a slice: the same comparisons in the same order (so
/// NaN inputs give the same results as the stream), without a ring buffer: the window is the
/// slice itself and the extreme is tracked by index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tracker<const MAX: bool> {
    pub best: f64,
    idx: usize,
}

impl<const MAX: bool> Tracker<MAX> {
    #[inline(always)]
    fn better(a: f64, b: f64) -> bool {
        if MAX {
            a >= b
        } else {
            a <= b
        }
    }

    #[inline(always)]
    fn strictly_better(a: f64, b: f64) -> bool {
        if MAX {
            a > b
        } else {
            a < b
        }
    }

    /// Start on `x[first..=last]` as the stream does after pushing those values one by one.
    #[inline]
    pub fn start(x: &[f64], first: usize, last: usize) -> Self {
        let mut t = Self {
            best: x[first],
            idx: first,
        };
        for (j, &v) in x.iter().enumerate().take(last + 1).skip(first + 1) {
            if Self::better(v, t.best) {
                t.best = v;
                t.idx = j;
            }
        }
        t
    }

    /// Move the window to end at `today` (it starts at `today + 1 - period`).
    ///
    /// Written with selects rather than branches: on prices, whether a new value is the extreme
    /// is close to a coin flip, and a mispredicted branch costs more than both selects.
    #[inline(always)]
    pub fn step(&mut self, x: &[f64], today: usize, period: usize) -> f64 {
        let v = x[today];
        let take = Self::better(v, self.best);
        self.best = if take { v } else { self.best };
        self.idx = if take { today } else { self.idx };
        if today - self.idx >= period {
            self.rescan(x, today, period);
        }
        self.best
    }

    #[inline(always)]
    fn rescan(&mut self, x: &[f64], today: usize, period: usize) {
        let start = today + 1 - period;
        let mut best = x[today];
        let mut idx = today;
        for (j, &v) in x[start..today].iter().enumerate().rev() {
            let take = Self::strictly_better(v, best);
            best = if take { v } else { best };
            idx = if take { start + j } else { idx };
        }
        self.best = best;
        self.idx = idx;
    }
}

/// Drive the max of `hi` and the min of `lo` over windows of `period`, from the first complete
/// window after `begin`; calls `emit(today, max, min)` for each.
#[inline(always)]
pub(crate) fn extremes(
    hi: &[f64],
    lo: &[f64],
    begin: usize,
    period: usize,
    mut emit: impl FnMut(usize, f64, f64),
) {
    let first = begin + period - 1;
    if first >= hi.len() {
        return;
    }
    let mut max = Tracker::<true>::start(hi, begin, first);
    let mut min = Tracker::<false>::start(lo, begin, first);
    emit(first, max.best, min.best);
    // A fold rather than `any`: without the early exit the scan vectorises.
    let finite = |s: &[f64]| !s[begin..].iter().fold(false, |seen, v| seen | v.is_nan());
    let same = std::ptr::eq(hi, lo);
    if finite(hi) && (same || finite(lo)) {
        van_herk(&hi[begin..], &lo[begin..], period, |i, h, l| {
            emit(begin + i, h, l)
        });
    } else {
        for today in first + 1..hi.len() {
            let h = max.step(hi, today, period);
            let l = min.step(lo, today, period);
            emit(today, h, l);
        }
    }
}

/// Sliding max of `hi` and min of `lo` without NaN (van Herk / Gil-Werman): cut the input into
/// blocks of `period`; a window either is one block (its prefix extreme) or spans the suffix of
/// one block and the prefix of the next. Three comparisons per value and no data-dependent
/// branch, whatever the prices do, where rescanning costs O(period) each time the extreme leaves
/// the window. Emits from the second window on (the caller emitted the first); only one block of
/// suffixes is kept.
#[inline(always)]
fn van_herk(hi: &[f64], lo: &[f64], period: usize, mut emit: impl FnMut(usize, f64, f64)) {
    let len = hi.len();
    let mut suf_hi = vec![f64::NEG_INFINITY; period];
    let mut suf_lo = vec![f64::INFINITY; period];
    let suffixes = |start: usize, suf_hi: &mut [f64], suf_lo: &mut [f64]| {
        let (mut h, mut l) = (f64::NEG_INFINITY, f64::INFINITY);
        for j in (0..period).rev() {
            h = if hi[start + j] > h { hi[start + j] } else { h };
            l = if lo[start + j] < l { lo[start + j] } else { l };
            suf_hi[j] = h;
            suf_lo[j] = l;
        }
    };
    // Block 0 holds the first window; its suffixes serve the windows ending in block 1.
    suffixes(0, &mut suf_hi, &mut suf_lo);
    let mut start = period;
    while start < len {
        let end = (start + period).min(len);
        let (mut h, mut l) = (f64::NEG_INFINITY, f64::INFINITY);
        // The window ending at start + j begins at offset j + 1 of the previous block.
        for j in 0..end - start {
            let i = start + j;
            h = if hi[i] > h { hi[i] } else { h };
            l = if lo[i] < l { lo[i] } else { l };
            let (sh, sl) = if j + 1 < period {
                (suf_hi[j + 1], suf_lo[j + 1])
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            };
            emit(i, if sh > h { sh } else { h }, if sl < l { sl } else { l });
        }
        if end - start == period {
            suffixes(start, &mut suf_hi, &mut suf_lo);
        }
        start = end;
    }
}

#[derive(Debug, Clone)]
pub struct MidPoint {
    max: Extreme,
    min: Extreme,
    value: f64,
}

impl MidPoint {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("midpoint", "timeperiod", timeperiod, 2)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = Self::check(timeperiod)?;
        Ok(Self {
            max: Extreme::new(n, true),
            min: Extreme::new(n, false),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.max.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        let hi = self.max.update(x);
        let lo = self.min.update(x);
        if !self.max.is_full() {
            return f64::NAN;
        }
        self.value = (hi + lo) / 2.0;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.max.is_full()
    }

    pub fn reset(&mut self) {
        self.max.reset();
        self.min.reset();
        self.value = f64::NAN;
    }
}

/// Batch MIDPOINT.
pub fn midpoint(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = MidPoint::check(timeperiod)?;
    params::same_len("midpoint", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + n - 1);
    extremes(real, real, begin, n, |i, h, l| out[i] = (h + l) / 2.0);
    Ok(())
}

#[derive(Debug, Clone)]
pub struct MidPrice {
    max: Extreme,
    min: Extreme,
    value: f64,
}

impl MidPrice {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("midprice", "timeperiod", timeperiod, 2)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = Self::check(timeperiod)?;
        Ok(Self {
            max: Extreme::new(n, true),
            min: Extreme::new(n, false),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64) -> f64 {
        if self.max.ring.is_empty() && (high.is_nan() || low.is_nan()) {
            return f64::NAN;
        }
        let hi = self.max.update(high);
        let lo = self.min.update(low);
        if !self.max.is_full() {
            return f64::NAN;
        }
        self.value = (hi + lo) / 2.0;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.max.is_full()
    }

    pub fn reset(&mut self) {
        self.max.reset();
        self.min.reset();
        self.value = f64::NAN;
    }
}

/// Batch MIDPRICE.
pub fn midprice(high: &[f64], low: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = MidPrice::check(timeperiod)?;
    params::same_len("midprice", "high", high.len(), "low", low.len())?;
    params::same_len("midprice", "high", high.len(), "out", out.len())?;
    let begin = params::first_valid_all(&[high, low]);
    params::fill_nan(out, begin + n - 1);
    extremes(high, low, begin, n, |i, h, l| out[i] = (h + l) / 2.0);
    Ok(())
}
