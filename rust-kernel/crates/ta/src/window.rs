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
