//! A fixed-capacity ring of the last `n` values, the state of every windowed streaming indicator.

#[derive(Debug, Clone)]
pub struct Ring {
    buf: Vec<f64>,
    pos: usize,
    len: usize,
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Self {
            buf: vec![0.0; capacity.max(1)],
            pos: 0,
            len: 0,
        }
    }

    /// Append `x`; returns the value that fell out when the ring was already full.
    #[inline]
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let old = self.buf[self.pos];
        self.buf[self.pos] = x;
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        if self.len == self.buf.len() {
            Some(old)
        } else {
            self.len += 1;
            None
        }
    }

    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    pub fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value pushed `age` pushes ago (0 = newest). `age` must be < `len`.
    #[inline]
    pub fn ago(&self, age: usize) -> f64 {
        let cap = self.buf.len();
        self.buf[(self.pos + cap - 1 - age) % cap]
    }

    /// Iterate oldest to newest.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len).rev().map(move |age| self.ago(age))
    }

    pub fn clear(&mut self) {
        self.pos = 0;
        self.len = 0;
    }
}

/// Run a streaming update over a whole input: the batch form of a stream, equal to it by
/// construction.
#[inline]
pub fn drive(real: &[f64], out: &mut [f64], mut update: impl FnMut(f64) -> f64) {
    for (o, &x) in out.iter_mut().zip(real) {
        *o = update(x);
    }
}

/// Define the batch function of a one-input, one-output stream: validate like the stream, check
/// the output length, then drive the stream over the input.
#[macro_export]
macro_rules! batch_from_stream {
    ($(#[$doc:meta])* $fn:ident, $name:literal, $stream:ty, ($($p:ident: $t:ty),*)) => {
        $(#[$doc])*
        pub fn $fn(real: &[f64], $($p: $t,)* out: &mut [f64]) -> $crate::error::Result<()> {
            let mut stream = <$stream>::new($($p),*)?;
            $crate::params::same_len($name, "real", real.len(), "out", out.len())?;
            $crate::window::drive(real, out, |x| stream.update(x));
            Ok(())
        }
    };
}

/// TA-Lib 0.8's rolling population variance (`VAR`, and the deviation of `STDDEV` and `BBANDS`),
/// reproduced operation for operation.
///
/// TA-Lib 0.8 no longer computes `mean(x^2) - mean(x)^2` of raw prices (whose cancellation loses
/// about 1e-9 relative near 100): it keeps the sums of `x - K` and `(x - K)^2` for a shift `K`,
/// first the oldest value of the first window, and re-centres (`K` = the window's mean, sums
/// recomputed over the window) whenever the variance falls below 1e-6 of the mean square, the
/// value leaving the window dwarfs the remaining sum of squares, or `32 * period` steps have passed.
/// A re-centred variance below 1e-12 of the mean square is 0.
///
/// The caller owns the values: `step` receives the whole window ending at the new value, so the
/// batch loop passes a sub-slice of its input and a stream passes [`Window::as_slice`].
#[derive(Debug, Clone)]
pub struct ShiftedVariance {
    period: usize,
    inv: f64,
    shift: f64,
    s1: f64,
    s2: f64,
    countdown: usize,
}

impl ShiftedVariance {
    pub fn new(period: usize) -> Self {
        Self {
            period,
            inv: 1.0 / period as f64,
            shift: 0.0,
            s1: 0.0,
            s2: 0.0,
            countdown: 32 * period,
        }
    }

    /// Begin with the first `period - 1` values of the first window (`head`, oldest first; for
    /// `period == 1` pass the first value alone).
    #[inline]
    pub fn start(&mut self, head: &[f64]) {
        self.shift = head[0];
        self.s1 = 0.0;
        self.s2 = 0.0;
        self.countdown = 32 * self.period;
        for &v in &head[..self.period - 1] {
            let d = v - self.shift;
            self.s1 += d;
            self.s2 += d * d;
        }
    }

    /// The variance of `window` (exactly `period` values, oldest first, the newest last), which
    /// ends one value after the previous call's window.
    #[inline(always)]
    pub fn step(&mut self, window: &[f64]) -> f64 {
        let d = window[self.period - 1] - self.shift;
        self.s1 += d;
        self.s2 += d * d;
        let mean = self.inv * self.s1;
        let var = (self.inv * self.s2) - mean * mean;
        let old = window[0] - self.shift;
        let old2 = old * old;
        self.s2 -= old2;
        let drifted = (self.inv * self.s2) * 1e-6 > var || old2 > self.s2 * 1e6;
        if !drifted {
            self.countdown -= 1;
            if self.countdown != 0 {
                self.s1 -= old;
                return var;
            }
        }
        self.recentre(window)
    }

    // Inlined on purpose: an out-of-line call makes the compiler keep the sums in memory around
    // it (no x86-64 vector register survives a call), which slowed the whole loop threefold.
    #[inline(always)]
    fn recentre(&mut self, window: &[f64]) -> f64 {
        let mut sum = 0.0;
        for &v in window {
            sum += v;
        }
        self.shift = sum * self.inv;
        self.s1 = 0.0;
        self.s2 = 0.0;
        for &v in window {
            let d = v - self.shift;
            self.s1 += d;
            self.s2 += d * d;
        }
        let mean = self.inv * self.s1;
        let square = self.inv * self.s2;
        let var = square - mean * mean;
        let var = if var < square * 1e-12 { 0.0 } else { var };
        let old = window[0] - self.shift;
        self.s1 -= old;
        self.s2 -= old * old;
        self.countdown = 32 * self.period;
        var
    }
}

/// The last `n` values as one contiguous slice, for streams whose update reads the whole window:
/// each value is written twice, `n` apart, so the window is always `buf[pos..pos + n]`.
#[derive(Debug, Clone)]
pub struct Window {
    buf: Vec<f64>,
    pos: usize,
    len: usize,
}

impl Window {
    pub fn new(n: usize) -> Self {
        Self {
            buf: vec![0.0; 2 * n.max(1)],
            pos: 0,
            len: 0,
        }
    }

    #[inline]
    pub fn push(&mut self, x: f64) {
        let n = self.buf.len() / 2;
        self.buf[self.pos] = x;
        self.buf[self.pos + n] = x;
        self.pos += 1;
        if self.pos == n {
            self.pos = 0;
        }
        self.len = (self.len + 1).min(n);
    }

    /// The values pushed so far (at most `n`), oldest first.
    #[inline]
    pub fn as_slice(&self) -> &[f64] {
        let n = self.buf.len() / 2;
        &self.buf[self.pos + n - self.len..self.pos + n]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_full(&self) -> bool {
        self.len == self.buf.len() / 2
    }

    pub fn clear(&mut self) {
        self.pos = 0;
        self.len = 0;
    }
}

/// Windows whose direct moments a batch loop computes per call of [`moments_into`] (its buffers
/// stay in L1).
pub const CHUNK: usize = 256;

/// The moments of one window about its oldest value `k = w[0]`: `(Σ (x - k), Σ (x - k)²)`,
/// summed oldest to newest (from `k - k`, so a NaN anywhere in the window makes `s1` NaN, even
/// for a window of one), the squares accumulated with fused multiply-adds. With the shift a value
/// of the window, nothing cancels beyond what the window's own spread implies, and a constant
/// window gives exactly 0. Streams call this on [`Window::as_slice`]; [`moments_into`] computes
/// the same operations in the same order for many windows at once, so both give the same bits (a
/// fused multiply-add is exactly rounded with or without FMA hardware; without it `mul_add` is a
/// slower library call with the same result).
#[inline]
pub fn moments(w: &[f64]) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        unsafe fn fused(w: &[f64]) -> (f64, f64) {
            moments_core(w)
        }
        // SAFETY: the CPU reported FMA.
        return unsafe { fused(w) };
    }
    moments_core(w)
}

#[inline(always)]
fn moments_core(w: &[f64]) -> (f64, f64) {
    let k = w[0];
    // `k - k`: 0 unless the oldest value is NaN or infinite, which then shows in `s1`.
    #[allow(clippy::eq_op)]
    let (mut s1, mut s2) = (k - k, 0.0);
    for &v in &w[1..] {
        let d = v - k;
        s1 += d;
        s2 = d.mul_add(d, s2);
    }
    (s1, s2)
}

/// [`moments`] of the windows `x[t..t + n]` for `t` in `0..s1.len()` into `s1[t]`, `s2[t]`
/// (`x` holds at least `s1.len() + n - 1` values, `s2` as long as `s1`). Eight windows side by
/// side in AVX2 registers when the CPU has them (and FMA): independent lanes, no chain between
/// candles.
#[inline]
pub fn moments_into(x: &[f64], n: usize, s1: &mut [f64], s2: &mut [f64]) {
    let m = s1.len().min(s2.len());
    if n == 0 || x.len() + 1 < m + n {
        return;
    }
    let mut t = 0;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU reported AVX2 and FMA; the bounds are checked above.
        t = unsafe { moments_avx2(x, n, &mut s1[..m], &mut s2[..m]) };
    }
    for u in t..m {
        (s1[u], s2[u]) = moments(&x[u..u + n]);
    }
}

/// The vector part of [`moments_into`]: whole groups of sixteen, then eight windows; returns how
/// many windows it filled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn moments_avx2(x: &[f64], n: usize, s1: &mut [f64], s2: &mut [f64]) -> usize {
    use std::arch::x86_64::*;
    let m = s1.len();
    let mut t = 0;
    // Sixteen windows at a time: eight independent accumulators, enough to cover the latency of
    // the additions (one per accumulator per value).
    while t + 16 <= m {
        // SAFETY (all loads): t + 15 + n - 1 < m + n - 1 <= x.len().
        let p = x.as_ptr().add(t);
        let k: [__m256d; 4] = std::array::from_fn(|i| _mm256_loadu_pd(p.add(4 * i)));
        let mut a: [__m256d; 4] = std::array::from_fn(|i| _mm256_sub_pd(k[i], k[i]));
        let mut b = [_mm256_setzero_pd(); 4];
        for j in 1..n {
            for i in 0..4 {
                let d = _mm256_sub_pd(_mm256_loadu_pd(p.add(j + 4 * i)), k[i]);
                a[i] = _mm256_add_pd(a[i], d);
                b[i] = _mm256_fmadd_pd(d, d, b[i]);
            }
        }
        for i in 0..4 {
            _mm256_storeu_pd(s1.as_mut_ptr().add(t + 4 * i), a[i]);
            _mm256_storeu_pd(s2.as_mut_ptr().add(t + 4 * i), b[i]);
        }
        t += 16;
    }
    while t + 8 <= m {
        // SAFETY (all loads): t + 7 + n - 1 < m + n - 1 <= x.len().
        let p = x.as_ptr().add(t);
        let k0 = _mm256_loadu_pd(p);
        let k1 = _mm256_loadu_pd(p.add(4));
        let (mut a0, mut a1) = (_mm256_sub_pd(k0, k0), _mm256_sub_pd(k1, k1));
        let (mut b0, mut b1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        for j in 1..n {
            let d0 = _mm256_sub_pd(_mm256_loadu_pd(p.add(j)), k0);
            let d1 = _mm256_sub_pd(_mm256_loadu_pd(p.add(j + 4)), k1);
            a0 = _mm256_add_pd(a0, d0);
            a1 = _mm256_add_pd(a1, d1);
            b0 = _mm256_fmadd_pd(d0, d0, b0);
            b1 = _mm256_fmadd_pd(d1, d1, b1);
        }
        let (q1, q2) = (s1.as_mut_ptr().add(t), s2.as_mut_ptr().add(t));
        _mm256_storeu_pd(q1, a0);
        _mm256_storeu_pd(q1.add(4), a1);
        _mm256_storeu_pd(q2, b0);
        _mm256_storeu_pd(q2.add(4), b1);
        t += 8;
    }
    t
}
