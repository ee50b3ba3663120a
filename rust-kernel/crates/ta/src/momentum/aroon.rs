//! Aroon (TA-Lib `AROON`, `AROONOSC`), lookback `n`, over windows of `n + 1` candles:
//! `up = (100 / n) (n - candles since the highest high)`, `down` likewise with the lowest low,
//! `AROONOSC = (100 / n) (index of highest - index of lowest)`. On ties the latest candle counts,
//! as in TA-Lib.
//!
//! The positions of the extremes come from monotonic deques (amortised O(1) per candle, storage
//! allocated once) where TA-Lib rescans the window whenever an extreme leaves it; the deque keeps
//! the latest index among equal values, which is the index TA-Lib's `>=` / `<=` updates settle on.

use crate::error::Result;
use crate::params;

pub fn check(indicator: &'static str, timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(indicator, "timeperiod", timeperiod, 2)
}

/// Index of the latest maximum (`MAX`) or minimum over the last `window` pushes.
#[derive(Debug, Clone)]
struct ArgExtreme<const MAX: bool> {
    idx: Vec<usize>,
    val: Vec<f64>,
    head: usize,
    len: usize,
}

impl<const MAX: bool> ArgExtreme<MAX> {
    fn new(window: usize) -> Self {
        Self {
            idx: vec![0; window],
            val: vec![0.0; window],
            head: 0,
            len: 0,
        }
    }

    #[inline(always)]
    fn slot(&self, k: usize) -> usize {
        let s = self.head + k;
        if s >= self.idx.len() {
            s - self.idx.len()
        } else {
            s
        }
    }

    /// Push value `x` at index `i`; returns the index of the extreme of `(i - window, i]`.
    #[inline(always)]
    fn push(&mut self, i: usize, x: f64) -> usize {
        let cap = self.idx.len();
        // Drop from the back everything `x` beats or ties (the latest index wins).
        while self.len > 0 {
            let back = self.val[self.slot(self.len - 1)];
            let beaten = if MAX { back <= x } else { back >= x };
            if !beaten {
                break;
            }
            self.len -= 1;
        }
        // Drop the front if it left the window.
        if self.len > 0 && i - self.idx[self.head] >= cap {
            self.head = self.slot(1);
            self.len -= 1;
        }
        let s = self.slot(self.len);
        self.idx[s] = i;
        self.val[s] = x;
        self.len += 1;
        self.idx[self.head]
    }

    fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

/// Streaming AROON and AROONOSC (one state; `update` returns `(down, up)`).
#[derive(Debug, Clone)]
pub struct Aroon {
    period: usize,
    factor: f64,
    max: ArgExtreme<true>,
    min: ArgExtreme<false>,
    seen: usize,
    value: (f64, f64),
    osc: f64,
}

impl Aroon {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let n = check("aroon", timeperiod)?;
        Ok(Self {
            period: n,
            factor: 100.0 / n as f64,
            max: ArgExtreme::new(n + 1),
            min: ArgExtreme::new(n + 1),
            seen: 0,
            value: (f64::NAN, f64::NAN),
            osc: f64::NAN,
        })
    }

    /// Feed one candle; `Some((down, up, osc))` once `n + 1` candles have been seen.
    #[inline(always)]
    fn step(&mut self, high: f64, low: f64) -> Option<(f64, f64, f64)> {
        let i = self.seen;
        self.seen += 1;
        let hi = self.max.push(i, high);
        let lo = self.min.push(i, low);
        if i < self.period {
            return None;
        }
        let n = self.period as f64;
        let down = self.factor * (n - (i - lo) as f64);
        let up = self.factor * (n - (i - hi) as f64);
        let osc = self.factor * (hi as f64 - lo as f64);
        Some((down, up, osc))
    }

    /// Returns `(aroondown, aroonup)` as `aroon()` does.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64) -> (f64, f64) {
        if self.seen == 0 && (high.is_nan() || low.is_nan()) {
            return (f64::NAN, f64::NAN);
        }
        match self.step(high, low) {
            Some((down, up, osc)) => {
                self.value = (down, up);
                self.osc = osc;
                self.value
            }
            None => (f64::NAN, f64::NAN),
        }
    }

    pub fn value(&self) -> (f64, f64) {
        self.value
    }

    /// AROONOSC of the last candle.
    pub fn oscillator(&self) -> f64 {
        self.osc
    }

    pub fn is_ready(&self) -> bool {
        self.seen > self.period
    }

    pub fn reset(&mut self) {
        self.max.clear();
        self.min.clear();
        self.seen = 0;
        self.value = (f64::NAN, f64::NAN);
        self.osc = f64::NAN;
    }
}

/// Streaming AROONOSC.
#[derive(Debug, Clone)]
pub struct AroonOscillator(Aroon);

impl AroonOscillator {
    pub fn new(timeperiod: usize) -> Result<Self> {
        check("aroonosc", timeperiod)?;
        Ok(Self(Aroon::new(timeperiod)?))
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64) -> f64 {
        let (down, _) = self.0.update(high, low);
        if down.is_nan() {
            f64::NAN
        } else {
            self.0.osc
        }
    }

    pub fn value(&self) -> f64 {
        self.0.osc
    }

    pub fn is_ready(&self) -> bool {
        self.0.is_ready()
    }

    pub fn reset(&mut self) {
        self.0.reset()
    }
}

/// Validate, fill the lookback with NaN, and call `emit(i, (down, up, osc))` for every candle
/// with an output.
fn drive(
    indicator: &'static str,
    high: &[f64],
    low: &[f64],
    timeperiod: usize,
    outs: &mut [&mut [f64]],
    mut emit: impl FnMut(&mut [&mut [f64]], usize, (f64, f64, f64)),
) -> Result<()> {
    let n = check(indicator, timeperiod)?;
    params::same_len(indicator, "high", high.len(), "low", low.len())?;
    for o in outs.iter() {
        params::same_len(indicator, "high", high.len(), "out", o.len())?;
    }
    let begin = params::first_valid_all(&[high, low]);
    for o in outs.iter_mut() {
        params::fill_nan(o, begin + n);
    }
    let finite = |x: &[f64]| !x[begin..].iter().any(|v| v.is_nan());
    if begin + n < high.len() && finite(high) && finite(low) {
        let factor = 100.0 / n as f64;
        let nf = n as f64;
        arg_extremes(&high[begin..], &low[begin..], n + 1, |t, hi, lo| {
            let down = factor * (nf - (t - lo) as f64);
            let up = factor * (nf - (t - hi) as f64);
            let osc = factor * (hi as f64 - lo as f64);
            emit(outs, begin + t, (down, up, osc));
        });
        return Ok(());
    }
    let mut s = Aroon::new(n)?;
    for i in begin..high.len() {
        if let Some(v) = s.step(high[i], low[i]) {
            emit(outs, i, v);
        }
    }
    Ok(())
}

/// Latest index of the maximum of `hi` and of the minimum of `lo` over every window of `w`
/// values (van Herk / Gil-Werman on (value, index) pairs, ties to the later index): per block of
/// `w`, prefix extremes forward and suffix extremes backward; a window is the suffix of one block
/// and the prefix of the next. Branch-free selects, a constant number per value, where the deque
/// mispredicts its pops and TA-Lib rescans. Inputs must hold no NaN (the caller checks).
/// Calls `emit(t, argmax, argmin)` for `t >= w - 1`.
#[inline(always)]
fn arg_extremes(hi: &[f64], lo: &[f64], w: usize, mut emit: impl FnMut(usize, usize, usize)) {
    let len = hi.len();
    let mut suf_hi = vec![(f64::NEG_INFINITY, 0usize); w];
    let mut suf_lo = vec![(f64::INFINITY, 0usize); w];
    // Suffix scans run backward, so a tie keeps the later index already held (strict compare).
    let suffixes = |start: usize, suf_hi: &mut [(f64, usize)], suf_lo: &mut [(f64, usize)]| {
        let (mut h, mut l) = ((f64::NEG_INFINITY, 0), (f64::INFINITY, 0));
        for j in (0..w).rev() {
            let i = start + j;
            h = if hi[i] > h.0 { (hi[i], i) } else { h };
            l = if lo[i] < l.0 { (lo[i], i) } else { l };
            suf_hi[j] = h;
            suf_lo[j] = l;
        }
    };
    let mut start = 0;
    loop {
        let end = (start + w).min(len);
        // Prefix scans run forward: a tie takes the later index (non-strict compare).
        let (mut h, mut l) = ((f64::NEG_INFINITY, 0), (f64::INFINITY, 0));
        for j in 0..end - start {
            let i = start + j;
            h = if hi[i] >= h.0 { (hi[i], i) } else { h };
            l = if lo[i] <= l.0 { (lo[i], i) } else { l };
            if i + 1 < w {
                continue;
            }
            // The window ending at i starts at offset j + 1 of the previous block (or is this
            // whole block when j + 1 == w); the later part (this prefix) wins ties.
            let (sh, sl) = if j + 1 < w {
                (suf_hi[j + 1], suf_lo[j + 1])
            } else {
                ((f64::NEG_INFINITY, 0), (f64::INFINITY, 0))
            };
            let amax = if sh.0 > h.0 { sh.1 } else { h.1 };
            let amin = if sl.0 < l.0 { sl.1 } else { l.1 };
            emit(i, amax, amin);
        }
        if end == len {
            break;
        }
        suffixes(start, &mut suf_hi, &mut suf_lo);
        start = end;
    }
}

/// Batch AROON into `(aroondown, aroonup)`.
pub fn aroon(
    high: &[f64],
    low: &[f64],
    timeperiod: usize,
    down: &mut [f64],
    up: &mut [f64],
) -> Result<()> {
    drive(
        "aroon",
        high,
        low,
        timeperiod,
        &mut [down, up],
        |o, i, v| {
            o[0][i] = v.0;
            o[1][i] = v.1;
        },
    )
}

/// Batch AROONOSC.
pub fn aroonosc(high: &[f64], low: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    drive("aroonosc", high, low, timeperiod, &mut [out], |o, i, v| {
        o[0][i] = v.2;
    })
}
