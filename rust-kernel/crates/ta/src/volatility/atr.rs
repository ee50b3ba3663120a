//! Average true range (TA-Lib `ATR`, Wilder smoothing, unstable period 0) and its normalised form
//! NATR (`100 * ATR / close`; TA-Lib returns the plain ATR for `timeperiod=1`, and so do we).
//!
//! The first ATR (index `n`) is the mean of the true ranges at indexes `1..=n`; then
//! `atr = atr * a + tr * b` with `a = (n - 1) / n`, `b = 1 - a`. That is TA-Lib 0.8's form (not
//! the older `(atr * (n - 1) + tr) / n`): one multiply-add per candle instead of a division, and on
//! CPUs with FMA TA-Lib fuses it, so we fuse exactly there too (see [`params::has_fma`]). The
//! batch loop has no readiness branch: the prefix is computed once, then one tight loop.

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
    run::<false>(high, low, close, period, out);
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
        run::<false>(high, low, close, period, out);
    } else {
        run::<true>(high, low, close, period, out);
    }
    Ok(())
}

fn run<const NORM: bool>(high: &[f64], low: &[f64], close: &[f64], period: usize, out: &mut [f64]) {
    let begin = params::first_valid_all(&[high, low, close]);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= high.len() {
        return;
    }
    let (h, l, c, o) = (
        &high[begin..],
        &low[begin..],
        &close[begin..],
        &mut out[begin..],
    );
    #[cfg(target_arch = "x86_64")]
    if params::has_fma() {
        // SAFETY: the CPU supports FMA (checked just above).
        unsafe { core_fma::<NORM>(h, l, c, period, o) };
        return;
    }
    core::<false, NORM>(h, l, c, period, o);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn core_fma<const NORM: bool>(h: &[f64], l: &[f64], c: &[f64], p: usize, o: &mut [f64]) {
    core::<true, NORM>(h, l, c, p, o)
}

#[inline(always)]
fn core<const FUSED: bool, const NORM: bool>(
    h: &[f64],
    l: &[f64],
    c: &[f64],
    period: usize,
    out: &mut [f64],
) {
    let (a, b) = weights(period);
    let mut total = 0.0;
    for i in 1..=period {
        total += true_range(h[i], l[i], c[i - 1]);
    }
    let mut prev = total / period as f64;
    out[period] = if NORM {
        normalise(prev, c[period])
    } else {
        prev
    };
    let rest = out[period + 1..]
        .iter_mut()
        .zip(&h[period + 1..])
        .zip(&l[period + 1..])
        .zip(c[period..].windows(2));
    for (((o, &hi), &lo), pc) in rest {
        prev = params::madd::<FUSED>(prev, a, true_range(hi, lo, pc[0]) * b);
        *o = if NORM { normalise(prev, pc[1]) } else { prev };
    }
}

/// Streaming ATR: `update(high, low, close)` equals [`atr`] at every index.
#[derive(Debug, Clone)]
pub struct AverageTrueRange {
    period: usize,
    a: f64,
    b: f64,
    fused: bool,
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
            a,
            b,
            fused: params::has_fma(),
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
            self.value = if self.fused {
                self.value.mul_add(self.a, tr)
            } else {
                self.value * self.a + tr
            };
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
    fn fused_and_plain_agree_closely() {
        let (_, h, l, c) = ohlc(500, 3);
        let mut a = vec![0.0; h.len()];
        let mut b = vec![0.0; h.len()];
        core::<false, false>(&h, &l, &c, 14, &mut a[..]);
        a[..14].fill(f64::NAN);
        atr(&h, &l, &c, 14, &mut b).unwrap();
        for (x, y) in a[14..].iter().zip(&b[14..]) {
            assert!((x - y).abs() <= 1e-12 * x.abs());
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
