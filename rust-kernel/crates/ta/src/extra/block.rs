//! Window aggregates (sum, max, min) over fixed blocks, exact and without drift.
//!
//! Why not a running sum with add/subtract: subtracting the leaving value leaves rounding residue
//! behind (a window of zero volumes can sum to 1e-13, and a ratio of two such sums is noise), and
//! why not a monotonic deque: it branches per element. Instead the series is cut into blocks of
//! `n` values aligned at the first value (van Herk / Gil-Werman): a window ending at offset `r` of
//! its block is the suffix `r + 1..n` of the previous block plus the prefix `0..=r` of the
//! current one, so `aggregate = op(suffix[r + 1], prefix[r])` from two stored partial results.
//! Nothing is ever subtracted, so the sum of a window of zeros is exactly 0 and a max is exact.
//!
//! The batch loop and the stream cut the same blocks and apply the same operations in the same
//! order, so their results are bitwise equal. NaN: `max`/`min` ignore NaN (as `f64::max` does);
//! a NaN in a sum makes the windows that contain it NaN.

/// The associative operation of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Sum,
    Max,
    Min,
}

impl Op {
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Self::Sum => a + b,
            Self::Max => a.max(b),
            Self::Min => a.min(b),
        }
    }
}

/// Suffix aggregates of one block: `suf[k] = op(block[k], suf[k + 1])`.
#[inline(always)]
fn suffixes(op: Op, block: &[f64], suf: &mut [f64]) {
    let n = block.len();
    let mut acc = block[n - 1];
    suf[n - 1] = acc;
    for k in (0..n - 1).rev() {
        acc = op.apply(block[k], acc);
        suf[k] = acc;
    }
}

/// Call `emit(i, aggregate)` for every full window of `n` values of `x` ending at `i`
/// (`i >= n - 1`), blocks aligned at `x[0]`.
#[inline(always)]
pub fn windows(op: Op, x: &[f64], n: usize, mut emit: impl FnMut(usize, f64)) {
    if n == 0 || x.len() < n {
        return;
    }
    let mut suf = vec![0.0; n];
    let mut start = 0;
    while start < x.len() {
        let block = &x[start..(start + n).min(x.len())];
        let mut prefix = block[0];
        for (r, &v) in block.iter().enumerate() {
            if r > 0 {
                prefix = op.apply(prefix, v);
            }
            if r == n - 1 {
                emit(start + r, prefix);
            } else if start > 0 {
                emit(start + r, op.apply(suf[r + 1], prefix));
            }
        }
        if block.len() == n {
            suffixes(op, block, &mut suf);
        }
        start += n;
    }
}

/// The streaming form of [`windows`]: `update(x)` returns the aggregate of the last `n` values
/// once `n` have been seen (the first value fed is the first block's start).
#[derive(Debug, Clone)]
pub struct BlockWindow {
    op: Op,
    n: usize,
    block: Vec<f64>,
    suf: Vec<f64>,
    prefix: f64,
    r: usize,
    full: bool,
}

impl BlockWindow {
    pub fn new(op: Op, n: usize) -> Self {
        let n = n.max(1);
        Self {
            op,
            n,
            block: vec![0.0; n],
            suf: vec![0.0; n],
            prefix: 0.0,
            r: 0,
            full: false,
        }
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> Option<f64> {
        let r = self.r;
        self.block[r] = x;
        self.prefix = if r == 0 {
            x
        } else {
            self.op.apply(self.prefix, x)
        };
        let out = if r == self.n - 1 {
            Some(self.prefix)
        } else if self.full {
            Some(self.op.apply(self.suf[r + 1], self.prefix))
        } else {
            None
        };
        if r == self.n - 1 {
            suffixes(self.op, &self.block, &mut self.suf);
            self.full = true;
            self.r = 0;
        } else {
            self.r += 1;
        }
        out
    }

    pub fn is_ready(&self) -> bool {
        self.full
    }

    pub fn reset(&mut self) {
        self.r = 0;
        self.full = false;
        self.prefix = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn batch_equals_stream_and_brute_force() {
        let x = series(500, 9);
        for op in [Op::Sum, Op::Max, Op::Min] {
            for n in [1, 2, 3, 7, 20, 499, 500, 501] {
                let mut batch = vec![f64::NAN; x.len()];
                windows(op, &x, n, |i, v| batch[i] = v);
                let mut s = BlockWindow::new(op, n);
                let streamed: Vec<f64> =
                    x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect();
                assert_same(&batch, &streamed);
                for i in n.saturating_sub(1)..x.len() {
                    let w = &x[i + 1 - n..=i];
                    let want = match op {
                        Op::Sum => w.iter().sum::<f64>(),
                        Op::Max => w.iter().cloned().fold(f64::MIN, f64::max),
                        Op::Min => w.iter().cloned().fold(f64::MAX, f64::min),
                    };
                    if op == Op::Sum {
                        assert!((batch[i] - want).abs() <= 1e-9 * want.abs(), "{n} {i}");
                    } else {
                        assert_eq!(batch[i], want, "{n} {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn zeros_sum_to_exactly_zero() {
        let mut x = vec![0.1, 1e6, 3.3, 7.0];
        x.extend(std::iter::repeat_n(0.0, 10));
        let mut out = vec![f64::NAN; x.len()];
        windows(Op::Sum, &x, 4, |i, v| out[i] = v);
        assert!(out[7..].iter().all(|&v| v == 0.0), "{out:?}");
    }
}
