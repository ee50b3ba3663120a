//! Anchored blocks: first-order linear recurrences without a dependency chain per element.
//!
//! EMA, Wilder's smoothing and running totals are recurrences `y[t] = a * y[t-1] + b[t]`.
//! Evaluated as written (TA-Lib's way), every output waits for the previous one: one multiply
//! and one add of latency per candle, which caps EMA at about 2 ns per candle however wide the
//! CPU is. Here time is cut into blocks of [`BLOCK`] steps after an *anchor* `y[s]`:
//!
//! ```text
//! c[1] = b[s+1]            c[j] = a * c[j-1] + b[s+j]        (does not depend on y)
//! y[s+j] = a^j * y[s] + c[j]                                  (one multiply-add from the anchor)
//! ```
//!
//! and the block's last output is the next anchor. The partial sums `c` of different blocks are
//! independent, so the CPU overlaps them; the only chain left is one multiply and one add per
//! *block*. The results equal the plain recurrence up to rounding (a few ulps, well inside the
//! 1e-9 relative agreement with TA-Lib that the tests check), and they are deterministic: the
//! batch loops and the streaming objects run this very state machine, so a stream reproduces its
//! batch output bit for bit, on any CPU (no fused operations are involved).

/// Steps per block: long enough that the per-block chain is cheap, short enough that a block's
/// partial sums stay in registers.
pub const BLOCK: usize = 8;

/// The state of `N` recurrences that share the coefficient `a` (RSI's average gain and loss,
/// ADX's three smoothed sums), fed one step at a time.
#[derive(Debug, Clone)]
pub struct Anchored<const N: usize> {
    a: f64,
    /// `pow[j] = a^(j+1)`, the weight of the anchor `j + 1` steps after it.
    pow: [f64; BLOCK],
    anchor: [f64; N],
    partial: [f64; N],
    pos: usize,
}

impl<const N: usize> Anchored<N> {
    /// Recurrences `y = a * y + b` starting from `start` (the value before the first step).
    pub fn new(a: f64, start: [f64; N]) -> Self {
        let mut pow = [a; BLOCK];
        for j in 1..BLOCK {
            pow[j] = pow[j - 1] * a;
        }
        Self {
            a,
            pow,
            anchor: start,
            partial: [0.0; N],
            pos: 0,
        }
    }

    /// Advance every recurrence by one step with inputs `b`; returns the new values.
    #[inline(always)]
    pub fn step(&mut self, b: [f64; N]) -> [f64; N] {
        let w = self.pow[self.pos];
        let mut y = [0.0; N];
        for i in 0..N {
            self.partial[i] = if self.pos == 0 {
                b[i]
            } else {
                self.a * self.partial[i] + b[i]
            };
            y[i] = w * self.anchor[i] + self.partial[i];
        }
        self.pos += 1;
        if self.pos == BLOCK {
            self.anchor = y;
            self.pos = 0;
        }
        y
    }

    /// Run one recurrence over `b` (a closure giving step `t`'s input) into `out`, exactly as
    /// `out.len()` calls of [`step`](Self::step) would, but with whole blocks unrolled.
    #[inline(always)]
    pub fn run_into(
        &mut self,
        b: impl Fn(usize) -> [f64; N],
        mut put: impl FnMut(usize, [f64; N]),
        len: usize,
    ) {
        let mut t = 0;
        while t < len && self.pos != 0 {
            put(t, self.step(b(t)));
            t += 1;
        }
        while t + BLOCK <= len {
            let anchor = self.anchor;
            let mut partial = b(t);
            let mut y = [0.0; N];
            for i in 0..N {
                y[i] = self.pow[0] * anchor[i] + partial[i];
            }
            put(t, y);
            for j in 1..BLOCK {
                let bj = b(t + j);
                for i in 0..N {
                    partial[i] = self.a * partial[i] + bj[i];
                    y[i] = self.pow[j] * anchor[i] + partial[i];
                }
                put(t + j, y);
            }
            self.anchor = y;
            t += BLOCK;
        }
        while t < len {
            put(t, self.step(b(t)));
            t += 1;
        }
    }

    /// The latest values (the start values before the first step).
    pub fn value(&self) -> [f64; N] {
        if self.pos == 0 {
            return self.anchor;
        }
        let w = self.pow[self.pos - 1];
        std::array::from_fn(|i| w * self.anchor[i] + self.partial[i])
    }
}

impl Anchored<1> {
    /// One recurrence over the slice `b` into `out` (the shorter length), exactly as that many
    /// calls of [`step`](Self::step) would. Whole blocks go through `chunks_exact`, so the
    /// loop has no bounds checks; callers compute `b` in a separate (vectorisable) loop first.
    #[inline(always)]
    pub fn run_slice(&mut self, b: &[f64], out: &mut [f64]) {
        let len = b.len().min(out.len());
        let (b, out) = (&b[..len], &mut out[..len]);
        let mut t = 0;
        while t < len && self.pos != 0 {
            out[t] = self.step([b[t]])[0];
            t += 1;
        }
        let (b, out) = (&b[t..], &mut out[t..]);
        let mut bc = b.chunks_exact(BLOCK);
        let mut oc = out.chunks_exact_mut(BLOCK);
        for (bb, oo) in (&mut bc).zip(&mut oc) {
            let anchor = self.anchor[0];
            let mut partial = bb[0];
            oo[0] = self.pow[0] * anchor + partial;
            for j in 1..BLOCK {
                partial = self.a * partial + bb[j];
                oo[j] = self.pow[j] * anchor + partial;
            }
            self.anchor[0] = oo[BLOCK - 1];
        }
        for (&b, o) in bc.remainder().iter().zip(oc.into_remainder()) {
            *o = self.step([b])[0];
        }
    }
}

/// One running total `y = y + d`, the `a = 1` case without the multiplications (SMA's and the
/// rolling statistics' window sums: `d` is the value entering minus the value leaving).
#[derive(Debug, Clone)]
pub struct AnchoredSum<const N: usize> {
    anchor: [f64; N],
    partial: [f64; N],
    pos: usize,
}

impl<const N: usize> AnchoredSum<N> {
    pub fn new(start: [f64; N]) -> Self {
        Self {
            anchor: start,
            partial: [0.0; N],
            pos: 0,
        }
    }

    /// Add `d` to every total; returns the new totals.
    #[inline(always)]
    pub fn step(&mut self, d: [f64; N]) -> [f64; N] {
        let mut y = [0.0; N];
        for i in 0..N {
            self.partial[i] = if self.pos == 0 {
                d[i]
            } else {
                self.partial[i] + d[i]
            };
            y[i] = self.anchor[i] + self.partial[i];
        }
        self.pos += 1;
        if self.pos == BLOCK {
            self.anchor = y;
            self.pos = 0;
        }
        y
    }

    /// Run the totals over `d` (a closure giving step `t`'s input) into `put`, exactly as `len`
    /// calls of [`step`](Self::step) would, with whole blocks unrolled.
    #[inline(always)]
    pub fn run_into(
        &mut self,
        d: impl Fn(usize) -> [f64; N],
        mut put: impl FnMut(usize, [f64; N]),
        len: usize,
    ) {
        let mut t = 0;
        while t < len && self.pos != 0 {
            put(t, self.step(d(t)));
            t += 1;
        }
        while t + BLOCK <= len {
            let anchor = self.anchor;
            let mut partial = [0.0; N];
            let mut y = [0.0; N];
            for j in 0..BLOCK {
                let dj = d(t + j);
                for i in 0..N {
                    partial[i] = if j == 0 { dj[i] } else { partial[i] + dj[i] };
                    y[i] = anchor[i] + partial[i];
                }
                put(t + j, y);
            }
            self.anchor = y;
            t += BLOCK;
        }
        while t < len {
            put(t, self.step(d(t)));
            t += 1;
        }
    }

    /// The latest totals.
    pub fn value(&self) -> [f64; N] {
        if self.pos == 0 {
            return self.anchor;
        }
        std::array::from_fn(|i| self.anchor[i] + self.partial[i])
    }
}

/// The common single recurrence with inputs `b[t] = k * src[t]` (an EMA): [`Anchored::run_into`]
/// written block by block, four blocks at a time in vector lanes on CPUs with AVX2
/// (`blocks_avx2`). Same operations in the same order as [`Anchored::step`], hence the same bits.
impl Anchored<1> {
    #[inline(always)]
    pub fn run_scaled(&mut self, k: f64, src: &[f64], dst: &mut [f64]) {
        let len = src.len().min(dst.len());
        let (src, dst) = (&src[..len], &mut dst[..len]);
        let mut t = 0;
        while t < len && self.pos != 0 {
            dst[t] = self.step([k * src[t]])[0];
            t += 1;
        }
        let (a, pow) = (self.a, self.pow);
        let mut anchor = self.anchor[0];
        #[cfg(target_arch = "x86_64")]
        let group = if std::arch::is_x86_feature_detected!("avx2") {
            let group = t + (len - t) / (4 * BLOCK) * (4 * BLOCK);
            // SAFETY: the CPU reported AVX2; the slices have the same length, a multiple of 32.
            unsafe { blocks_avx2(a, k, &pow, &mut anchor, &src[t..group], &mut dst[t..group]) };
            group
        } else {
            t
        };
        #[cfg(not(target_arch = "x86_64"))]
        let group = t;
        let whole = group + (len - group) / BLOCK * BLOCK;
        for (x, y) in src[group..whole]
            .chunks_exact(BLOCK)
            .zip(dst[group..whole].chunks_exact_mut(BLOCK))
        {
            let b: [f64; BLOCK] = std::array::from_fn(|j| k * x[j]);
            let mut c = b;
            for j in 1..BLOCK {
                c[j] = a * c[j - 1] + b[j];
            }
            for j in 0..BLOCK {
                y[j] = pow[j] * anchor + c[j];
            }
            anchor = y[BLOCK - 1];
        }
        self.anchor[0] = anchor;
        for t in whole..len {
            dst[t] = self.step([k * src[t]])[0];
        }
    }
}

/// [`Anchored::run_scaled`]'s whole blocks four at a time, one block per vector lane: the
/// partial sums of the four blocks advance together, then the anchors run through the four
/// blocks in order (scalar), then the outputs. Every lane performs the scalar operations of
/// [`Anchored::step`] (separate multiplies and adds), so the results are the same bits.
/// `src.len() == dst.len()`, a multiple of `4 * BLOCK`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn blocks_avx2(
    a: f64,
    k: f64,
    pow: &[f64; BLOCK],
    anchor: &mut f64,
    src: &[f64],
    dst: &mut [f64],
) {
    use std::arch::x86_64::*;
    let (va, vk) = (_mm256_set1_pd(a), _mm256_set1_pd(k));
    let mut an = *anchor;
    for (x, y) in src
        .chunks_exact(4 * BLOCK)
        .zip(dst.chunks_exact_mut(4 * BLOCK))
    {
        // Column j holds x[8 g + j] of the four blocks g. Two columns come from two half-row
        // loads per pair of blocks and one unpack each (the shuffle port is the scarce one).
        let p = x.as_ptr();
        let mut col = [_mm256_setzero_pd(); BLOCK];
        for j in (0..BLOCK).step_by(2) {
            let a02 = _mm256_loadu2_m128d(p.add(2 * BLOCK + j), p.add(j));
            let a13 = _mm256_loadu2_m128d(p.add(3 * BLOCK + j), p.add(BLOCK + j));
            col[j] = _mm256_unpacklo_pd(a02, a13);
            col[j + 1] = _mm256_unpackhi_pd(a02, a13);
        }
        let mut c = [_mm256_mul_pd(vk, col[0]); BLOCK];
        for j in 1..BLOCK {
            c[j] = _mm256_add_pd(_mm256_mul_pd(va, c[j - 1]), _mm256_mul_pd(vk, col[j]));
        }
        let mut last = [0.0; 4];
        _mm256_storeu_pd(last.as_mut_ptr(), c[BLOCK - 1]);
        let mut anchors = [0.0; 4];
        for g in 0..4 {
            anchors[g] = an;
            an = pow[BLOCK - 1] * an + last[g];
        }
        let av = _mm256_loadu_pd(anchors.as_ptr());
        let out: [__m256d; BLOCK] =
            std::array::from_fn(|j| _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(pow[j]), av), c[j]));
        let q = y.as_mut_ptr();
        for j in (0..BLOCK).step_by(2) {
            let r02 = _mm256_unpacklo_pd(out[j], out[j + 1]);
            let r13 = _mm256_unpackhi_pd(out[j], out[j + 1]);
            _mm256_storeu2_m128d(q.add(2 * BLOCK + j), q.add(j), r02);
            _mm256_storeu2_m128d(q.add(3 * BLOCK + j), q.add(BLOCK + j), r13);
        }
    }
    *anchor = an;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(a: f64, start: f64, b: &[f64]) -> Vec<f64> {
        let mut y = start;
        b.iter()
            .map(|&b| {
                y = a * y + b;
                y
            })
            .collect()
    }

    #[test]
    fn anchored_equals_the_plain_recurrence_to_rounding() {
        let b: Vec<f64> = (0..1000)
            .map(|i| ((i * 37) % 101) as f64 * 0.37 - 9.0)
            .collect();
        for a in [0.0, 0.5, 13.0 / 14.0, 0.999, 1.0] {
            let want = plain(a, 42.0, &b);
            let mut s = Anchored::<1>::new(a, [42.0]);
            for (t, (&b, &w)) in b.iter().zip(&want).enumerate() {
                let got = s.step([b])[0];
                assert!(
                    (got - w).abs() <= 1e-12 * w.abs().max(1.0),
                    "a={a} t={t}: {got} {w}"
                );
                assert_eq!(s.value()[0], got);
            }
        }
    }

    #[test]
    fn run_into_equals_step_by_step_bit_for_bit() {
        let b: Vec<f64> = (0..203)
            .map(|i| ((i * 53) % 97) as f64 * 1.1 - 40.0)
            .collect();
        for skip in [0, 3, BLOCK] {
            let mut one = Anchored::<2>::new(0.9, [5.0, -5.0]);
            let mut many = one.clone();
            let want: Vec<[f64; 2]> = b.iter().map(|&x| one.step([x, 2.0 * x])).collect();
            let mut got = vec![[0.0; 2]; b.len()];
            for (t, &x) in b[..skip].iter().enumerate() {
                got[t] = many.step([x, 2.0 * x]);
            }
            let rest = &b[skip..];
            many.run_into(
                |t| [rest[t], 2.0 * rest[t]],
                |t, y| got[skip + t] = y,
                rest.len(),
            );
            assert_eq!(got, want);
            assert_eq!(many.value(), one.value());
        }
    }

    #[test]
    fn run_slice_equals_step_by_step_bit_for_bit() {
        let b: Vec<f64> = (0..203)
            .map(|i| ((i * 53) % 97) as f64 * 1.1 - 40.0)
            .collect();
        for skip in [0, 3, BLOCK] {
            let mut one = Anchored::<1>::new(0.9, [5.0]);
            let mut many = one.clone();
            let want: Vec<f64> = b.iter().map(|&x| one.step([x])[0]).collect();
            let mut got = vec![0.0; b.len()];
            for (t, &x) in b[..skip].iter().enumerate() {
                got[t] = many.step([x])[0];
            }
            // In pieces that start and end inside blocks.
            let mut t = skip;
            for piece in [5, 17, 64, 1000] {
                let end = (t + piece).min(b.len());
                many.run_slice(&b[t..end], &mut got[t..end]);
                t = end;
            }
            assert_eq!(got, want);
            assert_eq!(many.value(), one.value());
        }
    }

    #[test]
    fn run_scaled_equals_step_by_step_bit_for_bit() {
        let x: Vec<f64> = (0..203)
            .map(|i| ((i * 53) % 97) as f64 * 1.1 - 40.0)
            .collect();
        let k = 2.0 / 21.0;
        for skip in [0, 3, BLOCK, 11] {
            for len in [0, 1, 5, BLOCK, 17, 40, 64, 203] {
                let mut one = Anchored::<1>::new(1.0 - k, [5.0]);
                let mut many = one.clone();
                let want: Vec<f64> = x.iter().map(|&v| one.step([k * v])[0]).collect();
                let mut got = vec![0.0; x.len()];
                for (t, &v) in x[..skip].iter().enumerate() {
                    got[t] = many.step([k * v])[0];
                }
                let mut t = skip;
                while t < x.len() {
                    let end = (t + len.max(1)).min(x.len());
                    many.run_scaled(k, &x[t..end], &mut got[t..end]);
                    t = end;
                }
                assert_eq!(got, want);
                assert_eq!(many.value(), one.value());
            }
        }
    }

    #[test]
    fn sum_equals_the_running_total() {
        let d: Vec<f64> = (0..100).map(|i| (i % 7) as f64 - 3.0).collect();
        let mut s = AnchoredSum::<2>::new([1.0, -1.0]);
        let (mut u, mut v) = (1.0, -1.0);
        for &d in &d {
            u += d;
            v += 2.0 * d;
            assert_eq!(s.step([d, 2.0 * d]), [u, v]);
            assert_eq!(s.value(), [u, v]);
        }
    }

    #[test]
    fn sum_run_into_equals_step_by_step_bit_for_bit() {
        let d: Vec<f64> = (0..77)
            .map(|i| ((i * 31) % 89) as f64 * 0.13 - 5.0)
            .collect();
        for skip in [0, 5] {
            let mut one = AnchoredSum::<1>::new([1e3]);
            let mut many = one.clone();
            let want: Vec<f64> = d.iter().map(|&x| one.step([x])[0]).collect();
            let mut got = vec![0.0; d.len()];
            for (t, &x) in d[..skip].iter().enumerate() {
                got[t] = many.step([x])[0];
            }
            let rest = &d[skip..];
            many.run_into(|t| [rest[t]], |t, y| got[skip + t] = y[0], rest.len());
            assert_eq!(got, want);
        }
    }

    #[test]
    fn nan_propagates_like_the_plain_recurrence() {
        let mut s = Anchored::<1>::new(0.5, [1.0]);
        s.step([1.0]);
        assert!(s.step([f64::NAN])[0].is_nan());
        for _ in 0..3 * BLOCK {
            assert!(s.step([1.0])[0].is_nan());
        }
    }
}
