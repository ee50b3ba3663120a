//! Wilder's directional movement family (TA-Lib `PLUS_DM`, `MINUS_DM`, `PLUS_DI`, `MINUS_DI`,
//! `DX`, `ADX`, `ADXR`), all from one state machine so every member performs TA-Lib's operations
//! in TA-Lib's order.
//!
//! Per candle: `up = high - prev_high`, `down = prev_low - low`; `-DM1 = down` when
//! `down > 0 && up < down`, else `+DM1 = up` when `up > 0 && up > down` (otherwise both 0); `TR1`
//! is the true range. The first `n - 1` values are summed, then Wilder-smoothed:
//! `s = s - s / n + v`. `±DI = 100 * ±DM / TR` (0 when TR is within TA-Lib's zero band),
//! `DX = 100 * |-DI - +DI| / (-DI + +DI)` (the previous DX when undefined), `ADX` = the mean of the
//! first `n` DX, then `(adx * (n - 1) + dx) / n`, `ADXR = (adx + adx[n - 1]) / 2`. One-period
//! DI is TA-Lib's bare `DM / TR` (no factor 100). Outputs are bit-identical to TA-Lib 0.8; the
//! divisions go through `params::div_by` (same bits, no divider bottleneck) on CPUs with FMA.
//!
//! Lookbacks: DM `n - 1` (1 when `n == 1`), DI and DX `n`, ADX `2n - 1`, ADXR `3n - 2`.

use crate::error::Result;
use crate::params;
use crate::volatility::trange::check_hlc;
use crate::window::Ring;

/// Which member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmiKind {
    PlusDm,
    MinusDm,
    PlusDi,
    MinusDi,
    Dx,
    Adx,
    Adxr,
}

impl DmiKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::PlusDm => "plus_dm",
            Self::MinusDm => "minus_dm",
            Self::PlusDi => "plus_di",
            Self::MinusDi => "minus_di",
            Self::Dx => "dx",
            Self::Adx => "adx",
            Self::Adxr => "adxr",
        }
    }

    /// Smallest valid `timeperiod` (TA-Lib: 1 for DM and DI, 2 for DX, ADX and ADXR).
    fn min_period(self) -> i64 {
        match self {
            Self::PlusDm | Self::MinusDm | Self::PlusDi | Self::MinusDi => 1,
            Self::Dx | Self::Adx | Self::Adxr => 2,
        }
    }

    pub fn check(self, timeperiod: impl params::IntParam) -> Result<usize> {
        params::period(self.name(), "timeperiod", timeperiod, self.min_period())
    }

    pub fn lookback(self, n: usize) -> usize {
        match self {
            Self::PlusDm | Self::MinusDm => (n - 1).max(1),
            Self::PlusDi | Self::MinusDi | Self::Dx => n,
            Self::Adx => 2 * n - 1,
            Self::Adxr => 3 * n - 2,
        }
    }
}

/// The smoothed sums and the previous candle.
#[derive(Debug, Clone, Copy)]
struct Sums {
    n: f64,
    inv: f64,
    high: f64,
    low: f64,
    close: f64,
    plus: f64,
    minus: f64,
    range: f64,
}

impl Sums {
    fn new(n: usize) -> Self {
        Self {
            n: n as f64,
            inv: 1.0 / n as f64,
            high: 0.0,
            low: 0.0,
            close: 0.0,
            plus: 0.0,
            minus: 0.0,
            range: 0.0,
        }
    }

    #[inline(always)]
    fn first(&mut self, high: f64, low: f64, close: f64) {
        *self = Self {
            high,
            low,
            close,
            plus: 0.0,
            minus: 0.0,
            range: 0.0,
            ..*self
        };
    }

    /// One candle; `smooth` selects Wilder's step over the plain sum of the first `n - 1`.
    /// Adding 0.0 for the side that did not move is exact, so the selects below equal TA-Lib's
    /// branches.
    #[inline(always)]
    fn step<const FMA: bool>(&mut self, high: f64, low: f64, close: f64, smooth: bool) {
        let up = high - self.high;
        let down = self.low - low;
        self.high = high;
        self.low = low;
        // `&` rather than `&&`: the outcome is a coin flip on prices, and short-circuiting
        // compiles to branches that mispredict half the time.
        let minus_wins = (down > 0.0) & (up < down);
        let plus_wins = !minus_wins & (up > 0.0) & (up > down);
        let m = if minus_wins { down } else { 0.0 };
        let p = if plus_wins { up } else { 0.0 };
        let tr = range(high, low, self.close);
        self.close = close;
        if smooth {
            let (n, inv) = (self.n, self.inv);
            self.minus = (self.minus - params::div_by::<FMA>(self.minus, n, inv)) + m;
            self.plus = (self.plus - params::div_by::<FMA>(self.plus, n, inv)) + p;
            self.range = (self.range - params::div_by::<FMA>(self.range, n, inv)) + tr;
        } else {
            self.minus += m;
            self.plus += p;
            self.range += tr;
        }
    }

    /// `(-DI, +DI)`, or `None` when TR is within the zero band.
    /// Both ratios share one reciprocal of TR (see `params::div_by`).
    #[inline(always)]
    fn di<const FMA: bool>(&self) -> Option<(f64, f64)> {
        if params::is_zero(self.range) {
            None
        } else {
            let inv = if FMA { 1.0 / self.range } else { 0.0 };
            Some((
                100.0 * params::div_by::<FMA>(self.minus, self.range, inv),
                100.0 * params::div_by::<FMA>(self.plus, self.range, inv),
            ))
        }
    }

    /// DX, or `None` when undefined (TR or the DI sum within the zero band).
    #[inline(always)]
    fn dx<const FMA: bool>(&self) -> Option<f64> {
        let (minus, plus) = self.di::<FMA>()?;
        let sum = minus + plus;
        if params::is_zero(sum) {
            None
        } else {
            Some(100.0 * ((minus - plus).abs() / sum))
        }
    }
}

/// TA-Lib's true range (`volatility::trange::true_range`, same comparisons) written as selects.
#[inline(always)]
fn range(high: f64, low: f64, prev_close: f64) -> f64 {
    let greatest = high - low;
    let up = (prev_close - high).abs();
    let greatest = if up > greatest { up } else { greatest };
    let down = (prev_close - low).abs();
    if down > greatest {
        down
    } else {
        greatest
    }
}

/// Streaming form of any member; `update(high, low, close)` equals the batch at every index.
#[derive(Debug, Clone)]
pub struct DirectionalMovement {
    kind: DmiKind,
    period: usize,
    fused: bool,
    sums: Sums,
    /// Candles consumed since the first valid one (0 = none yet).
    seen: usize,
    dx_total: f64,
    adx: f64,
    /// The last `n` ADX values (ADXR only).
    adx_history: Ring,
    value: f64,
}

impl DirectionalMovement {
    pub fn new(kind: DmiKind, timeperiod: usize) -> Result<Self> {
        let period = kind.check(timeperiod)?;
        Ok(Self {
            kind,
            period,
            fused: params::fma_enabled(),
            sums: Sums::new(period),
            seen: 0,
            dx_total: 0.0,
            adx: f64::NAN,
            adx_history: Ring::new(if kind == DmiKind::Adxr { period } else { 1 }),
            value: f64::NAN,
        })
    }

    pub fn kind(&self) -> DmiKind {
        self.kind
    }

    pub fn period(&self) -> usize {
        self.period
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if self.seen == 0 {
            if high.is_nan() || low.is_nan() || close.is_nan() {
                return f64::NAN;
            }
            self.sums.first(high, low, close);
            self.seen = 1;
            return f64::NAN;
        }
        let t = self.seen;
        self.seen += 1;
        let out = if self.fused {
            advance_fused(self, t, high, low, close)
        } else {
            advance::<false>(self, t, high, low, close)
        };
        if let Some(v) = out {
            self.value = v;
        }
        out.unwrap_or(f64::NAN)
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.seen > self.kind.lookback(self.period)
    }

    pub fn reset(&mut self) {
        *self = Self {
            sums: Sums::new(self.period),
            seen: 0,
            dx_total: 0.0,
            adx: f64::NAN,
            adx_history: Ring::new(self.adx_history.capacity()),
            value: f64::NAN,
            ..self.clone()
        };
    }
}

/// [`advance`] compiled for FMA (streams decide at construction, see `params::fma_enabled`).
fn advance_fused(
    s: &mut DirectionalMovement,
    t: usize,
    high: f64,
    low: f64,
    close: f64,
) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "fma")]
        unsafe fn inner(
            s: &mut DirectionalMovement,
            t: usize,
            high: f64,
            low: f64,
            close: f64,
        ) -> Option<f64> {
            advance::<true>(s, t, high, low, close)
        }
        // SAFETY: only called when the CPU reported FMA.
        unsafe { inner(s, t, high, low, close) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    advance::<false>(s, t, high, low, close)
}

/// Consume candle number `t` (1 = the second valid candle); returns the output when defined.
#[inline(always)]
fn advance<const FMA: bool>(
    s: &mut DirectionalMovement,
    t: usize,
    high: f64,
    low: f64,
    close: f64,
) -> Option<f64> {
    let n = s.period;
    s.sums.step::<FMA>(high, low, close, t >= n);
    match s.kind {
        DmiKind::PlusDm | DmiKind::MinusDm => {
            if t + 1 < n {
                return None;
            }
            let sums = &s.sums;
            Some(if s.kind == DmiKind::PlusDm {
                sums.plus
            } else {
                sums.minus
            })
        }
        DmiKind::PlusDi | DmiKind::MinusDi => {
            if t < n {
                return None;
            }
            let sums = &s.sums;
            let dm = if s.kind == DmiKind::MinusDi {
                sums.minus
            } else {
                sums.plus
            };
            Some(if params::is_zero(sums.range) {
                0.0
            } else if n == 1 {
                // TA-Lib's one-period DI is the bare ratio, without the factor 100.
                dm / sums.range
            } else {
                let inv = if FMA { 1.0 / sums.range } else { 0.0 };
                100.0 * params::div_by::<FMA>(dm, sums.range, inv)
            })
        }
        DmiKind::Dx => {
            if t < n {
                return None;
            }
            Some(match s.sums.dx::<FMA>() {
                Some(dx) => dx,
                None if t == n => 0.0,
                None => s.value,
            })
        }
        DmiKind::Adx | DmiKind::Adxr => {
            if t < n {
                return None;
            }
            let nf = s.sums.n;
            let dx = s.sums.dx::<FMA>();
            if t < 2 * n - 1 {
                s.dx_total += dx.unwrap_or(0.0);
                return None;
            }
            if t == 2 * n - 1 {
                s.dx_total += dx.unwrap_or(0.0);
                s.adx = s.dx_total / nf;
            } else if let Some(dx) = dx {
                s.adx = params::div_by::<FMA>(s.adx * (nf - 1.0) + dx, nf, s.sums.inv);
            }
            if s.kind == DmiKind::Adx {
                return Some(s.adx);
            }
            s.adx_history.push(s.adx);
            if !s.adx_history.is_full() {
                return None;
            }
            Some((s.adx + s.adx_history.ago(n - 1)) / 2.0)
        }
    }
}

/// Batch form of any member.
pub fn dmi(
    kind: DmiKind,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let mut s = DirectionalMovement::new(kind, timeperiod)?;
    check_hlc(kind.name(), high, low, close, out)?;
    let begin = params::first_valid_all(&[high, low, close]);
    let start = begin + kind.lookback(s.period);
    params::fill_nan(out, start);
    if start >= out.len() {
        return Ok(());
    }
    crate::with_fma!(run(&mut s, begin, high, low, close, out));
    Ok(())
}

#[inline(always)]
fn run<const FMA: bool>(
    s: &mut DirectionalMovement,
    begin: usize,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
) {
    // A local copy: the compiler keeps its fields in registers, where through `&mut` it reloads
    // and stores them around every write to `out`.
    let mut local = s.clone();
    local.sums.first(high[begin], low[begin], close[begin]);
    let (high, low, close) = (&high[..out.len()], &low[..out.len()], &close[..out.len()]);
    for i in begin + 1..out.len() {
        if let Some(v) = advance::<FMA>(&mut local, i - begin, high[i], low[i], close[i]) {
            local.value = v;
            out[i] = v;
        }
    }
    *s = local;
}

macro_rules! typed_dmi {
    ($name:ident, $kind:ident) => {
        /// Streaming form of one member of the directional movement family (see the module).
        #[derive(Debug, Clone)]
        pub struct $name(DirectionalMovement);

        impl $name {
            pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
                DmiKind::$kind.check(timeperiod)
            }

            pub fn new(timeperiod: usize) -> Result<Self> {
                Ok(Self(DirectionalMovement::new(DmiKind::$kind, timeperiod)?))
            }

            #[inline]
            pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
                self.0.update(high, low, close)
            }

            pub fn value(&self) -> f64 {
                self.0.value()
            }

            pub fn is_ready(&self) -> bool {
                self.0.is_ready()
            }

            pub fn reset(&mut self) {
                self.0.reset()
            }

            /// Batch form.
            pub fn batch(
                high: &[f64],
                low: &[f64],
                close: &[f64],
                timeperiod: usize,
                out: &mut [f64],
            ) -> Result<()> {
                dmi(DmiKind::$kind, high, low, close, timeperiod, out)
            }
        }
    };
}

typed_dmi!(PlusDm, PlusDm);
typed_dmi!(MinusDm, MinusDm);
typed_dmi!(PlusDi, PlusDi);
typed_dmi!(MinusDi, MinusDi);
typed_dmi!(Dx, Dx);
typed_dmi!(Adx, Adx);
typed_dmi!(Adxr, Adxr);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, c) = ohlc(400, 9);
        for kind in [
            DmiKind::PlusDm,
            DmiKind::MinusDm,
            DmiKind::PlusDi,
            DmiKind::MinusDi,
            DmiKind::Dx,
            DmiKind::Adx,
            DmiKind::Adxr,
        ] {
            for n in [2, 5, 14] {
                let mut out = vec![0.0; h.len()];
                dmi(kind, &h, &l, &c, n, &mut out).unwrap();
                let mut s = DirectionalMovement::new(kind, n).unwrap();
                let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
                assert_same(&out, &streamed);
                let nans = out.iter().take_while(|v| v.is_nan()).count();
                assert_eq!(nans, kind.lookback(n), "{kind:?} {n}");
            }
        }
    }

    #[test]
    fn period_floor_names_the_indicator() {
        assert_eq!(
            DmiKind::Adx.check(1_i64).unwrap_err().to_string(),
            "adx: timeperiod must be >= 2, got 1"
        );
        assert!(DmiKind::PlusDm.check(1_i64).is_ok());
    }
}
