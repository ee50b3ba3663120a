//! Aroon (TA-Lib `AROON`, `AROONOSC`), lookback `n`, over windows of `n + 1` candles:
//! `up = (100 / n) (n - candles since the highest high)`, `down` likewise with the lowest low,
//! `AROONOSC = (100 / n) (index of highest - index of lowest)`. On ties the latest candle counts,
//! as in TA-Lib.
//!
//! The stream takes the positions of the extremes from monotonic deques (amortised O(1) per
//! candle, storage allocated once) where TA-Lib rescans the window whenever an extreme leaves it;
//! the deque keeps the latest index among equal values, which is the index TA-Lib's `>=` / `<=`
//! updates settle on. The batch runs the log-step kernel of `midpoint` on (value, index) pairs
//! (a later span wins a tie, so the index is again the latest; van Herk past `LOG_MAX_W`) and the
//! stream's deques when the input holds a NaN: the same indices, so the same bits.

use crate::error::Result;
use crate::overlap::midpoint::{finite, prefetch, CHUNK, LOG_MAX_W, SCRATCH};
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

/// `(down, up, osc)` from how many candles ago the highest high (`age_hi`) and the lowest low were,
/// as whole numbers in `f64`: `osc = factor * (hi - lo)` with the indices' difference exact.
#[inline(always)]
fn values(factor: f64, n: f64, age_hi: f64, age_lo: f64) -> (f64, f64, f64) {
    (
        factor * (n - age_lo),
        factor * (n - age_hi),
        factor * (age_lo - age_hi),
    )
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
        Some(values(
            self.factor,
            self.period as f64,
            (i - hi) as f64,
            (i - lo) as f64,
        ))
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

/// Validate, fill the lookback with NaN, and call `emit(outs, t, ages_hi, ages_lo)` for runs of
/// candles from `t` on: how many candles ago the highest high and the lowest low of each window
/// were (see [`values`]).
fn drive(
    indicator: &'static str,
    high: &[f64],
    low: &[f64],
    timeperiod: usize,
    outs: &mut [&mut [f64]],
    mut emit: impl FnMut(&mut [&mut [f64]], usize, f64, f64, &[f64], &[f64]),
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
    let factor = 100.0 / n as f64;
    let nf = n as f64;
    if begin + n >= high.len() {
        return Ok(());
    }
    let (h, l) = (&high[begin..], &low[begin..]);
    // The first candle the NaN-free kernels did not emit.
    let resume = if n < LOG_MAX_W {
        let done = crate::with_simd!(log_arg_extremes(
            h,
            l,
            n + 1,
            #[inline(always)]
            |t, ah, al| emit(outs, begin + t, factor, nf, ah, al)
        ));
        begin + done
    } else if finite(h) && finite(l) {
        arg_extremes(h, l, n + 1, |t, hi, lo| {
            let (ah, al) = ((t - hi) as f64, (t - lo) as f64);
            emit(outs, begin + t, factor, nf, &[ah], &[al]);
        });
        high.len()
    } else {
        begin + n
    };
    // A gap is refused (see `params::first_valid_no_gaps`); the kernels saw whether there is one.
    params::refuse_nan_past(indicator, &[("high", high), ("low", low)], begin, resume)?;
    // From the first NaN on, the stream's deques. Before `resume` the data holds no NaN, so the
    // deques built from the last window before it are the stream's (a deque holds the descending
    // run of its window, whatever came before).
    let mut max = ArgExtreme::<true>::new(n + 1);
    let mut min = ArgExtreme::<false>::new(n + 1);
    for i in resume.saturating_sub(n + 1).max(begin)..high.len() {
        let j = i - begin;
        let hi = max.push(j, high[i]);
        let lo = min.push(j, low[i]);
        if i >= resume {
            emit(outs, i, factor, nf, &[(j - hi) as f64], &[(j - lo) as f64]);
        }
    }
    Ok(())
}

/// `(dv[i], di[i])` = the extreme of `sv[i + offs[k]]` over `k` with its index from `si`; the
/// offsets ascend and a later span wins a tie, so the index is the latest of equal extremes.
#[inline(always)]
fn arg_fold_n<const MAX: bool, const F: usize>(
    (sv, si): (&[f64], &[f64]),
    offs: [usize; F],
    dv: &mut [f64],
    di: &mut [f64],
) {
    let m = dv.len();
    let vals: [&[f64]; F] = std::array::from_fn(|k| &sv[offs[k]..offs[k] + m]);
    let idxs: [&[f64]; F] = std::array::from_fn(|k| &si[offs[k]..offs[k] + m]);
    for (i, (ov, oi)) in dv.iter_mut().zip(&mut di[..m]).enumerate() {
        let (mut v, mut x) = (vals[0][i], idxs[0][i]);
        for k in 1..F {
            let (u, j) = (vals[k][i], idxs[k][i]);
            let take = if MAX { u >= v } else { u <= v };
            v = if take { u } else { v };
            x = if take { j } else { x };
        }
        *ov = v;
        *oi = x;
    }
}

/// [`arg_fold_n`] with `f` (1 to 4) spans of `s` starting `0, s, 2s, ...` apart, the last at
/// `last`, as `midpoint::fold` merges values.
#[inline(always)]
fn arg_fold<const MAX: bool>(
    src: (&[f64], &[f64]),
    s: usize,
    last: usize,
    f: usize,
    dv: &mut [f64],
    di: &mut [f64],
) {
    match f {
        0 | 1 => arg_fold_n::<MAX, 1>(src, [0], dv, di),
        2 => arg_fold_n::<MAX, 2>(src, [0, last], dv, di),
        3 => arg_fold_n::<MAX, 3>(src, [0, s.min(last), last], dv, di),
        _ => arg_fold_n::<MAX, 4>(src, [0, s, (2 * s).min(last), last], dv, di),
    }
}

/// Scratch of one log-step pass over (value, index) pairs.
struct ArgScratch {
    /// `iota[j] = j`: the index of each value of a chunk, relative to the chunk.
    iota: [f64; SCRATCH],
    av: [f64; SCRATCH],
    ai: [f64; SCRATCH],
    bv: [f64; SCRATCH],
    bi: [f64; SCRATCH],
}

/// Latest index (relative to `x[0]`) of the extreme of each of the `di.len()` windows of `w`
/// values starting at `x[0], x[1], ...`: `midpoint::log_step` on (value, index) pairs.
#[inline(always)]
fn arg_log_step<const MAX: bool>(x: &[f64], w: usize, sc: &mut ArgScratch, di: &mut [f64]) {
    let c = di.len();
    let mut dv = [0.0; CHUNK];
    let dv = &mut dv[..c];
    let raw = (x, &sc.iota[..x.len()]);
    if w <= 4 {
        arg_fold::<MAX>(raw, 1, w - 1, w, dv, di);
        return;
    }
    let (mut cv, mut ci, mut nv, mut ni) = (
        &mut sc.av[..],
        &mut sc.ai[..],
        &mut sc.bv[..],
        &mut sc.bi[..],
    );
    arg_fold::<MAX>(raw, 1, 3, 4, &mut cv[..c + w - 4], &mut ci[..c + w - 4]);
    let mut s = 4;
    while w > 4 * s {
        let m = c + w - 4 * s;
        arg_fold::<MAX>((cv, ci), s, 3 * s, 4, &mut nv[..m], &mut ni[..m]);
        std::mem::swap(&mut cv, &mut nv);
        std::mem::swap(&mut ci, &mut ni);
        s *= 4;
    }
    arg_fold::<MAX>((cv, ci), s, w - s, w.div_ceil(s), dv, di);
}

/// For every window of `w` values (`w <= LOG_MAX_W`) ending at `t >= w - 1`: how many
/// values ago its highest `hi` and its lowest `lo` were (the latest of equal extremes), as whole
/// numbers in `f64`; `emit(t, ages_hi, ages_lo)` for runs of windows ending at `t, t + 1, ...`,
/// up to the first chunk holding a NaN. Returns the end of the first window not emitted
/// (`hi.len()` when all were).
#[inline(always)]
fn log_arg_extremes(
    hi: &[f64],
    lo: &[f64],
    w: usize,
    mut emit: impl FnMut(usize, &[f64], &[f64]),
) -> usize {
    if hi.len() < w {
        return hi.len();
    }
    let windows = hi.len() - w + 1;
    let mut sc = ArgScratch {
        iota: [0.0; SCRATCH],
        av: [0.0; SCRATCH],
        ai: [0.0; SCRATCH],
        bv: [0.0; SCRATCH],
        bi: [0.0; SCRATCH],
    };
    for (j, v) in sc.iota.iter_mut().enumerate() {
        *v = j as f64;
    }
    let mut ih = [0.0; CHUNK];
    let mut il = [0.0; CHUNK];
    let mut p = 0;
    while p < windows {
        let c = (windows - p).min(CHUNK);
        prefetch(&hi[(p + c + w - 1).min(hi.len())..], CHUNK);
        prefetch(&lo[(p + c + w - 1).min(lo.len())..], CHUNK);
        let (h, l) = (&hi[p..p + c + w - 1], &lo[p..p + c + w - 1]);
        // Checked a chunk at a time, in cache, rather than in a pass of its own.
        if !(finite(h) && finite(l)) {
            return p + w - 1;
        }
        arg_log_step::<true>(h, w, &mut sc, &mut ih[..c]);
        arg_log_step::<false>(l, w, &mut sc, &mut il[..c]);
        // The window at j ends at j + w - 1 (relative to p).
        let ends = &sc.iota[w - 1..w - 1 + c];
        for ((h, l), &e) in ih[..c].iter_mut().zip(&mut il[..c]).zip(ends) {
            *h = e - *h;
            *l = e - *l;
        }
        emit(p + w - 1, &ih[..c], &il[..c]);
        p += c;
    }
    hi.len()
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
        #[inline(always)]
        |o, t, factor, n, ages_hi, ages_lo| {
            let [down, up] = o else { return };
            let rows = down[t..].iter_mut().zip(&mut up[t..]);
            for ((d, u), (&ah, &al)) in rows.zip(ages_hi.iter().zip(ages_lo)) {
                (*d, *u, _) = values(factor, n, ah, al);
            }
        },
    )
}

/// Batch AROONOSC.
pub fn aroonosc(high: &[f64], low: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    drive(
        "aroonosc",
        high,
        low,
        timeperiod,
        &mut [out],
        #[inline(always)]
        |o, t, factor, n, ages_hi, ages_lo| {
            let [out] = o else { return };
            for (v, (&ah, &al)) in out[t..].iter_mut().zip(ages_hi.iter().zip(ages_lo)) {
                (_, _, *v) = values(factor, n, ah, al);
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    /// Prices rounded to a coarse tick so that equal extremes (plateaus) are common.
    fn ticks(len: usize, seed: u64) -> Vec<f64> {
        series(len, seed)
            .iter()
            .map(|v| (v * 2.0).round() / 2.0)
            .collect()
    }

    /// AROON by brute force with TA-Lib's rule: the latest of equal extremes counts.
    fn naive(hi: &[f64], lo: &[f64], n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (mut d, mut u, mut o) = (
            vec![f64::NAN; hi.len()],
            vec![f64::NAN; hi.len()],
            vec![f64::NAN; hi.len()],
        );
        let factor = 100.0 / n as f64;
        for t in n..hi.len() {
            let (mut h, mut l) = (t - n, t - n);
            for j in t - n..=t {
                if hi[j] >= hi[h] {
                    h = j;
                }
                if lo[j] <= lo[l] {
                    l = j;
                }
            }
            d[t] = factor * (n as f64 - (t - l) as f64);
            u[t] = factor * (n as f64 - (t - h) as f64);
            o[t] = factor * (h as f64 - l as f64);
        }
        (d, u, o)
    }

    #[test]
    fn batch_equals_brute_force_and_stream_with_ties_across_chunks() {
        let len = 3 * CHUNK + 50;
        let hi = ticks(len, 3);
        let lo: Vec<f64> = ticks(len, 4).iter().map(|v| v - 1.0).collect();
        let flat = vec![7.0; len];
        let mut gap = ticks(len, 5);
        gap[0] = f64::NAN;
        gap[400] = f64::NAN;
        for (h, l) in [(&hi, &lo), (&flat, &flat), (&hi, &flat), (&gap, &lo)] {
            for n in [2, 3, 4, 5, 14, 15, 16, 17, 63, 64, 65, 127, 128, 200] {
                let (mut d, mut u, mut o) = (vec![0.0; len], vec![0.0; len], vec![0.0; len]);
                if h[1..].iter().any(|v| v.is_nan()) {
                    // A gap after the first candle is refused, naming the input and the index.
                    let err = aroon(h, l, n, &mut d, &mut u).unwrap_err();
                    assert!(err
                        .to_string()
                        .starts_with("aroon: high contains NaN at index 400"));
                    assert!(aroonosc(h, l, n, &mut o).is_err());
                    continue;
                }
                aroon(h, l, n, &mut d, &mut u).unwrap();
                aroonosc(h, l, n, &mut o).unwrap();
                if !h[1..].iter().any(|v| v.is_nan()) && !h[0].is_nan() {
                    let (wd, wu, wo) = naive(h, l, n);
                    assert_same(&wd, &d);
                    assert_same(&wu, &u);
                    assert_same(&wo, &o);
                }
                let mut s = Aroon::new(n).unwrap();
                let mut so = AroonOscillator::new(n).unwrap();
                for i in 0..len {
                    let (sd, su) = s.update(h[i], l[i]);
                    let v = so.update(h[i], l[i]);
                    assert_same(&[d[i], u[i], o[i]], &[sd, su, v]);
                }
            }
        }
    }
}
