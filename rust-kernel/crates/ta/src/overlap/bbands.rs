//! Bollinger bands (TA-Lib `BBANDS` with `matype=0`, the SMA): `middle = SMA(n)`,
//! `sd` = the population standard deviation of the window (0 below TA-Lib's zero band),
//! `upper = middle + nbdevup sd`, `lower = middle - nbdevdn sd`. Lookback `n - 1`.
//!
//! The middle band is TA-Lib's running-sum SMA; the deviation is TA-Lib 0.8's shifted, re-centred
//! variance ([`ShiftedVariance`]), so all three bands are bit-identical to TA-Lib 0.8.

use crate::error::{KernelError, Result};
use crate::overlap::sma::SimpleMovingAverage;
use crate::params;
use crate::window::{ShiftedVariance, Window};

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

#[inline(always)]
fn deviation(var: f64) -> f64 {
    if !params::is_zero_or_neg(var) {
        var.sqrt()
    } else {
        0.0
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
        let sd = deviation(self.var.step(self.window.as_slice()));
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
    Ok(())
}
