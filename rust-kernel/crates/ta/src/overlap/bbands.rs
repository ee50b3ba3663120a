//! Bollinger bands (TA-Lib `BBANDS` with `matype=0`, the SMA): `middle = SMA(n)`,
//! `sd` = the population standard deviation of the window (0 below TA-Lib's zero band),
//! `upper = middle + nbdevup sd`, `lower = middle - nbdevdn sd`. Lookback `n - 1`. The middle band
//! is TA-Lib's running-sum SMA; the deviation comes from the rolling Welford variance of
//! `statistics`, which matches TA-Lib 0.8 (exactly 0 on flat windows, no cancellation).

use crate::error::{KernelError, Result};
use crate::overlap::sma::SimpleMovingAverage;
use crate::params;
use crate::statistics::Variance;

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

#[derive(Debug, Clone)]
pub struct BollingerBands {
    up: f64,
    dn: f64,
    sma: SimpleMovingAverage,
    var: Variance,
    value: (f64, f64, f64),
}

impl BollingerBands {
    pub fn new(timeperiod: usize, nbdevup: f64, nbdevdn: f64) -> Result<Self> {
        let period = check(timeperiod, nbdevup, nbdevdn, 0)?;
        Ok(Self {
            up: nbdevup,
            dn: nbdevdn,
            sma: SimpleMovingAverage::new(period)?,
            var: Variance::new(period)?,
            value: (f64::NAN, f64::NAN, f64::NAN),
        })
    }

    /// Returns `(upper, middle, lower)`.
    #[inline]
    pub fn update(&mut self, x: f64) -> (f64, f64, f64) {
        let middle = self.sma.update(x);
        let var = self.var.update(x);
        if !self.sma.is_ready() {
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let sd = if !params::is_zero_or_neg(var) {
            var.sqrt()
        } else {
            0.0
        };
        self.value = (middle + self.up * sd, middle, middle - self.dn * sd);
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
        self.var.reset();
        self.value = (f64::NAN, f64::NAN, f64::NAN);
    }
}

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
    let mut s = BollingerBands::new(timeperiod, nbdevup, nbdevdn)?;
    for o in [&*upper, &*middle, &*lower] {
        params::same_len("bbands", "real", real.len(), "out", o.len())?;
    }
    for (i, &x) in real.iter().enumerate() {
        let (u, m, l) = s.update(x);
        upper[i] = u;
        middle[i] = m;
        lower[i] = l;
    }
    Ok(())
}
