//! Midpoint of a window (TA-Lib `MIDPOINT`: `(max + min) / 2` of `real` over `n`; `MIDPRICE`:
//! `(max(high) + min(low)) / 2`), lookback `n - 1`.
//!
//! The streams rescan their window only when the current extreme leaves it. The batch functions
//! (and WILLR's and STOCH's) take the window extremes from [`extremes_map`]: a log-step kernel
//! over chunks of the input (vectorised, AVX2 where the CPU has it, no dependent comparisons), van
//! Herk for windows longer than [`LOG_MAX_W`], and the stream's own comparisons from a NaN on.
//! Max and min are exact, so the values are the same bits whichever path computes them.

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
/// window after `begin`; calls `emit(today, max, min)` for each. Returns what [`extremes_map`]
/// returns.
#[inline(always)]
pub(crate) fn extremes(
    hi: &[f64],
    lo: &[f64],
    begin: usize,
    period: usize,
    mut emit: impl FnMut(usize, f64, f64),
) -> usize {
    let mut mx = [0.0; CHUNK];
    let mut mn = [0.0; CHUNK];
    extremes_map(hi, lo, begin, period, |t, run| {
        let c = run.len();
        run.map(&mn[..c], &mut mx[..c], |h, _, _| h);
        run.map(&mx[..c], &mut mn[..c], |_, l, _| l);
        for j in 0..c {
            emit(t + j, mx[j], mn[j]);
        }
    })
}

/// A run of consecutive windows from [`extremes_map`]: a chunk of the log-step kernel or one
/// window of the other paths.
#[derive(Clone, Copy)]
pub(crate) enum Run<'a> {
    Chunk(Last<'a>),
    One(f64, f64),
}

impl Run<'_> {
    /// How many windows the run holds.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Chunk(last) => last.c,
            Self::One(..) => 1,
        }
    }

    /// `out[j] = f(max, min, aux[j])` for the `j`-th window of the run (`out` and `aux` start at
    /// its first window and hold at least `len()` values).
    #[inline(always)]
    pub(crate) fn map(&self, aux: &[f64], out: &mut [f64], f: impl Fn(f64, f64, f64) -> f64) {
        match self {
            Self::Chunk(last) => last.map(aux, out, f),
            Self::One(h, l) => out[0] = f(*h, *l, aux[0]),
        }
    }
}

/// [`extremes`] by runs: `emit(t, run)` for runs of windows ending at `t, t + 1, ...,
/// t + run.len() - 1` (up to [`CHUNK`] at a time); the caller maps each run into its output with
/// [`Run::map`], one vectorised loop per chunk.
///
/// Inputs without NaN take the log-step kernel (windows up to [`LOG_MAX_W`], compiled for AVX2
/// when the CPU has it) or van Herk (longer windows); from the first chunk holding a NaN on, the
/// comparisons must be the stream's own, in its order, so [`Tracker`] runs. Max and min are exact,
/// so every path gives the same values.
///
/// Returns the first window the NaN-free kernels did not emit (`hi.len()` when they emitted
/// all): below it, `hi` and `lo` hold no NaN after `begin`, checked on the way while the data was
/// in registers. The batch functions that refuse gaps look for the NaN only when it is lower.
#[inline(always)]
pub(crate) fn extremes_map(
    hi: &[f64],
    lo: &[f64],
    begin: usize,
    period: usize,
    mut emit: impl FnMut(usize, Run<'_>),
) -> usize {
    let first = begin + period - 1;
    if first >= hi.len() {
        return hi.len();
    }
    // The first window the NaN-free kernels did not emit.
    let resume = if period <= LOG_MAX_W {
        let (h, l) = (&hi[begin..], &lo[begin..]);
        let done = crate::with_simd!(log_extremes(
            h,
            l,
            period,
            #[inline(always)]
            |t, last| emit(begin + t, Run::Chunk(last))
        ));
        begin + done
    } else if finite(&hi[begin..]) && (std::ptr::eq(hi, lo) || finite(&lo[begin..])) {
        let (h, l) = (&hi[begin..], &lo[begin..]);
        let (mx, mn) = (
            Tracker::<true>::start(h, 0, period - 1).best,
            Tracker::<false>::start(l, 0, period - 1).best,
        );
        emit(first, Run::One(mx, mn));
        van_herk(h, l, period, |i, h, l| emit(begin + i, Run::One(h, l)));
        hi.len()
    } else {
        first
    };
    if resume >= hi.len() {
        return hi.len();
    }
    // From the first NaN on, the stream's comparisons in the stream's order. The window before
    // `resume` holds no NaN, so its extreme and the latest index of it are the stream's state.
    let (mut max, mut min, from) = if resume == first {
        let max = Tracker::<true>::start(hi, begin, first);
        let min = Tracker::<false>::start(lo, begin, first);
        emit(first, Run::One(max.best, min.best));
        (max, min, first + 1)
    } else {
        let max = Tracker::<true>::start(hi, resume - period, resume - 1);
        let min = Tracker::<false>::start(lo, resume - period, resume - 1);
        (max, min, resume)
    };
    for today in from..hi.len() {
        let h = max.step(hi, today, period);
        let l = min.step(lo, today, period);
        emit(today, Run::One(h, l));
    }
    resume
}

/// Whether `x` holds no NaN (a fold rather than `any`: without the early exit it vectorises).
#[inline(always)]
pub(crate) fn finite(x: &[f64]) -> bool {
    !x.iter().fold(false, |seen, v| seen | v.is_nan())
}

/// Longest window the log-step kernel takes (its levels grow with log2 of the window); longer
/// windows go to van Herk.
pub(crate) const LOG_MAX_W: usize = 128;
/// Windows per pass of the log-step kernel.
pub(crate) const CHUNK: usize = 256;
/// Values one level of a pass holds: the scratch is a few stack arrays of this size (no
/// allocation per call).
pub(crate) const SCRATCH: usize = CHUNK + LOG_MAX_W;

/// The larger (`MAX`) or smaller of `u` and `v`: one `maxpd` / `minpd`.
#[inline(always)]
pub(crate) fn pick<const MAX: bool>(u: f64, v: f64) -> f64 {
    if MAX {
        if u > v {
            u
        } else {
            v
        }
    } else if u < v {
        u
    } else {
        v
    }
}

/// `dst[i]` = the extreme of `src[i + offs[k]]` over `k`: spans merged `F` at a time.
#[inline(always)]
fn fold_n<const MAX: bool, const F: usize>(src: &[f64], offs: [usize; F], dst: &mut [f64]) {
    let m = dst.len();
    let rows: [&[f64]; F] = std::array::from_fn(|k| &src[offs[k]..offs[k] + m]);
    for (i, o) in dst.iter_mut().enumerate() {
        let mut v = rows[0][i];
        for row in &rows[1..] {
            v = pick::<MAX>(v, row[i]);
        }
        *o = v;
    }
}

/// Merge `f` (1 to 4) spans of `s` values starting `0, s, 2s, ...` apart, the last one at `last`
/// (at most `(f - 1) s`): `dst[i]` is the extreme of `src[i..i + last + s]`.
#[inline(always)]
fn fold<const MAX: bool>(src: &[f64], s: usize, last: usize, f: usize, dst: &mut [f64]) {
    let m = dst.len();
    match f {
        0 | 1 => dst.copy_from_slice(&src[..m]),
        2 => fold_n::<MAX, 2>(src, [0, last], dst),
        3 => fold_n::<MAX, 3>(src, [0, s.min(last), last], dst),
        _ => fold_n::<MAX, 4>(src, [0, s, (2 * s).min(last), last], dst),
    }
}

/// `dst[i]` = the extreme of `x[i..i + 4]` (`x` holds at least `dst.len() + 3` values): the first
/// level of every log-step pass, the one that reads the input. Returns whether those values hold
/// no NaN, checked on the way (the data is in registers: no pass of its own).
#[inline(always)]
fn span4<const MAX: bool>(x: &[f64], dst: &mut [f64]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if params::has_avx2() {
        // SAFETY: the CPU reported AVX2.
        return unsafe { span4_avx2::<MAX>(x, dst) };
    }
    fold_n::<MAX, 4>(x, [0, 1, 2, 3], dst);
    finite(&x[..dst.len() + 3])
}

/// [`span4`] with one load per four windows: the values shifted by 1, 2 and 3 are shuffled out of
/// two neighbouring vectors instead of loaded again from unaligned addresses (the plain loop is
/// bound by loads, three of four split across cache lines).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn span4_avx2<const MAX: bool>(x: &[f64], dst: &mut [f64]) -> bool {
    use std::arch::x86_64::*;
    let m = dst.len();
    let x = &x[..m + 3];
    let mut i = 0;
    let mut nan = false;
    if m >= 5 {
        let (px, pd) = (x.as_ptr(), dst.as_mut_ptr());
        // SAFETY: loads read `x[i..i + 8]` with `i + 8 <= m + 3 = x.len()`; stores write
        // `dst[i..i + 4]` with `i + 4 < m`.
        unsafe {
            let mut a = _mm256_loadu_pd(px);
            let mut bad = _mm256_cmp_pd::<_CMP_UNORD_Q>(a, a);
            while i + 5 <= m {
                let b = _mm256_loadu_pd(px.add(i + 4));
                bad = _mm256_or_pd(bad, _mm256_cmp_pd::<_CMP_UNORD_Q>(b, b));
                let p = _mm256_permute2f128_pd::<0x21>(a, b); // x[i + 2..i + 6]
                let s1 = _mm256_shuffle_pd::<0b0101>(a, p); // x[i + 1..i + 5]
                let s3 = _mm256_shuffle_pd::<0b0101>(p, b); // x[i + 3..i + 7]
                let r = if MAX {
                    _mm256_max_pd(_mm256_max_pd(a, s1), _mm256_max_pd(p, s3))
                } else {
                    _mm256_min_pd(_mm256_min_pd(a, s1), _mm256_min_pd(p, s3))
                };
                _mm256_storeu_pd(pd.add(i), r);
                a = b;
                i += 4;
            }
            nan = _mm256_movemask_pd(bad) != 0;
        }
    }
    fold_n::<MAX, 4>(&x[i..], [0, 1, 2, 3], &mut dst[i..]);
    !nan && finite(&x[i..])
}

/// [`span4`] of `x` for both the max (`dmax`) and the min (`dmin`) from one pass over `x`
/// (MIDPOINT: the highs are the lows). Returns whether `x` holds no NaN.
#[inline(always)]
fn span4_pair(x: &[f64], dmax: &mut [f64], dmin: &mut [f64]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if params::has_avx2() {
        // SAFETY: the CPU reported AVX2.
        return unsafe { span4_pair_avx2(x, dmax, dmin) };
    }
    let finite = span4::<true>(x, dmax);
    span4::<false>(x, dmin) && finite
}

/// [`span4_pair`] with the loads and shuffles of [`span4_avx2`] shared by max and min.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn span4_pair_avx2(x: &[f64], dmax: &mut [f64], dmin: &mut [f64]) -> bool {
    use std::arch::x86_64::*;
    let m = dmax.len();
    let (x, dmin) = (&x[..m + 3], &mut dmin[..m]);
    let mut i = 0;
    let mut nan = false;
    if m >= 5 {
        let (px, ph, pl) = (x.as_ptr(), dmax.as_mut_ptr(), dmin.as_mut_ptr());
        // SAFETY: loads read `x[i..i + 8]` with `i + 8 <= m + 3 = x.len()`; stores write
        // `dmax[i..i + 4]` and `dmin[i..i + 4]` with `i + 4 < m`, both `m` long.
        unsafe {
            let mut a = _mm256_loadu_pd(px);
            let mut bad = _mm256_cmp_pd::<_CMP_UNORD_Q>(a, a);
            while i + 5 <= m {
                let b = _mm256_loadu_pd(px.add(i + 4));
                bad = _mm256_or_pd(bad, _mm256_cmp_pd::<_CMP_UNORD_Q>(b, b));
                let p = _mm256_permute2f128_pd::<0x21>(a, b); // x[i + 2..i + 6]
                let s1 = _mm256_shuffle_pd::<0b0101>(a, p); // x[i + 1..i + 5]
                let s3 = _mm256_shuffle_pd::<0b0101>(p, b); // x[i + 3..i + 7]
                let hi = _mm256_max_pd(_mm256_max_pd(a, s1), _mm256_max_pd(p, s3));
                let lo = _mm256_min_pd(_mm256_min_pd(a, s1), _mm256_min_pd(p, s3));
                _mm256_storeu_pd(ph.add(i), hi);
                _mm256_storeu_pd(pl.add(i), lo);
                a = b;
                i += 4;
            }
            nan = _mm256_movemask_pd(bad) != 0;
        }
    }
    fold_n::<true, 4>(&x[i..], [0, 1, 2, 3], &mut dmax[i..]);
    fold_n::<false, 4>(&x[i..], [0, 1, 2, 3], &mut dmin[i..]);
    !nan && finite(&x[i..])
}

/// The levels of a log-step pass below the last: the extremes of every span of `s` values of
/// `x` (for `c` windows of `w`), level by level, the extreme of each span of `4s` values being the
/// extreme of four spans of `s` of the level below, until at most four spans cover a window.
/// Returns `s` and whether the level is in `b` (else in `a`; `s == 1` means `x` itself), or
/// `None` when `x` holds a NaN.
///
/// Every comparison is a vectorised select that depends on no other (a running extreme is a chain
/// of dependent selects; rescanning, TA-Lib's way, costs O(w) whenever the extreme leaves the
/// window): for `w = 14`, one level of spans of 4, then the windows from four of them.
#[inline(always)]
fn levels<const MAX: bool>(
    x: &[f64],
    w: usize,
    c: usize,
    a: &mut [f64; SCRATCH],
    b: &mut [f64; SCRATCH],
) -> Option<(usize, bool)> {
    if w <= 4 {
        return finite(&x[..c + w - 1]).then_some((1, false));
    }
    // The level of span `s` holds the extremes of `x[p..p + s]` for `p < c + w - s`.
    if !span4::<MAX>(x, &mut a[..c + w - 4]) {
        return None;
    }
    Some(upper_levels::<MAX>(w, c, a, b))
}

/// The levels above the first (spans of 4 in `a`, `w > 4`): as [`levels`].
#[inline(always)]
fn upper_levels<const MAX: bool>(
    w: usize,
    c: usize,
    a: &mut [f64; SCRATCH],
    b: &mut [f64; SCRATCH],
) -> (usize, bool) {
    let mut s = 4;
    let mut in_b = false;
    while w > 4 * s {
        let m = c + w - 4 * s;
        if in_b {
            fold::<MAX>(&b[..], s, 3 * s, 4, &mut a[..m]);
        } else {
            fold::<MAX>(&a[..], s, 3 * s, 4, &mut b[..m]);
        }
        in_b = !in_b;
        s *= 4;
    }
    (s, in_b)
}

/// One series' scratch: two levels of a log-step pass.
struct Levels {
    a: [f64; SCRATCH],
    b: [f64; SCRATCH],
}

impl Levels {
    fn new() -> Self {
        Self {
            a: [0.0; SCRATCH],
            b: [0.0; SCRATCH],
        }
    }

    /// The levels above the first, which [`span4_pair`] wrote into `a` (`w > 4`).
    #[inline(always)]
    fn upper<const MAX: bool>(&mut self, w: usize, c: usize) -> (&[f64], usize) {
        match upper_levels::<MAX>(w, c, &mut self.a, &mut self.b) {
            (s, true) => (&self.b[..], s),
            (s, false) => (&self.a[..], s),
        }
    }

    /// Compute the levels of `x` below the last; returns the last level's input and span, or
    /// `None` when `x` holds a NaN.
    #[inline(always)]
    fn run<'a, const MAX: bool>(
        &'a mut self,
        x: &'a [f64],
        w: usize,
        c: usize,
    ) -> Option<(&'a [f64], usize)> {
        Some(match levels::<MAX>(x, w, c, &mut self.a, &mut self.b)? {
            (1, _) => (x, 1),
            (s, true) => (&self.b[..], s),
            (s, false) => (&self.a[..], s),
        })
    }
}

/// The last level of a log-step pass over one chunk: the spans of `s` of the highs and of the
/// lows, from which the extremes of `c` windows of `w` follow (up to four spans each).
#[derive(Clone, Copy)]
pub(crate) struct Last<'a> {
    hi: &'a [f64],
    lo: &'a [f64],
    s: usize,
    w: usize,
    c: usize,
}

impl Last<'_> {
    /// `out[j] = f(max, min, aux[j])` for the `j`-th window of the chunk (`out` and `aux` start
    /// at its first window): the last level and the caller's formula in one vectorised loop.
    #[inline(always)]
    fn map(&self, aux: &[f64], out: &mut [f64], f: impl Fn(f64, f64, f64) -> f64) {
        let (s, w) = (self.s, self.w);
        let last = w - s;
        let (aux, out) = (&aux[..self.c], &mut out[..self.c]);
        match w.div_ceil(s) {
            0 | 1 => self.map_n::<1>([0], aux, out, f),
            2 => self.map_n::<2>([0, last], aux, out, f),
            3 => self.map_n::<3>([0, s.min(last), last], aux, out, f),
            _ => self.map_n::<4>([0, s, (2 * s).min(last), last], aux, out, f),
        }
    }

    #[inline(always)]
    fn map_n<const F: usize>(
        &self,
        offs: [usize; F],
        aux: &[f64],
        out: &mut [f64],
        f: impl Fn(f64, f64, f64) -> f64,
    ) {
        let c = out.len();
        let his: [&[f64]; F] = std::array::from_fn(|k| &self.hi[offs[k]..offs[k] + c]);
        let los: [&[f64]; F] = std::array::from_fn(|k| &self.lo[offs[k]..offs[k] + c]);
        for (i, (o, &x)) in out.iter_mut().zip(aux).enumerate() {
            let (mut h, mut l) = (his[0][i], los[0][i]);
            for k in 1..F {
                h = pick::<true>(h, his[k][i]);
                l = pick::<false>(l, los[k][i]);
            }
            *o = f(h, l, x);
        }
    }
}

/// Ask for the cache lines of the first `n` values of `x` ahead of their use. A pass reads a
/// chunk of each input in turn, one page at a time, and the hardware prefetchers do not cross
/// pages: without this every chunk starts with misses.
#[inline(always)]
pub(crate) fn prefetch(x: &[f64], n: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        for v in x[..n.min(x.len())].iter().step_by(8) {
            // SAFETY: a prefetch never faults; the address is inside `x` anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((v as *const f64).cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (x, n);
}

/// [`prefetch`] for writing: the cache lines of the first `n` values of `x` are fetched for
/// ownership ahead of the stores.
#[inline(always)]
pub(crate) fn prefetch_write(x: &[f64], n: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_ET0};
        for v in x[..n.min(x.len())].iter().step_by(8) {
            // SAFETY: a prefetch never faults; the address is inside `x` anyway.
            unsafe { _mm_prefetch::<_MM_HINT_ET0>((v as *const f64).cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (x, n);
}

/// Sliding max of `hi` and min of `lo` (`1 <= w <= LOG_MAX_W`) over every window of `w`:
/// `emit(t, last)` for chunks of windows ending at `t, t + 1, ...` (from `t = w - 1`), up to the
/// first chunk whose values hold a NaN (checked on the way, while the chunk is in registers,
/// rather than in a pass of its own over the whole input). Returns the end of the first window
/// not emitted (`hi.len()` when all were).
#[inline(always)]
fn log_extremes(hi: &[f64], lo: &[f64], w: usize, mut emit: impl FnMut(usize, Last<'_>)) -> usize {
    if hi.len() < w {
        return hi.len();
    }
    let windows = hi.len() - w + 1;
    // MIDPOINT: one input for both extremes, read once.
    let same = std::ptr::eq(hi, lo);
    let mut lh = Levels::new();
    let mut ll = Levels::new();
    let mut p = 0;
    while p < windows {
        let c = (windows - p).min(CHUNK);
        prefetch(&hi[(p + c + w - 1).min(hi.len())..], CHUNK);
        prefetch(&lo[(p + c + w - 1).min(lo.len())..], CHUNK);
        let (h, l) = (&hi[p..p + c + w - 1], &lo[p..p + c + w - 1]);
        let levels = if same && w > 4 {
            let n = c + w - 4;
            if span4_pair(h, &mut lh.a[..n], &mut ll.a[..n]) {
                (Some(lh.upper::<true>(w, c)), Some(ll.upper::<false>(w, c)))
            } else {
                (None, None)
            }
        } else {
            (lh.run::<true>(h, w, c), ll.run::<false>(l, w, c))
        };
        let (Some((sh, s)), Some((sl, _))) = levels else {
            return p + w - 1;
        };
        let last = Last {
            hi: sh,
            lo: sl,
            s,
            w,
            c,
        };
        emit(p + w - 1, last);
        p += c;
    }
    hi.len()
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

/// `out[t..] = (max + min) / 2` over a run (`src` is any input, unused by the formula).
#[inline(always)]
fn mid(src: &[f64], out: &mut [f64], t: usize, run: Run<'_>) {
    let (out, src) = (&mut out[t..], &src[t..]);
    prefetch_write(out.get(run.len()..).unwrap_or(&[]), CHUNK);
    run.map(
        src,
        out,
        #[inline(always)]
        |h, l, _| (h + l) / 2.0,
    );
}

/// Batch MIDPOINT.
pub fn midpoint(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = MidPoint::check(timeperiod)?;
    params::same_len("midpoint", "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + n - 1);
    let clean = extremes_map(
        real,
        real,
        begin,
        n,
        #[inline(always)]
        |t, run| mid(real, out, t, run),
    );
    // A gap is refused (see `params::first_valid_no_gaps`); the kernel saw whether there is one.
    params::refuse_nan_past("midpoint", &[("real", real)], begin, clean)
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
    let clean = extremes_map(
        high,
        low,
        begin,
        n,
        #[inline(always)]
        |t, run| mid(high, out, t, run),
    );
    // A gap is refused (see `params::first_valid_no_gaps`); the kernel saw whether there is one.
    params::refuse_nan_past("midprice", &[("high", high), ("low", low)], begin, clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    /// Max and min of each window of `w` ending at `t >= w - 1`, by brute force.
    fn naive(hi: &[f64], lo: &[f64], w: usize) -> Vec<(f64, f64)> {
        (w - 1..hi.len())
            .map(|t| {
                let h = hi[t + 1 - w..=t]
                    .iter()
                    .fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                let l = lo[t + 1 - w..=t]
                    .iter()
                    .fold(f64::INFINITY, |a, &b| a.min(b));
                (h, l)
            })
            .collect()
    }

    /// Prices rounded to a coarse tick so that equal extremes (plateaus) are common.
    fn ticks(len: usize, seed: u64) -> Vec<f64> {
        series(len, seed)
            .iter()
            .map(|v| (v * 4.0).round() / 4.0)
            .collect()
    }

    #[test]
    fn log_steps_and_van_herk_match_brute_force_across_chunks() {
        // Lengths cross several CHUNK boundaries; windows cover every log-step level count, the
        // largest log-step window and van Herk beyond it.
        let hi = ticks(3 * CHUNK + 77, 1);
        let lo: Vec<f64> = ticks(3 * CHUNK + 77, 2).iter().map(|v| v - 1.0).collect();
        for w in (1..=20).chain([31, 32, 33, 64, 65, 127, 128, 129, 200, 700]) {
            for begin in [0, 3] {
                let want = naive(&hi[begin..], &lo[begin..], w);
                let mut got = vec![(f64::NAN, f64::NAN); hi.len()];
                let mut runs = 0;
                extremes(&hi, &lo, begin, w, |t, mx, mn| {
                    runs += 1;
                    got[t] = (mx, mn);
                });
                assert!(runs > 0 || hi.len() < begin + w);
                assert_eq!(&got[begin + w - 1..], &want[..], "w = {w}, begin = {begin}");
            }
        }
    }

    #[test]
    fn span4_shuffles_equal_the_plain_loop() {
        let x = series(300, 11);
        for m in [0, 1, 4, 5, 6, 7, 8, 9, 100, 290] {
            for off in [0, 1, 3] {
                let (mut want, mut got) = (vec![0.0; m], vec![0.0; m]);
                fold_n::<true, 4>(&x[off..], [0, 1, 2, 3], &mut want);
                span4::<true>(&x[off..], &mut got);
                assert_eq!(want, got);
                fold_n::<false, 4>(&x[off..], [0, 1, 2, 3], &mut want);
                span4::<false>(&x[off..], &mut got);
                assert_eq!(want, got);
            }
        }
    }

    #[test]
    fn span4_pair_equals_two_span4() {
        let mut x = series(300, 12);
        for m in [0, 1, 4, 5, 6, 9, 100, 290] {
            let (mut hi, mut lo) = (vec![0.0; m], vec![0.0; m]);
            let (mut want_hi, mut want_lo) = (vec![0.0; m], vec![0.0; m]);
            assert!(span4_pair(&x, &mut hi, &mut lo));
            fold_n::<true, 4>(&x, [0, 1, 2, 3], &mut want_hi);
            fold_n::<false, 4>(&x, [0, 1, 2, 3], &mut want_lo);
            assert_eq!((hi, lo), (want_hi, want_lo));
        }
        x[150] = f64::NAN;
        assert!(!span4_pair(&x, &mut [0.0; 200], &mut [0.0; 200]));
        assert!(span4_pair(&x, &mut [0.0; 100], &mut [0.0; 100]));
    }

    #[test]
    fn batch_equals_stream_with_plateaus_constants_and_nan() {
        let mut hi = ticks(2 * CHUNK + 40, 5);
        let lo: Vec<f64> = hi.iter().map(|v| v - 0.5).collect();
        let flat = vec![42.0; 700];
        let mut gap = series(1500, 9);
        gap[0] = f64::NAN;
        gap[600] = f64::NAN;
        hi[..30].fill(f64::NAN);
        for x in [&hi, &lo, &flat, &gap] {
            for n in [2, 3, 14, 15, 128, 129, 300] {
                let mut out = vec![0.0; x.len()];
                if x[1..].iter().any(|v| v.is_nan()) && !x[1].is_nan() {
                    // A gap after the first valid value is refused, naming the input and index.
                    let err = midpoint(x, n, &mut out).unwrap_err();
                    assert!(err
                        .to_string()
                        .starts_with("midpoint: real contains NaN at index 600"));
                    let low: Vec<f64> = x.iter().map(|v| v - 0.5).collect();
                    let err = midprice(x, &low, n, &mut out).unwrap_err();
                    assert!(err
                        .to_string()
                        .starts_with("midprice: high contains NaN at index 600"));
                    continue;
                }
                midpoint(x, n, &mut out).unwrap();
                let mut s = MidPoint::new(n).unwrap();
                let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
                assert_same(&streamed, &out);

                let m = x.len().min(lo.len());
                let (h, l) = (&x[..m], &lo[..m]);
                let mut out = vec![0.0; m];
                midprice(h, l, n, &mut out).unwrap();
                let mut s = MidPrice::new(n).unwrap();
                let streamed: Vec<f64> = h.iter().zip(l).map(|(&h, &l)| s.update(h, l)).collect();
                assert_same(&streamed, &out);
            }
        }
    }
}
