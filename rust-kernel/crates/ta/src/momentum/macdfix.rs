//! MACD with fixed 12/26 smoothing (TA-Lib `MACDFIX`).
//!
//! TA-Lib's `MACDFIX` is its MACD with the fast and slow periods set to 0, which its internal MACD
//! reads as "fixed": the EMAs are seeded with the SMA of 12 and 26 values like MACD(12, 26), but
//! smooth with the rounded factors `0.15` and `0.075` instead of `2 / 13` and `2 / 27` (the
//! values Appel's original MACD used). Only the signal period is a parameter; lookback
//! `25 + signal - 1`. Same alignment and arithmetic as [`super::macd`], so the outputs agree with
//! TA-Lib to rounding (anchored blocks, see `crate::chain`).

use crate::error::Result;
use crate::momentum::macd::{self, Macd};
use crate::params;

const NAME: &str = "macdfix";
const FAST: (usize, f64) = (12, 0.15);
const SLOW: (usize, f64) = (26, 0.075);

pub fn check(signalperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "signalperiod", signalperiod, 1)
}

pub fn lookback(signalperiod: usize) -> usize {
    macd::lookback(FAST.0, SLOW.0, signalperiod)
}

/// Batch MACDFIX into three caller buffers of the input's length.
pub fn macdfix(
    real: &[f64],
    signalperiod: usize,
    out_macd: &mut [f64],
    out_signal: &mut [f64],
    out_hist: &mut [f64],
) -> Result<()> {
    let signal = check(signalperiod)?;
    let state = Macd::with_k(FAST, SLOW, signal);
    macd::run(NAME, state, real, out_macd, out_signal, out_hist)
}

/// Streaming MACDFIX; `update` returns `(macd, signal, hist)` like [`Macd::update`].
#[derive(Debug, Clone)]
pub struct MacdFix(Macd);

impl MacdFix {
    pub fn new(signalperiod: usize) -> Result<Self> {
        Ok(Self(Macd::with_k(FAST, SLOW, check(signalperiod)?)))
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> (f64, f64, f64) {
        self.0.update(x)
    }

    pub fn value(&self) -> (f64, f64, f64) {
        self.0.value()
    }

    pub fn is_ready(&self) -> bool {
        self.0.is_ready()
    }

    pub fn reset(&mut self) {
        self.0.reset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch() {
        let x = series(400, 9);
        for g in [9, 1, 30] {
            let mut o = [vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; x.len()]];
            let [a, b, c] = &mut o;
            macdfix(&x, g, a, b, c).unwrap();
            let mut st = MacdFix::new(g).unwrap();
            let got: Vec<(f64, f64, f64)> = x.iter().map(|&v| st.update(v)).collect();
            assert_same(&o[0], &got.iter().map(|t| t.0).collect::<Vec<_>>());
            assert_same(&o[1], &got.iter().map(|t| t.1).collect::<Vec<_>>());
            assert_same(&o[2], &got.iter().map(|t| t.2).collect::<Vec<_>>());
            assert_eq!(o[0].iter().take_while(|v| v.is_nan()).count(), lookback(g));
        }
    }

    #[test]
    fn differs_from_macd_12_26() {
        let x = series(200, 3);
        let mut a = [vec![0.0; 200], vec![0.0; 200], vec![0.0; 200]];
        let mut b = a.clone();
        let [a0, a1, a2] = &mut a;
        macdfix(&x, 9, a0, a1, a2).unwrap();
        let [b0, b1, b2] = &mut b;
        macd::macd(&x, 12, 26, 9, b0, b1, b2).unwrap();
        assert_eq!(a[0][33].is_nan(), b[0][33].is_nan());
        assert_ne!(a[0][60], b[0][60]);
    }

    #[test]
    fn bad_signal() {
        assert_eq!(
            MacdFix::new(0).unwrap_err().to_string(),
            "macdfix: signalperiod must be >= 1, got 0"
        );
    }
}
