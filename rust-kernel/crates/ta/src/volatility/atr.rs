//! Average true range (TA-Lib `ATR`, Wilder smoothing, unstable period 0) and its normalised form
//! NATR (`100 * ATR / close`; TA-Lib returns the plain ATR for `timeperiod=1`, and so do we).
//!
//! The first ATR (index `n`) is the mean of the true ranges at indexes `1..=n`; then
//! `atr = atr * a + tr * b` with `a = (n - 1) / n`, `b = 1 - a` (TA-Lib 0.8's form). The smoothing
//! runs in anchored blocks (see `chain.rs`), so it equals TA-Lib's to rounding (a few ulps), not
//! bit for bit; the batch continues the stream's state machine, so a stream reproduces its batch
//! exactly.

use crate::chain::Anchored;
use crate::error::Result;
use crate::params;
use crate::volatility::trange::{check_hlc, true_range};

const NAME: &str = "atr";
const NATR: &str = "natr";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub fn check_natr(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NATR, "timeperiod", timeperiod, 1)
}

/// Candles per chunk of the batch loop.
const CHUNK: usize = 32 * crate::chain::BLOCK;

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod
}

/// The smoothing weights `(a, b)` of TA-Lib 0.8's Wilder update `atr * a + tr * b`.
#[inline]
fn weights(period: usize) -> (f64, f64) {
    let a = (period - 1) as f64 / period as f64;
    (a, 1.0 - a)
}

/// NATR's output from an ATR value and the candle's close: 0 where the close is exactly 0 (TA-Lib
/// 0.8 compares with 0, not with its epsilon band).
#[inline(always)]
pub fn normalise(atr: f64, close: f64) -> f64 {
    if close != 0.0 {
        (atr / close) * 100.0
    } else {
        0.0
    }
}

pub fn atr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let period = check(timeperiod)?;
    check_hlc(NAME, high, low, close, out)?;
    crate::with_simd!(run::<false>(high, low, close, period, out));
    Ok(())
}

/// Normalised ATR (TA-Lib `NATR`): `100 * ATR / close`.
pub fn natr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let period = check_natr(timeperiod)?;
    check_hlc(NATR, high, low, close, out)?;
    if period == 1 {
        // TA-Lib 0.8 returns the un-normalised ATR(1) (the true range) for NATR(1); we keep its
        // output so that results stay interchangeable.
        crate::with_simd!(run::<false>(high, low, close, period, out));
    } else {
        crate::with_simd!(run::<true>(high, low, close, period, out));
    }
    Ok(())
}

#[inline(always)]
fn run<const NORM: bool>(high: &[f64], low: &[f64], close: &[f64], period: usize, out: &mut [f64]) {
    let begin = params::first_valid_all(&[high, low, close]);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= high.len() {
        return;
    }
    // The seed through the stream, then its smoothing state over the rest in one anchored run.
    let mut s = AverageTrueRange::new(period).expect("the period was checked by the caller");
    for i in begin..=start {
        s.update(high[i], low[i], close[i]);
    }
    let len = out.len().min(high.len()).min(low.len()).min(close.len());
    out[start] = s.value;
    // Per chunk: the weighted true ranges in a vectorisable loop, then the smoothing.
    let b = s.b;
    let mut buf = [0.0; CHUNK];
    let mut i = start + 1;
    while i < len {
        let m = CHUNK.min(len - i);
        let (h, l, c) = (&high[i..i + m], &low[i..i + m], &close[i - 1..i - 1 + m]);
        for (((w, &h), &l), &c) in buf.iter_mut().zip(h).zip(l).zip(c) {
            *w = true_range(h, l, c) * b;
        }
        s.smooth.run_slice(&buf[..m], &mut out[i..i + m]);
        i += m;
    }
    if NORM {
        for (o, &c) in out[start..len].iter_mut().zip(&close[start..len]) {
            *o = normalise(*o, c);
        }
    }
}

/// Streaming ATR: `update(high, low, close)` equals [`atr`] at every index.
#[derive(Debug, Clone)]
pub struct AverageTrueRange {
    period: usize,
    b: f64,
    smooth: Anchored<1>,
    prev_close: f64,
    count: usize,
    total: f64,
    value: f64,
}

impl AverageTrueRange {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        let (a, b) = weights(period);
        Ok(Self {
            period,
            b,
            smooth: Anchored::new(a, [f64::NAN]),
            prev_close: f64::NAN,
            count: 0,
            total: 0.0,
            value: f64::NAN,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if self.count > self.period {
            let tr = true_range(high, low, self.prev_close) * self.b;
            self.prev_close = close;
            self.value = self.smooth.step([tr])[0];
            return self.value;
        }
        if self.count == 0 {
            if !(high.is_nan() || low.is_nan() || close.is_nan()) {
                self.prev_close = close;
                self.count = 1;
            }
            return f64::NAN;
        }
        self.total += true_range(high, low, self.prev_close);
        self.prev_close = close;
        self.count += 1;
        if self.count > self.period {
            self.value = self.total / self.period as f64;
            self.smooth = Anchored::new(weights(self.period).0, [self.value]);
        }
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.count > self.period
    }

    pub fn reset(&mut self) {
        self.smooth = Anchored::new(weights(self.period).0, [f64::NAN]);
        self.prev_close = f64::NAN;
        self.count = 0;
        self.total = 0.0;
        self.value = f64::NAN;
    }
}

/// Streaming NATR: `update(high, low, close)` equals [`natr`] at every index.
#[derive(Debug, Clone)]
pub struct NormalizedAverageTrueRange {
    atr: AverageTrueRange,
    value: f64,
}

impl NormalizedAverageTrueRange {
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_natr(timeperiod)?;
        Ok(Self {
            atr: AverageTrueRange::new(timeperiod)?,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let atr = self.atr.update(high, low, close);
        if !self.atr.is_ready() {
            return f64::NAN;
        }
        self.value = if self.atr.period == 1 {
            atr
        } else {
            normalise(atr, close)
        };
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.atr.is_ready()
    }

    pub fn reset(&mut self) {
        self.atr.reset();
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, c) = ohlc(300, 6);
        for period in [1, 2, 14, 30] {
            let mut out = vec![0.0; h.len()];
            atr(&h, &l, &c, period, &mut out).unwrap();
            let mut s = AverageTrueRange::new(period).unwrap();
            let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&out, &streamed);
            assert_eq!(out.iter().take_while(|v| v.is_nan()).count(), period);
            natr(&h, &l, &c, period, &mut out).unwrap();
            let mut s = NormalizedAverageTrueRange::new(period).unwrap();
            let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&out, &streamed);
        }
    }

    #[test]
    fn equals_talibs_recurrence_to_rounding() {
        // Long enough to cross many anchored blocks.
        let (_, h, l, c) = ohlc(500, 3);
        let mut got = vec![0.0; h.len()];
        atr(&h, &l, &c, 14, &mut got).unwrap();
        let (a, b) = weights(14);
        let mut want = (1..=14)
            .map(|i| true_range(h[i], l[i], c[i - 1]))
            .sum::<f64>()
            / 14.0;
        for i in 14..h.len() {
            if i > 14 {
                want = want * a + true_range(h[i], l[i], c[i - 1]) * b;
            }
            assert!((got[i] - want).abs() <= 1e-13 * want.abs(), "{i}");
        }
    }

    #[test]
    fn mismatched_lengths() {
        let err = atr(&[1.0; 3], &[1.0; 2], &[1.0; 3], 2, &mut [0.0; 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "atr: high and low must have the same length, got 3 and 2"
        );
        assert!(atr(&[1.0; 3], &[1.0; 3], &[1.0; 3], 0, &mut [0.0; 3]).is_err());
        let err = natr(&[1.0; 3], &[1.0; 3], &[1.0; 3], 0, &mut [0.0; 3]).unwrap_err();
        assert_eq!(err.to_string(), "natr: timeperiod must be >= 1, got 0");
    }
}
