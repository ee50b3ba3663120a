//! Moving average convergence/divergence (TA-Lib `MACD`).
//!
//! `macd = EMA_fast - EMA_slow`, `signal = EMA_signal(macd)`, `hist = macd - signal`, with
//! TA-Lib's alignment: both EMAs produce their first value at index `slow - 1`, so the fast EMA is
//! seeded with the SMA of the `fast` values *ending at* `slow - 1` (it ignores the first
//! `slow - fast` values). TA-Lib swaps `fast` and `slow` when `slow < fast`; so do we. All three
//! outputs are NaN up to `slow - 1 + signal - 1`.
//!
//! The EMAs are the anchored recurrences of [`crate::overlap::ema`]: equal to TA-Lib to rounding
//! (anchored blocks, see `crate::chain`), and the stream equals the batch exactly.

use crate::error::Result;
use crate::overlap::ema::{self, ExponentialMovingAverage};
use crate::params;

const NAME: &str = "macd";

/// Validated (fast, slow, signal), swapped as TA-Lib does.
pub fn check(
    fastperiod: impl params::IntParam,
    slowperiod: impl params::IntParam,
    signalperiod: impl params::IntParam,
) -> Result<(usize, usize, usize)> {
    let fast = params::period(NAME, "fastperiod", fastperiod, 2)?;
    let slow = params::period(NAME, "slowperiod", slowperiod, 2)?;
    let signal = params::period(NAME, "signalperiod", signalperiod, 1)?;
    Ok(if slow < fast {
        (slow, fast, signal)
    } else {
        (fast, slow, signal)
    })
}

pub fn lookback(fastperiod: usize, slowperiod: usize, signalperiod: usize) -> usize {
    fastperiod.max(slowperiod) - 1 + signalperiod - 1
}

/// Batch MACD into three caller buffers of the input's length.
pub fn macd(
    real: &[f64],
    fastperiod: usize,
    slowperiod: usize,
    signalperiod: usize,
    out_macd: &mut [f64],
    out_signal: &mut [f64],
    out_hist: &mut [f64],
) -> Result<()> {
    let (fast, slow, signal) = check(fastperiod, slowperiod, signalperiod)?;
    let state = Macd::unchecked(fast, slow, signal);
    run(NAME, state, real, out_macd, out_signal, out_hist)
}

/// The batch body shared with MACDFIX: `state` is a fresh stream whose EMAs carry the periods
/// and smoothing factors; it primes over the lookback, then a tight loop continues.
pub(crate) fn run(
    name: &'static str,
    mut state: Macd,
    real: &[f64],
    out_macd: &mut [f64],
    out_signal: &mut [f64],
    out_hist: &mut [f64],
) -> Result<()> {
    let (fast, slow, signal) = (
        state.fast.period(),
        state.slow.period(),
        state.signal.period(),
    );
    let n = real.len();
    params::same_len(name, "real", n, "out_macd", out_macd.len())?;
    params::same_len(name, "real", n, "out_signal", out_signal.len())?;
    params::same_len(name, "real", n, "out_hist", out_hist.len())?;
    let begin = params::first_valid(real);
    let start = begin + lookback(fast, slow, signal);
    for out in [&mut *out_macd, &mut *out_signal, &mut *out_hist] {
        params::fill_nan(out, start);
    }
    if start >= n {
        return Ok(());
    }
    for &x in &real[begin..start] {
        state.step(x);
    }
    let (m, s, h) = state.step(real[start]);
    out_macd[start] = m;
    out_signal[start] = s;
    out_hist[start] = h;
    let outs = [
        &mut out_macd[start + 1..],
        &mut out_signal[start + 1..],
        &mut out_hist[start + 1..],
    ];
    crate::with_simd!(tail(&state, &real[start + 1..], outs));
    Ok(())
}

/// Inputs per chunk of [`tail`]: its three passes stay in cache.
const CHUNK: usize = 512;

/// Continue the primed `state` over `real`: per chunk, the slow EMA into `oh` (scratch), the fast
/// one into `om` and the difference, then the signal EMA of `om` and the histogram.
#[inline(always)]
fn tail(state: &Macd, real: &[f64], [om, os, oh]: [&mut [f64]; 3]) {
    let (kf, ks, kg) = (state.fast.k(), state.slow.k(), state.signal.k());
    let mut f = state.fast.state().clone();
    let mut sl = state.slow.state().clone();
    let mut g = state.signal.state().clone();
    let chunks = real
        .chunks(CHUNK)
        .zip(om.chunks_mut(CHUNK))
        .zip(os.chunks_mut(CHUNK))
        .zip(oh.chunks_mut(CHUNK));
    for (((x, om), os), oh) in chunks {
        ema::run(&mut sl, ks, x, oh);
        ema::run(&mut f, kf, x, om);
        for (m, &s) in om.iter_mut().zip(&*oh) {
            *m -= s;
        }
        ema::run(&mut g, kg, om, os);
        for ((h, &m), &s) in oh.iter_mut().zip(&*om).zip(&*os) {
            *h = m - s;
        }
    }
}

/// Streaming MACD; `update` returns `(macd, signal, hist)`, NaN until all three are defined.
#[derive(Debug, Clone)]
pub struct Macd {
    fast: ExponentialMovingAverage,
    slow: ExponentialMovingAverage,
    signal: ExponentialMovingAverage,
    /// How many values the fast EMA must skip (`slow - fast`).
    skip: usize,
    seen: usize,
    value: (f64, f64, f64),
}

impl Macd {
    pub fn new(fastperiod: usize, slowperiod: usize, signalperiod: usize) -> Result<Self> {
        let (fast, slow, signal) = check(fastperiod, slowperiod, signalperiod)?;
        Ok(Self::unchecked(fast, slow, signal))
    }

    fn unchecked(fast: usize, slow: usize, signal: usize) -> Self {
        Self::with_k(
            (fast, params::per_to_k(fast)),
            (slow, params::per_to_k(slow)),
            signal,
        )
    }

    /// MACD whose fast and slow EMAs are seeded over `period` values and smooth with `k`
    /// (validated by the caller, `fast.0 <= slow.0`).
    pub(crate) fn with_k(fast: (usize, f64), slow: (usize, f64), signal: usize) -> Self {
        Self {
            fast: ExponentialMovingAverage::with_k(fast.0, fast.1),
            slow: ExponentialMovingAverage::with_k(slow.0, slow.1),
            signal: ExponentialMovingAverage::unchecked(signal),
            skip: slow.0 - fast.0,
            seen: 0,
            value: (f64::NAN, f64::NAN, f64::NAN),
        }
    }

    /// One step on an already-started series: the raw values, without the NaN mask.
    #[inline(always)]
    fn step(&mut self, x: f64) -> (f64, f64, f64) {
        let slow = self.slow.update(x);
        let fast = if self.seen >= self.skip {
            self.fast.update(x)
        } else {
            f64::NAN
        };
        self.seen += 1;
        if !self.slow.is_ready() {
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let m = fast - slow;
        let s = self.signal.update(m);
        (m, s, m - s)
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> (f64, f64, f64) {
        if self.seen == 0 && x.is_nan() {
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let v = self.step(x);
        if self.signal.is_ready() {
            self.value = v;
            v
        } else {
            (f64::NAN, f64::NAN, f64::NAN)
        }
    }

    pub fn value(&self) -> (f64, f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.signal.is_ready()
    }

    pub fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.signal.reset();
        self.seen = 0;
        self.value = (f64::NAN, f64::NAN, f64::NAN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    fn batch(x: &[f64], f: usize, s: usize, g: usize) -> [Vec<f64>; 3] {
        let mut o = [vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; x.len()]];
        let [a, b, c] = &mut o;
        macd(x, f, s, g, a, b, c).unwrap();
        o
    }

    #[test]
    fn swaps_fast_and_slow_like_talib() {
        let x = series(100, 4);
        assert_eq!(
            format!("{:?}", batch(&x, 26, 12, 9)),
            format!("{:?}", batch(&x, 12, 26, 9))
        );
    }

    #[test]
    fn streaming_equals_batch() {
        let x = series(400, 5);
        for (f, s, g) in [(12, 26, 9), (3, 10, 1), (5, 5, 4)] {
            let [m, sg, h] = batch(&x, f, s, g);
            let mut st = Macd::new(f, s, g).unwrap();
            let mut got = [vec![], vec![], vec![]];
            for &v in &x {
                let (a, b, c) = st.update(v);
                got[0].push(a);
                got[1].push(b);
                got[2].push(c);
            }
            assert_same(&m, &got[0]);
            assert_same(&sg, &got[1]);
            assert_same(&h, &got[2]);
            assert_eq!(
                m.iter().take_while(|v| v.is_nan()).count(),
                lookback(f, s, g)
            );
        }
    }

    #[test]
    fn bad_signal() {
        assert_eq!(
            Macd::new(12, 26, 0).unwrap_err().to_string(),
            "macd: signalperiod must be >= 1, got 0"
        );
    }
}
