//! Linear regression over a window (TA-Lib `LINEARREG`, `LINEARREG_SLOPE`,
//! `LINEARREG_INTERCEPT`, `LINEARREG_ANGLE`, `TSF`).
//!
//! Least squares of the window with TA-Lib's weights `w = n-1` (oldest) down to 0 (newest):
//! `m = (n Σwy - Σw Σy) / ((Σw)² - n Σw²)`, `b = (Σy - m Σw) / n`; LINEARREG is the fitted value at the newest point `b + m (n - 1)`, TSF
//! the forecast one step ahead `b + m n`, ANGLE `atan(m)` in degrees.
//!
//! TA-Lib 0.8 updates the sums in O(1) per candle (`Σxy += Σy - n x_old`, `Σy += x_new - x_old`,
//! weights counted from the newest value) and recomputes them from the window every `32 n`
//! candles, or when the leaving value is large next to the window's sum of magnitudes
//! (`|n x_old| > 100 Σ|x|`). The last multiply-add of LINEARREG and TSF is fused on FMA CPUs.
//! We follow the same steps, so results are TA-Lib's to the last bit.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

/// Which output of the regression an indicator reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Value,
    Slope,
    Intercept,
    Angle,
    Forecast,
}

impl Output {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Value => "linearreg",
            Self::Slope => "linearreg_slope",
            Self::Intercept => "linearreg_intercept",
            Self::Angle => "linearreg_angle",
            Self::Forecast => "tsf",
        }
    }
}

pub fn check(output: Output, timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(output.name(), "timeperiod", timeperiod, 2)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// TA-Lib's constants of a window of `n`: `n`, `Σx`, the divisor.
#[derive(Debug, Clone, Copy)]
struct Consts {
    n: f64,
    sum_x: f64,
    divisor: f64,
}

impl Consts {
    fn new(period: usize) -> Self {
        let n = period as f64;
        let nn1 = (period - 1) as f64 * n;
        let sum_x = nn1 * 0.5;
        let sum_x_sqr = ((2 * period - 1) as f64 * nn1) / 6.0;
        Self {
            n,
            sum_x,
            divisor: sum_x * sum_x - sum_x_sqr * n,
        }
    }

    #[inline(always)]
    fn emit<const FUSED: bool>(&self, output: Output, sum_y: f64, sum_xy: f64) -> f64 {
        let m = (self.n * sum_xy - self.sum_x * sum_y) / self.divisor;
        match output {
            Output::Slope => m,
            Output::Angle => m.atan() * (180.0 / std::f64::consts::PI),
            _ => {
                let b = (sum_y - m * self.sum_x) / self.n;
                match output {
                    Output::Value => params::madd::<FUSED>(m, self.n - 1.0, b),
                    Output::Forecast => params::madd::<FUSED>(m, self.n, b),
                    _ => b,
                }
            }
        }
    }
}

/// The rolling sums: `Σy`, `Σ|y|`, `Σ w y` with weight `n - 1` for the oldest value.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    y: f64,
    abs: f64,
    xy: f64,
    budget: usize,
}

impl Sums {
    /// Recompute from the window (oldest first).
    #[inline(never)]
    fn full(window: impl Iterator<Item = f64>, period: usize) -> Self {
        let mut s = Self {
            budget: 32 * period,
            ..Self::default()
        };
        let mut w = (period - 1) as f64;
        for v in window {
            s.y += v;
            s.abs += v.abs();
            s.xy += v * w;
            w -= 1.0;
        }
        s
    }

    /// Slide by one value; false when TA-Lib would recompute from the window instead.
    #[inline(always)]
    fn slide(&mut self, n: f64, old: f64, new: f64) -> bool {
        self.budget -= 1;
        if self.budget == 0 {
            return false;
        }
        let scaled = n * old;
        self.abs = (self.abs - old.abs()) + new.abs();
        if scaled.abs() > self.abs * 100.0 {
            return false;
        }
        self.xy = (self.xy + self.y) - scaled;
        self.y = (self.y - old) + new;
        true
    }
}

/// Batch form of every output: `out[i]` for each window ending at `i`.
pub fn linreg(output: Output, real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(output, timeperiod)?;
    params::same_len(output.name(), "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= real.len() {
        return Ok(());
    }
    let (x, o) = (&real[begin..], &mut out[begin..]);
    let fuses = matches!(output, Output::Value | Output::Forecast);
    #[cfg(target_arch = "x86_64")]
    if fuses && params::has_fma() {
        // SAFETY: the CPU supports FMA (checked just above).
        unsafe { core_fma(output, x, period, o) };
        return Ok(());
    }
    let _ = fuses;
    core::<false>(output, x, period, o);
    Ok(())
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn core_fma(output: Output, x: &[f64], period: usize, out: &mut [f64]) {
    core::<true>(output, x, period, out)
}

/// One loop per output, so the per-candle `match` on the output folds away.
#[inline(always)]
fn core<const FUSED: bool>(output: Output, x: &[f64], period: usize, out: &mut [f64]) {
    match output {
        Output::Value => rolling::<FUSED>(Output::Value, x, period, out),
        Output::Slope => rolling::<FUSED>(Output::Slope, x, period, out),
        Output::Intercept => rolling::<FUSED>(Output::Intercept, x, period, out),
        Output::Angle => rolling::<FUSED>(Output::Angle, x, period, out),
        Output::Forecast => rolling::<FUSED>(Output::Forecast, x, period, out),
    }
}

/// The batch loop: the three sums live in locals (registers) and the rare recomputation from the
/// window is a cold out-of-line call, so the hot path is TA-Lib's slide with no stores but the
/// output. Same operations in the same order as [`Sums::slide`] and [`Sums::full`].
#[inline(always)]
fn rolling<const FUSED: bool>(output: Output, x: &[f64], period: usize, out: &mut [f64]) {
    let c = Consts::new(period);
    let s = Sums::full(x[..period].iter().copied(), period);
    let (mut y, mut abs, mut xy) = (s.y, s.abs, s.xy);
    let mut budget = s.budget;
    out[period - 1] = c.emit::<FUSED>(output, y, xy);
    let n = c.n;
    let (olds, news) = (&x[..x.len() - period], &x[period..]);
    for (i, ((o, &old), &new)) in out[period..].iter_mut().zip(olds).zip(news).enumerate() {
        budget -= 1;
        let scaled = n * old;
        let next_abs = (abs - old.abs()) + new.abs();
        if budget == 0 || scaled.abs() > next_abs * 100.0 {
            (y, abs, xy) = refill(&x[i + 1..i + 1 + period]);
            budget = 32 * period;
        } else {
            abs = next_abs;
            xy = (xy + y) - scaled;
            y = (y - old) + new;
        }
        *o = c.emit::<FUSED>(output, y, xy);
    }
}

/// [`Sums::full`] as a cold call returning the sums by value.
#[cold]
#[inline(never)]
fn refill(window: &[f64]) -> (f64, f64, f64) {
    let s = Sums::full(window.iter().copied(), window.len());
    (s.y, s.abs, s.xy)
}

macro_rules! batch {
    ($(#[$doc:meta])* $fn:ident, $output:expr) => {
        $(#[$doc])*
        pub fn $fn(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
            linreg($output, real, timeperiod, out)
        }
    };
}

batch!(
    /// TA-Lib `LINEARREG`: the regression line's value at the newest candle.
    linearreg,
    Output::Value
);
batch!(
    /// TA-Lib `LINEARREG_SLOPE`.
    linearreg_slope,
    Output::Slope
);
batch!(
    /// TA-Lib `LINEARREG_INTERCEPT` (the value at the oldest candle of the window).
    linearreg_intercept,
    Output::Intercept
);
batch!(
    /// TA-Lib `LINEARREG_ANGLE`: `atan(slope)` in degrees.
    linearreg_angle,
    Output::Angle
);
batch!(
    /// TA-Lib `TSF` (time series forecast): the line extended one candle ahead.
    tsf,
    Output::Forecast
);

/// Streaming form of every output: `update(x)` equals the batch output at every index.
#[derive(Debug, Clone)]
pub struct LinearRegression {
    output: Output,
    period: usize,
    c: Consts,
    fused: bool,
    ring: Ring,
    s: Sums,
    value: f64,
}

impl LinearRegression {
    pub fn new(output: Output, timeperiod: usize) -> Result<Self> {
        let period = check(output, timeperiod)?;
        Ok(Self {
            output,
            period,
            c: Consts::new(period),
            fused: params::has_fma() && matches!(output, Output::Value | Output::Forecast),
            ring: Ring::new(period + 1),
            s: Sums::default(),
            value: f64::NAN,
        })
    }

    pub fn output(&self) -> Output {
        self.output
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        self.ring.push(x);
        let len = self.ring.len();
        if len < self.period {
            return f64::NAN;
        }
        let window = || (0..self.period).rev().map(|age| self.ring.ago(age));
        if len == self.period || !self.s.slide(self.c.n, self.ring.ago(self.period), x) {
            self.s = Sums::full(window(), self.period);
        }
        self.value = if self.fused {
            self.c.emit::<true>(self.output, self.s.y, self.s.xy)
        } else {
            self.c.emit::<false>(self.output, self.s.y, self.s.xy)
        };
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ring.len() >= self.period
    }

    pub fn reset(&mut self) {
        self.ring.clear();
        self.s = Sums::default();
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    const ALL: [Output; 5] = [
        Output::Value,
        Output::Slope,
        Output::Intercept,
        Output::Angle,
        Output::Forecast,
    ];

    #[test]
    fn streaming_equals_batch() {
        let x = series(2000, 12);
        for output in ALL {
            for period in [2, 3, 14, 40] {
                let mut out = vec![0.0; x.len()];
                linreg(output, &x, period, &mut out).unwrap();
                let mut s = LinearRegression::new(output, period).unwrap();
                let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
                assert_same(&out, &streamed);
            }
        }
    }

    #[test]
    fn a_straight_line_is_fitted() {
        let x: Vec<f64> = (0..50).map(|i| 3.0 + 0.5 * i as f64).collect();
        let mut out = vec![0.0; x.len()];
        linearreg_slope(&x, 10, &mut out).unwrap();
        assert!(out[9..].iter().all(|m| (m - 0.5).abs() < 1e-12));
        tsf(&x, 10, &mut out).unwrap();
        assert!((out[20] - (x[20] + 0.5)).abs() < 1e-9);
        assert_eq!(
            linearreg(&x, 1, &mut out).unwrap_err().to_string(),
            "linearreg: timeperiod must be >= 2, got 1"
        );
    }
}
