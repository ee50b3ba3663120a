//! Bollinger bands (TA-Lib `BBANDS` with `matype=0`, the SMA): `middle = SMA(n)`,
//! `sd` = the population standard deviation of the window,
//! `upper = middle + nbdevup sd`, `lower = middle - nbdevdn sd`. Lookback `n - 1`.
//!
//! Windows of [`DIRECT_MIN`] to [`DIRECT_MAX`] values are computed directly, each on its own, from the sums
//! of `d = x - K` and `d²` about the window's oldest value `K` ([`moments`]): `middle = K + s1/n`,
//! `var = s2/n - (s1/n)²`. Eight windows are summed side by side, so there is no chain from one
//! candle to the next, and the bands equal TA-Lib's to rounding (not bit for bit).
//!
//! Other windows, and every window from the first one whose direct variance is not finite (a NaN or an
//! infinity in the input), take TA-Lib's own steps: its running-sum SMA and TA-Lib 0.8's shifted,
//! re-centred variance ([`ShiftedVariance`]), bit-identical to TA-Lib 0.8 (NaN tails included).

use crate::error::{KernelError, Result};
use crate::overlap::sma::SimpleMovingAverage;
use crate::params;
use crate::statistics::var::from_moments;
use crate::window::{moments, moments_into, ShiftedVariance, Window, CHUNK};

/// Windows of `DIRECT_MIN..=DIRECT_MAX` values use the direct moments; the others TA-Lib's running
/// sums. Below 5, windows far more often have a variance tiny next to their neighbours', where
/// TA-Lib's own running sums drift by more than 1e-9 of it (measured: up to 5e-8 relative at
/// n = 2 on random walks), so only TA-Lib's own steps agree with TA-Lib there.
pub const DIRECT_MIN: usize = 5;
pub const DIRECT_MAX: usize = 32;

pub fn check(
    timeperiod: impl params::IntParam,
    nbdevup: f64,
    nbdevdn: f64,
    matype: i64,
) -> Result<usize> {
    let n = params::period("bbands", "timeperiod", timeperiod, 2)?;
    params::real("bbands", "nbdevup", nbdevup, -3e37, 3e37)?;
    params::real("bbands", "nbdevdn", nbdevdn, -3e37, 3e37)?;
    if matype != 0 {
        return Err(KernelError::InvalidParameter {
            indicator: "bbands",
            name: "matype",
            value: matype.to_string(),
            expected: "must be 0 (SMA); other moving averages are not supported yet".into(),
        });
    }
    Ok(n)
}

/// The deviation from the variance. TA-Lib 0.8 takes the square root as is, however small the
/// variance (checked against `talib.BBANDS` on windows with variances down to 1e-24; the 1e-14
/// zero band of TA-Lib 0.6 is gone); a rounded negative would be 0, NaN stays NaN.
#[inline(always)]
fn deviation(var: f64) -> f64 {
    if var < 0.0 {
        0.0
    } else {
        var.sqrt()
    }
}

/// `(upper, lower)` from the middle band and the deviation, as TA-Lib 0.8 computes them: with
/// equal multipliers one product serves both bands; otherwise the upper band's `middle + up * sd`
/// is fused on CPUs where TA-Lib's build fuses (see `params::fma_enabled`), the lower band's
/// difference never is.
#[inline(always)]
fn bands<const FMA: bool>(middle: f64, sd: f64, up: f64, dn: f64) -> (f64, f64) {
    if up == dn {
        let width = up * sd;
        (middle + width, middle - width)
    } else if FMA {
        (up.mul_add(sd, middle), middle - dn * sd)
    } else {
        (middle + up * sd, middle - dn * sd)
    }
}

/// The last pass of the batch: `lower` holds the variance on entry and the lower band on exit.
#[inline(always)]
fn finish<const FMA: bool>(middle: &[f64], upper: &mut [f64], lower: &mut [f64], up: f64, dn: f64) {
    for ((m, u), l) in middle.iter().zip(upper.iter_mut()).zip(lower.iter_mut()) {
        (*u, *l) = bands::<FMA>(*m, deviation(*l), up, dn);
    }
}

#[derive(Debug, Clone)]
pub struct BollingerBands {
    up: f64,
    dn: f64,
    sma: SimpleMovingAverage,
    window: Window,
    var: ShiftedVariance,
    direct: bool,
    tainted: bool,
    inv: f64,
    fused: bool,
    value: (f64, f64, f64),
}

/// [`bands`] compiled for FMA, for streams on CPUs that have it (decided at construction).
fn fused_bands(middle: f64, sd: f64, up: f64, dn: f64) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "fma")]
        unsafe fn inner(middle: f64, sd: f64, up: f64, dn: f64) -> (f64, f64) {
            bands::<true>(middle, sd, up, dn)
        }
        // SAFETY: only called when `params::fma_enabled()` reported FMA.
        unsafe { inner(middle, sd, up, dn) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    bands::<true>(middle, sd, up, dn)
}

impl BollingerBands {
    pub fn new(timeperiod: usize, nbdevup: f64, nbdevdn: f64) -> Result<Self> {
        let period = check(timeperiod, nbdevup, nbdevdn, 0)?;
        Ok(Self {
            up: nbdevup,
            dn: nbdevdn,
            sma: SimpleMovingAverage::new(period)?,
            window: Window::new(period),
            var: ShiftedVariance::new(period),
            direct: (DIRECT_MIN..=DIRECT_MAX).contains(&period),
            tainted: false,
            inv: 1.0 / period as f64,
            fused: params::fma_enabled(),
            value: (f64::NAN, f64::NAN, f64::NAN),
        })
    }

    /// Returns `(upper, middle, lower)`.
    #[inline]
    pub fn update(&mut self, x: f64) -> (f64, f64, f64) {
        let middle = self.sma.update(x);
        if self.window.is_empty() && x.is_nan() {
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let period = self.sma.period();
        self.window.push(x);
        if self.window.len() < period {
            if self.window.len() == period - 1 {
                self.var.start(self.window.as_slice());
            }
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let w = self.window.as_slice();
        let mut var = self.var.step(w);
        let mut middle = middle;
        if self.direct && !self.tainted {
            let (s1, s2) = moments(w);
            let v = from_moments(s1, s2, self.inv);
            if !v.is_finite() {
                self.tainted = true;
            } else {
                (middle, var) = (w[0] + self.inv * s1, v);
            }
        }
        let sd = deviation(var);
        let (upper, lower) = if self.fused {
            fused_bands(middle, sd, self.up, self.dn)
        } else {
            bands::<false>(middle, sd, self.up, self.dn)
        };
        self.value = (upper, middle, lower);
        self.value
    }

    pub fn value(&self) -> (f64, f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.sma.is_ready()
    }

    pub fn reset(&mut self) {
        self.sma.reset();
        self.window.clear();
        self.tainted = false;
        self.value = (f64::NAN, f64::NAN, f64::NAN);
    }
}

/// Batch BBANDS: the SMA's running sum and the variance in one pass over the slice.
#[allow(clippy::too_many_arguments)]
pub fn bbands(
    real: &[f64],
    timeperiod: usize,
    nbdevup: f64,
    nbdevdn: f64,
    upper: &mut [f64],
    middle: &mut [f64],
    lower: &mut [f64],
) -> Result<()> {
    let n = check(timeperiod, nbdevup, nbdevdn, 0)?;
    for o in [&*upper, &*middle, &*lower] {
        params::same_len("bbands", "real", real.len(), "out", o.len())?;
    }
    let begin = params::first_valid(real);
    for o in [&mut *upper, &mut *middle, &mut *lower] {
        params::fill_nan(o, begin + n - 1);
    }
    if begin + n > real.len() {
        return Ok(());
    }
    let x = &real[begin..];
    let (upper, middle, lower) = (
        &mut upper[begin..],
        &mut middle[begin..],
        &mut lower[begin..],
    );
    if !(DIRECT_MIN..=DIRECT_MAX).contains(&n) {
        // Three passes, each a tight loop: the SMA into `middle`, the variance into `lower`, then
        // the bands, which have no loop-carried state and vectorise (square roots four at a time).
        crate::overlap::sma::core(x, n, middle);
        let mut var = ShiftedVariance::new(n);
        var.start(&x[..n]);
        for (i, w) in x.windows(n).enumerate() {
            lower[i + n - 1] = var.step(w);
        }
        crate::with_fma!(finish(
            &middle[n - 1..],
            &mut upper[n - 1..],
            &mut lower[n - 1..],
            nbdevup,
            nbdevdn
        ));
        return Ok(());
    }
    let from = crate::with_fma!(direct(x, n, nbdevup, nbdevdn, upper, middle, lower));
    if from < x.len() {
        // TA-Lib's steps from the first window the direct moments cannot serve.
        let mut sma = vec![0.0; x.len()];
        crate::overlap::sma::core(x, n, &mut sma);
        middle[from..].copy_from_slice(&sma[from..]);
        let mut var = ShiftedVariance::new(n);
        var.start(&x[..n]);
        for (i, w) in x.windows(n).enumerate() {
            let v = var.step(w);
            if i + n > from {
                lower[i + n - 1] = v;
            }
        }
        crate::with_fma!(finish(
            &middle[from..],
            &mut upper[from..],
            &mut lower[from..],
            nbdevup,
            nbdevdn
        ));
    }
    Ok(())
}

/// The bands of every window of `n` from the direct moments, a chunk at a time (the middle band
/// and the variance, then the bands while the chunk is in L1); stops at the first window whose
/// variance is not finite and returns its index (`x.len()` when there is none).
#[inline(always)]
fn direct<const FMA: bool>(
    x: &[f64],
    n: usize,
    up: f64,
    dn: f64,
    upper: &mut [f64],
    middle: &mut [f64],
    lower: &mut [f64],
) -> usize {
    let last = n - 1;
    let inv = 1.0 / n as f64;
    let (mut s1, mut s2) = ([0.0; CHUNK], [0.0; CHUNK]);
    let count = x.len() - last;
    let mut t = 0;
    while t < count {
        let m = CHUNK.min(count - t);
        let (a, b) = (&mut s1[..m], &mut s2[..m]);
        moments_into(&x[t..t + m + last], n, a, b);
        let range = t + last..t + last + m;
        let mut bad = false;
        let out = middle[range.clone()]
            .iter_mut()
            .zip(&mut lower[range.clone()]);
        for (((mid, v), &k), (&a, &b)) in out.zip(&x[t..t + m]).zip(a.iter().zip(b.iter())) {
            *v = from_moments(a, b, inv);
            *mid = k + inv * a;
            bad |= !v.is_finite();
        }
        let mut end = range.end;
        if bad {
            let q = lower[range.clone()].iter().position(|v| !v.is_finite());
            end = range.start + q.unwrap_or(0);
        }
        finish::<FMA>(
            &middle[range.start..end],
            &mut upper[range.start..end],
            &mut lower[range.start..end],
            up,
            dn,
        );
        if bad {
            return end;
        }
        t += m;
    }
    x.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch_across_chunks_nan_and_infinity() {
        let base: Vec<f64> = series(3 * CHUNK + 41, 3)
            .iter()
            .map(|v| v * 900.0)
            .collect();
        for gap in [None, Some(6), Some(CHUNK + 20), Some(2 * CHUNK + 7)] {
            for bad in [f64::NAN, f64::INFINITY] {
                let mut x = base.clone();
                x[0] = f64::NAN;
                let flat = x[100];
                x[100..140].fill(flat);
                if let Some(g) = gap {
                    x[g] = bad;
                }
                for n in [
                    2,
                    DIRECT_MIN - 1,
                    DIRECT_MIN,
                    20,
                    DIRECT_MAX,
                    DIRECT_MAX + 1,
                ] {
                    for (up, dn) in [(2.0, 2.0), (2.0, 1.5)] {
                        let len = x.len();
                        let (mut u, mut m, mut l) =
                            (vec![0.0; len], vec![0.0; len], vec![0.0; len]);
                        bbands(&x, n, up, dn, &mut u, &mut m, &mut l).unwrap();
                        let mut s = BollingerBands::new(n, up, dn).unwrap();
                        let streamed: Vec<(f64, f64, f64)> =
                            x.iter().map(|&v| s.update(v)).collect();
                        assert_same(&u, &streamed.iter().map(|v| v.0).collect::<Vec<_>>());
                        assert_same(&m, &streamed.iter().map(|v| v.1).collect::<Vec<_>>());
                        assert_same(&l, &streamed.iter().map(|v| v.2).collect::<Vec<_>>());
                        if gap.is_none_or(|g| g > 140) {
                            assert!(u[100 + n..140]
                                .iter()
                                .zip(&m[100 + n..140])
                                .all(|(a, b)| a == b));
                        }
                        // Before any bad value, close to a two-pass computation.
                        let end = gap.unwrap_or(len);
                        for i in n..end {
                            let w = &x[i + 1 - n..=i];
                            let mean = w.iter().sum::<f64>() / n as f64;
                            assert!((m[i] - mean).abs() <= 1e-12 * mean.abs(), "{n} {i}");
                            let var =
                                w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
                            let sd = var.sqrt();
                            assert!(
                                (u[i] - (mean + up * sd)).abs() <= 1e-9 * mean.abs(),
                                "{n} {i}"
                            );
                        }
                    }
                }
            }
        }
    }
}
