//! A cascade of `S` EMAs sharing one factor `k` (DEMA, TEMA, TRIX, T3): stage `s + 1` smooths
//! stage `s`, each seeded with the mean of its first `period` inputs (the first of which is the
//! seed of the stage below), as TA-Lib seeds them.
//!
//! After its seed every stage is the recurrence `e = (1 - k) e + k x` in anchored blocks of
//! [`BLOCK`] steps (see `crate::chain`): equal to TA-Lib to rounding, without a dependency chain
//! per candle. A stage seeded in the middle of stage 0's block steps plainly (`(1 - k) e + k x`)
//! until stage 0's next block starts, so from then on all stages share block boundaries and the
//! batch can run four blocks of all stages at once in vector lanes ([`Cascade::run`]). The batch
//! runs this very state machine (streams prime it, the vector kernel repeats the scalar
//! operations lane by lane), so streams reproduce batch outputs bit for bit.

use crate::chain::BLOCK;

/// Four lanes of a vector register: what [`Cascade::run`]'s `wide` combines.
#[cfg(target_arch = "x86_64")]
pub(crate) type Lanes = std::arch::x86_64::__m256d;
#[cfg(not(target_arch = "x86_64"))]
pub(crate) type Lanes = [f64; 4];

/// The cascade's state, fed one input at a time.
#[derive(Debug, Clone)]
pub(crate) struct Cascade<const S: usize> {
    period: usize,
    k: f64,
    a: f64,
    /// `pow[j] = a^(j+1)`.
    pow: [f64; BLOCK],
    /// How many stages are seeded.
    depth: usize,
    /// Inputs summed so far for the seed of stage `depth`.
    count: usize,
    total: f64,
    /// Stage 0's steps since its seed, modulo `BLOCK` (its position in its block).
    pos: usize,
    /// Plain steps left before stage `s` joins the shared blocks.
    plain: [usize; S],
    /// Stage values.
    e: [f64; S],
    /// Anchors (the values at the last block boundary) and partial sums of the anchored stages.
    anchor: [f64; S],
    partial: [f64; S],
}

impl<const S: usize> Cascade<S> {
    pub(crate) fn new(period: usize) -> Self {
        let k = 2.0 / (period as f64 + 1.0);
        Self::with_k(period, k)
    }

    pub(crate) fn with_k(period: usize, k: f64) -> Self {
        let a = 1.0 - k;
        let mut pow = [a; BLOCK];
        for j in 1..BLOCK {
            pow[j] = pow[j - 1] * a;
        }
        Self {
            period,
            k,
            a,
            pow,
            depth: 0,
            count: 0,
            total: 0.0,
            pos: 0,
            plain: [0; S],
            e: [f64::NAN; S],
            anchor: [f64::NAN; S],
            partial: [0.0; S],
        }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.depth == S
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::with_k(self.period, self.k);
    }

    /// Feed one input; the stage values once every stage is seeded.
    #[inline]
    pub(crate) fn update(&mut self, x: f64) -> Option<[f64; S]> {
        if self.depth == 0 && self.count == 0 && x.is_nan() {
            return None;
        }
        let mut v = x;
        let at = self.pos;
        for s in 0..self.depth {
            v = self.advance(s, at, v);
        }
        if self.depth > 0 {
            self.pos = (at + 1) % BLOCK;
        }
        while self.depth < S {
            self.total += v;
            self.count += 1;
            if self.count < self.period {
                return None;
            }
            let seed = self.total / self.period as f64;
            let s = self.depth;
            self.e[s] = seed;
            // Stage 0 starts its first block now; later stages wait for stage 0's next one.
            self.plain[s] = if s == 0 {
                0
            } else {
                (BLOCK - self.pos) % BLOCK
            };
            self.anchor[s] = seed;
            self.depth += 1;
            self.count = 0;
            self.total = 0.0;
            v = seed;
        }
        Some(self.e)
    }

    /// One step of seeded stage `s` at block position `at`.
    #[inline(always)]
    fn advance(&mut self, s: usize, at: usize, x: f64) -> f64 {
        let b = self.k * x;
        let y = if self.plain[s] > 0 {
            self.plain[s] -= 1;
            let y = self.a * self.e[s] + b;
            self.anchor[s] = y;
            y
        } else {
            self.partial[s] = if at == 0 {
                b
            } else {
                self.a * self.partial[s] + b
            };
            let y = self.pow[at] * self.anchor[s] + self.partial[s];
            if at == BLOCK - 1 {
                self.anchor[s] = y;
            }
            y
        };
        self.e[s] = y;
        y
    }

    /// Whether every stage is seeded, anchored and at the start of a block: [`Cascade::run`] can
    /// take over.
    fn aligned(&self) -> bool {
        self.depth == S && self.pos == 0 && self.plain.iter().all(|&p| p == 0)
    }

    /// Feed `src` one input at a time, writing `put(stage values)` into `dst`, until the cascade
    /// is aligned (see [`Cascade::run`]); returns how many inputs that took. Callers that then
    /// continue in pieces of whole groups (`4 * BLOCK` inputs) keep every piece aligned.
    pub(crate) fn run_head(
        &mut self,
        src: &[f64],
        dst: &mut [f64],
        put: impl Fn(&[f64; S]) -> f64,
    ) -> usize {
        let len = src.len().min(dst.len());
        let mut t = 0;
        while t < len && !self.aligned() {
            dst[t] = put(&self.update(src[t]).unwrap_or([f64::NAN; S]));
            t += 1;
        }
        t
    }

    /// Continue over `src`, writing `put(stage values)` for each input into `dst`; the same as
    /// `dst[t] = put(self.update(src[t]))` for every `t` (the cascade must be ready), with whole
    /// groups of four blocks run in AVX2 lanes when the CPU has them. `wide` is `put` on four
    /// lanes and must perform the same operations lane by lane.
    #[inline(always)]
    pub(crate) fn run(
        &mut self,
        src: &[f64],
        dst: &mut [f64],
        put: impl Fn(&[f64; S]) -> f64,
        wide: impl Fn(&[Lanes; S]) -> Lanes,
    ) {
        #[cfg(not(target_arch = "x86_64"))]
        let _ = &wide;
        let len = src.len().min(dst.len());
        let mut t = 0;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            while t < len && !self.aligned() {
                dst[t] = put(&self.update(src[t]).unwrap_or([f64::NAN; S]));
                t += 1;
            }
            let group = t + (len - t) / (4 * BLOCK) * (4 * BLOCK);
            if group > t {
                // SAFETY: the CPU reported AVX2; equal lengths, a multiple of 4 * BLOCK.
                unsafe { self.groups_avx2(&src[t..group], &mut dst[t..group], &wide) };
            }
            t = group;
        }
        while t < len {
            dst[t] = put(&self.update(src[t]).unwrap_or([f64::NAN; S]));
            t += 1;
        }
    }

    /// Groups of four blocks of every stage, one block per lane (see `chain::blocks_avx2`),
    /// [`GROUPS`] groups at a time stage after stage: the groups' partial sums are independent,
    /// so a stage's anchors are the only chain, and the stages' values stay in a small buffer.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(clippy::needless_range_loop)] // stage, group and column indices, as in the doc
    unsafe fn groups_avx2(
        &mut self,
        src: &[f64],
        dst: &mut [f64],
        wide: &impl Fn(&[Lanes; S]) -> Lanes,
    ) {
        use std::arch::x86_64::*;
        let (va, vk) = (_mm256_set1_pd(self.a), _mm256_set1_pd(self.k));
        let pow = self.pow;
        let mut an = self.anchor;
        let mut buf = [[[_mm256_setzero_pd(); BLOCK]; GROUPS]; S];
        for (x, y) in src
            .chunks(GROUPS * 4 * BLOCK)
            .zip(dst.chunks_mut(GROUPS * 4 * BLOCK))
        {
            let groups = x.len() / (4 * BLOCK);
            for s in 0..S {
                for g in 0..groups {
                    let mut col = [_mm256_setzero_pd(); BLOCK];
                    if s == 0 {
                        let p = x.as_ptr().add(g * 4 * BLOCK);
                        for j in (0..BLOCK).step_by(2) {
                            let a02 = _mm256_loadu2_m128d(p.add(2 * BLOCK + j), p.add(j));
                            let a13 = _mm256_loadu2_m128d(p.add(3 * BLOCK + j), p.add(BLOCK + j));
                            col[j] = _mm256_unpacklo_pd(a02, a13);
                            col[j + 1] = _mm256_unpackhi_pd(a02, a13);
                        }
                    } else {
                        col = buf[s - 1][g];
                    }
                    let mut c = [_mm256_setzero_pd(); BLOCK];
                    c[0] = _mm256_mul_pd(vk, col[0]);
                    for j in 1..BLOCK {
                        c[j] =
                            _mm256_add_pd(_mm256_mul_pd(va, c[j - 1]), _mm256_mul_pd(vk, col[j]));
                    }
                    let mut last = [0.0; 4];
                    _mm256_storeu_pd(last.as_mut_ptr(), c[BLOCK - 1]);
                    let mut anchors = [0.0; 4];
                    for l in 0..4 {
                        anchors[l] = an[s];
                        an[s] = pow[BLOCK - 1] * an[s] + last[l];
                    }
                    let av = _mm256_loadu_pd(anchors.as_ptr());
                    for j in 0..BLOCK {
                        buf[s][g][j] =
                            _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(pow[j]), av), c[j]);
                    }
                }
            }
            for g in 0..groups {
                let q = y.as_mut_ptr().add(g * 4 * BLOCK);
                for j in (0..BLOCK).step_by(2) {
                    let u = wide(&std::array::from_fn(|s| buf[s][g][j]));
                    let w = wide(&std::array::from_fn(|s| buf[s][g][j + 1]));
                    let r02 = _mm256_unpacklo_pd(u, w);
                    let r13 = _mm256_unpackhi_pd(u, w);
                    _mm256_storeu2_m128d(q.add(2 * BLOCK + j), q.add(j), r02);
                    _mm256_storeu2_m128d(q.add(3 * BLOCK + j), q.add(BLOCK + j), r13);
                }
            }
        }
        // Whole blocks: every stage's value is its new anchor, at block position 0.
        self.anchor = an;
        self.e = an;
    }
}

/// Groups of four blocks per pass of [`Cascade::run`]'s vector kernel.
const GROUPS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    /// The cascade against plain EMAs seeded the same way.
    fn plain<const S: usize>(x: &[f64], period: usize) -> Vec<Option<[f64; S]>> {
        let k = 2.0 / (period as f64 + 1.0);
        let mut depth = 0;
        let (mut count, mut total) = (0, 0.0);
        let mut e = [0.0; S];
        x.iter()
            .map(|&x| {
                let mut v = x;
                for s in e.iter_mut().take(depth) {
                    *s = (1.0 - k) * *s + k * v;
                    v = *s;
                }
                while depth < S {
                    total += v;
                    count += 1;
                    if count < period {
                        return None;
                    }
                    e[depth] = total / period as f64;
                    v = e[depth];
                    depth += 1;
                    count = 0;
                    total = 0.0;
                }
                Some(e)
            })
            .collect()
    }

    #[test]
    fn equals_plain_emas_to_rounding() {
        let x: Vec<f64> = (0..500)
            .map(|i| 100.0 + ((i * 37) % 101) as f64 * 0.37 + (i as f64 * 0.01).sin())
            .collect();
        for period in [1, 2, 3, 5, 9, 20] {
            let want = plain::<3>(&x, period);
            let mut c = Cascade::<3>::new(period);
            for (t, w) in want.iter().enumerate() {
                let got = c.update(x[t]);
                assert_eq!(got.is_some(), w.is_some(), "period {period} t {t}");
                if let (Some(g), Some(w)) = (got, w) {
                    for s in 0..3 {
                        assert!(
                            (g[s] - w[s]).abs() <= 1e-12 * w[s].abs(),
                            "{period} {t} {s}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn run_equals_update_bit_for_bit() {
        let x: Vec<f64> = (0..700)
            .map(|i| 50.0 + ((i * 53) % 97) as f64 * 1.1 - (i as f64 * 0.03).cos())
            .collect();
        let put = |e: &[f64; 3]| e[2] + ((3.0 * e[0]) - (3.0 * e[1]));
        #[cfg(target_arch = "x86_64")]
        let wide = |e: &[Lanes; 3]| unsafe {
            use std::arch::x86_64::*;
            let three = _mm256_set1_pd(3.0);
            _mm256_add_pd(
                e[2],
                _mm256_sub_pd(_mm256_mul_pd(three, e[0]), _mm256_mul_pd(three, e[1])),
            )
        };
        #[cfg(not(target_arch = "x86_64"))]
        let wide = |e: &[Lanes; 3]| e[0];
        for period in [1, 2, 4, 7, 9, 30] {
            for from in [0, 1, 13, 100] {
                for piece in [5, 32, 77, 700] {
                    let mut one = Cascade::<3>::new(period);
                    let want: Vec<f64> = x
                        .iter()
                        .map(|&v| put(&one.update(v).unwrap_or([f64::NAN; 3])))
                        .collect();
                    let mut many = Cascade::<3>::new(period);
                    let mut got = vec![0.0; x.len()];
                    for t in 0..from {
                        got[t] = put(&many.update(x[t]).unwrap_or([f64::NAN; 3]));
                    }
                    let mut t = from;
                    while t < x.len() {
                        let end = (t + piece).min(x.len());
                        many.run(&x[t..end], &mut got[t..end], put, wide);
                        t = end;
                    }
                    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                    for (t, (g, w)) in got.iter().zip(&want).enumerate() {
                        assert!(
                            same(*g, *w),
                            "period {period} from {from} piece {piece} t {t}"
                        );
                    }
                    assert_eq!(format!("{:?}", many.e), format!("{:?}", one.e));
                }
            }
        }
    }
}
