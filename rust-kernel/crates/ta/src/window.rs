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
