//! Linear regression over a window (TA-Lib `LINEARREG`, `LINEARREG_SLOPE`,
//! `LINEARREG_INTERCEPT`, `LINEARREG_ANGLE`, `TSF`).
//!
//! Least squares of the window with TA-Lib's weights `w = n-1` (oldest) down to 0 (newest):
//! `m = (n Σwy - Σw Σy) / ((Σw)² - n Σw²)`, `b = (Σy - m Σw) / n`; LINEARREG is the fitted value at the newest point `b + m (n - 1)`, TSF
//! the forecast one step ahead `b + m n`, ANGLE `atan(m)` in degrees.
//!
//! For LINEARREG, LINEARREG_INTERCEPT and TSF the kernel slides the sums of `d = y - K` about a shift `K` (the oldest value of the window
//! where the sums were last computed in full, every [`RESTART`] windows): `Σwd += Σd - n d_old`,
//! `Σd += d_new - d_old`, one addition per sum on the chain from one candle to the next (TA-Lib
//! has two), and `m`, `b` from the shifted sums (`m` does not depend on `K`; `b = K + (Σd - m Σw)/n`),
//! with the divisions by constants multiplied as reciprocals. This equals TA-Lib to rounding, not
//! bit for bit.
//!
//! LINEARREG_SLOPE and LINEARREG_ANGLE (see [`Output::has_fast_path`]), and the other three from
//! the first window whose output is not finite (a NaN or an infinity in the input) on, take TA-Lib 0.8's
//! own steps, kept up to date alongside in the streams, to keep TA-Lib's NaN
//! tail: TA-Lib updates the raw sums in O(1) per candle (`Σxy += Σy - n x_old`,
//! `Σy += x_new - x_old`, weights counted from the newest value) and recomputes them from the
//! window every `32 n` candles, or when the leaving value is large next to the window's sum of
//! magnitudes (`|n x_old| > 100 Σ|x|`). The last multiply-add of LINEARREG and TSF is fused on FMA
//! CPUs. On that path we follow the same steps, so results are TA-Lib's to the last bit.

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

impl Output {
    /// Whether the output takes the shifted, reassociated sums (see the module docs). SLOPE and
    /// ANGLE do not: they are near 0 where the line is flat, and TA-Lib's raw sums of prices far
    /// from zero leave about 1e-9 of noise in its slope there (a flat series of 60,000 gives an
    /// angle of 4e-8 degrees), which only TA-Lib's own steps reproduce.
    pub const fn has_fast_path(self) -> bool {
        matches!(self, Self::Value | Self::Intercept | Self::Forecast)
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

/// Windows between two full recomputations of the shifted sums (bounds the rounding the slides
/// accumulate, and the drift of the window away from the shift).
pub const RESTART: usize = 64;

/// The shifted sums of the fast path and what the emission needs, shared by batch and stream.
#[derive(Debug, Clone, Copy, Default)]
struct Fast {
    n: f64,
    /// The output is `k + a_s Σd + a_t Σwd` (see [`Fast::new`]).
    a_s: f64,
    a_t: f64,
    k: f64,
    s: f64,
    t: f64,
}

impl Fast {
    /// With `m = (n Σwd - Σw Σd) / D` and `b = K + (Σd - m Σw) / n`, the line at position `p`
    /// (`n - 1` for LINEARREG, `n` for TSF, 0 for the intercept) is
    /// `b + m p = K + Σd (1/n - c Σw / D) + Σwd (c n / D)` with `c = p - Σw / n`: two products
    /// and three sums per candle.
    fn new(period: usize, output: Output) -> Self {
        let c = Consts::new(period);
        let p = match output {
            Output::Value => c.n - 1.0,
            Output::Forecast => c.n,
            _ => 0.0,
        };
        let cc = p - c.sum_x / c.n;
        Self {
            n: c.n,
            a_s: 1.0 / c.n - cc * c.sum_x / c.divisor,
            a_t: cc * c.n / c.divisor,
            ..Self::default()
        }
    }

    /// Recompute the sums from the window (oldest first) about its oldest value.
    #[inline(always)]
    fn full(&mut self, window: impl Iterator<Item = f64>, period: usize) {
        let mut w = (period - 1) as f64;
        let mut first = true;
        for v in window {
            if first {
                self.k = v;
                // `k - k`: 0 unless the oldest value is NaN or infinite.
                #[allow(clippy::eq_op)]
                let zero = v - v;
                (self.s, self.t) = (zero, 0.0);
                first = false;
            } else {
                let d = v - self.k;
                self.s += d;
                self.t += d * w;
            }
            w -= 1.0;
        }
    }

    /// Slide by one value: `old` leaves, `new` enters.
    #[inline(always)]
    fn slide(&mut self, old: f64, new: f64) {
        let (d_old, d_new) = (old - self.k, new - self.k);
        self.t += self.s - self.n * d_old;
        self.s += d_new - d_old;
    }

    #[inline(always)]
    fn emit(&self) -> f64 {
        self.k + self.s * self.a_s + self.t * self.a_t
    }
}

/// The fast path over `x` into `out` (windows ending at `period - 1..`); returns the index of the
/// first output that is not finite (`x.len()` when there is none), where it stops.
#[inline(always)]
fn fast(output: Output, x: &[f64], period: usize, out: &mut [f64]) -> usize {
    let mut f = Fast::new(period, output);
    let (olds, news) = (&x[..x.len() - period], &x[period..]);
    let mut i = period - 1;
    let mut start = 0;
    loop {
        // A segment: the sums in full at window `start`, then slides.
        f.full(x[start..start + period].iter().copied(), period);
        let v = f.emit();
        out[i] = v;
        if !v.is_finite() {
            return i;
        }
        let end = (start + RESTART).min(olds.len() + 1);
        for (j, o) in out[i + 1..i + (end - start)].iter_mut().enumerate() {
            f.slide(olds[start + j], news[start + j]);
            let v = f.emit();
            *o = v;
            if !v.is_finite() {
                return i + 1 + j;
            }
        }
        i += end - start;
        start = end;
        if start > olds.len() {
            return x.len();
        }
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

/// One loop per output, so the per-candle `match` on the output folds away: the fast path, then
/// TA-Lib's steps from its first output that is not finite on.
#[inline(always)]
fn core<const FUSED: bool>(output: Output, x: &[f64], period: usize, out: &mut [f64]) {
    let from = match output {
        Output::Slope => return rolling::<FUSED>(Output::Slope, x, period, out),
        Output::Angle => return rolling::<FUSED>(Output::Angle, x, period, out),
        _ => fast(output, x, period, out),
    };
    if from < x.len() {
        let mut talib = vec![0.0; x.len()];
        rolling::<FUSED>(output, x, period, &mut talib);
        out[from..].copy_from_slice(&talib[from..]);
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
    fast: Fast,
    slides: usize,
    tainted: bool,
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
            fast: Fast::new(period, output),
            slides: 0,
            tainted: false,
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
        if !self.tainted && self.output.has_fast_path() {
            if len == self.period || self.slides == RESTART - 1 {
                self.fast.full(window(), self.period);
                self.slides = 0;
            } else {
                self.fast.slide(self.ring.ago(self.period), x);
                self.slides += 1;
            }
            let v = self.fast.emit();
            if v.is_finite() {
                self.value = v;
                return v;
            }
            self.tainted = true;
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
        self.slides = 0;
        self.tainted = false;
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
    fn nan_gaps_and_restarts_stream_equals_batch_and_talib_steps() {
        let base: Vec<f64> = series(5 * RESTART + 11, 13)
            .iter()
            .map(|v| v * 700.0)
            .collect();
        for gap in [None, Some(3), Some(RESTART + 13), Some(3 * RESTART + 1)] {
            for bad in [f64::NAN, f64::INFINITY] {
                let mut x = base.clone();
                x[0] = f64::NAN;
                if let Some(g) = gap {
                    x[g] = bad;
                }
                for output in ALL {
                    for period in [2, 3, 14, RESTART + 3] {
                        let mut out = vec![0.0; x.len()];
                        linreg(output, &x, period, &mut out).unwrap();
                        let mut s = LinearRegression::new(output, period).unwrap();
                        let streamed: Vec<f64> = x.iter().map(|&v| s.update(v)).collect();
                        assert_same(&out, &streamed);
                        // TA-Lib's steps alone, for reference.
                        let mut talib = vec![f64::NAN; x.len()];
                        rolling::<false>(output, &x[1..], period, &mut talib[1..]);
                        let from = gap.map_or(x.len(), |g| g.max(period));
                        for i in period..x.len() {
                            let (a, b) = (out[i], talib[i]);
                            if i < from {
                                assert!(
                                    (a - b).abs() <= 1e-9 * b.abs() + 1e-9,
                                    "{period} {i} {a} {b}"
                                );
                            } else if !params::has_fma()
                                || !matches!(output, Output::Value | Output::Forecast)
                            {
                                assert_eq!(a.to_bits(), b.to_bits(), "{period} {i}");
                            } else {
                                assert_eq!(a.is_nan(), b.is_nan(), "{period} {i}");
                            }
                        }
                    }
                }
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
