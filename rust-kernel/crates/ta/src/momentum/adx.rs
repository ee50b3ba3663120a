//! Wilder's directional movement family (TA-Lib `PLUS_DM`, `MINUS_DM`, `PLUS_DI`, `MINUS_DI`,
//! `DX`, `ADX`, `ADXR`), all from one state machine.
//!
//! Per candle: `up = high - prev_high`, `down = prev_low - low`; `-DM1 = down` when
//! `down > 0 && up < down`, else `+DM1 = up` when `up > 0 && up > down` (otherwise both 0); `TR1`
//! is the true range. The first `n - 1` values are summed, then Wilder-smoothed:
//! `s = s - s / n + v`. `±DI = 100 * ±DM / TR` (0 when TR is 0),
//! `DX = 100 * |-DI - +DI| / (-DI + +DI)` (the previous DX when undefined), `ADX` = the mean of the
//! first `n` DX, then `(adx * (n - 1) + dx) / n` (unchanged where DX is undefined),
//! `ADXR = (adx + adx[n - 1]) / 2`. One-period DI is TA-Lib's bare `DM / TR` (no factor 100).
//!
//! The three smoothed sums and the ADX run in anchored blocks (see `chain.rs`): outputs equal
//! TA-Lib's to rounding (a few ulps), not bit for bit. The batch loop continues the stream's
//! state machine past the warm-up, so a stream reproduces its batch exactly. In the batch, each
//! chunk of candles first runs the smoothing into a stack buffer, then computes the ratios (and
//! their divisions) in separate loops without a dependency between candles.
//!
//! Lookbacks: DM `n - 1` (1 when `n == 1`), DI and DX `n`, ADX `2n - 1`, ADXR `3n - 2`.

use crate::chain::{Anchored, BLOCK};
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

/// DX where it is undefined (TR or the DI sum is 0); DX itself is never negative.
///
/// TA-Lib 0.8.1 tests these denominators against exactly 0, not against its 1e-14 zero band
/// (`params::is_zero`): measured, its DI, DX and ADX stay defined for prices scaled down to 1e-310.
const UNDEFINED: f64 = -1.0;

/// One candle's `[-DM1, +DM1, TR1]` from it and the previous candle. Adding 0.0 for the side
/// that did not move is exact, so the selects equal TA-Lib's branches; `&` rather than `&&`:
/// the outcome is a coin flip on prices, and short-circuiting compiles to branches that
/// mispredict half the time.
#[inline(always)]
fn movement(high: f64, low: f64, prev_high: f64, prev_low: f64, prev_close: f64) -> [f64; 3] {
    let up = high - prev_high;
    let down = prev_low - low;
    let minus_wins = (down > 0.0) & (up < down);
    let plus_wins = !minus_wins & (up > 0.0) & (up > down);
    let m = if minus_wins { down } else { 0.0 };
    let p = if plus_wins { up } else { 0.0 };
    [m, p, range(high, low, prev_close)]
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

/// `±DI` from a smoothed DM and TR (`one`: TA-Lib's one-period DI, the bare ratio).
#[inline(always)]
fn di(dm: f64, tr: f64, one: bool) -> f64 {
    let q = dm / tr;
    if tr == 0.0 {
        0.0
    } else if one {
        q
    } else {
        100.0 * q
    }
}

/// DX from the smoothed `[-DM, +DM, TR]`, or [`UNDEFINED`].
#[inline(always)]
fn dx(s: [f64; 3]) -> f64 {
    // TA-Lib's divisions (a shared reciprocal of TR overflows where TR is subnormal).
    let minus = 100.0 * (s[0] / s[2]);
    let plus = 100.0 * (s[1] / s[2]);
    let sum = minus + plus;
    let v = 100.0 * ((minus - plus).abs() / sum);
    if (s[2] == 0.0) | (sum == 0.0) {
        UNDEFINED
    } else {
        v
    }
}

/// Streaming form of any member; `update(high, low, close)` equals the batch at every index.
#[derive(Debug, Clone)]
pub struct DirectionalMovement {
    kind: DmiKind,
    period: usize,
    /// `(n - 1) / n` and `1 / n`.
    a: f64,
    inv: f64,
    /// The previous candle's high, low and close.
    prev: [f64; 3],
    /// Plain sums of `[-DM1, +DM1, TR1]` over the first `n - 1` candles.
    seed: [f64; 3],
    /// Wilder's smoothing of those sums from candle `n` on.
    sums: Anchored<3>,
    /// Candles consumed since the first valid one (0 = none yet).
    seen: usize,
    dx_total: f64,
    adx: Anchored<1>,
    /// The last `n` ADX values (ADXR only).
    adx_history: Ring,
    value: f64,
}

impl DirectionalMovement {
    pub fn new(kind: DmiKind, timeperiod: usize) -> Result<Self> {
        let period = kind.check(timeperiod)?;
        let a = (period - 1) as f64 / period as f64;
        Ok(Self {
            kind,
            period,
            a,
            inv: 1.0 / period as f64,
            prev: [0.0; 3],
            seed: [0.0; 3],
            sums: Anchored::new(a, [0.0; 3]),
            seen: 0,
            dx_total: 0.0,
            adx: Anchored::new(a, [0.0]),
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
            self.prev = [high, low, close];
            self.seen = 1;
            return f64::NAN;
        }
        let t = self.seen;
        self.seen += 1;
        let out = self.advance(t, high, low, close);
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
        *self = Self::new(self.kind, self.period).expect("the period was checked at construction");
    }

    /// Consume candle number `t` (1 = the second valid candle); returns the output when defined.
    #[inline(always)]
    fn advance(&mut self, t: usize, high: f64, low: f64, close: f64) -> Option<f64> {
        let n = self.period;
        let [ph, pl, pc] = self.prev;
        let mv = movement(high, low, ph, pl, pc);
        self.prev = [high, low, close];
        let sums = if t < n {
            for (s, v) in self.seed.iter_mut().zip(mv) {
                *s += v;
            }
            self.seed
        } else {
            if t == n {
                self.sums = Anchored::new(self.a, self.seed);
            }
            self.sums.step(mv)
        };
        match self.kind {
            DmiKind::PlusDm | DmiKind::MinusDm => {
                if t + 1 < n {
                    return None;
                }
                Some(sums[usize::from(self.kind == DmiKind::PlusDm)])
            }
            DmiKind::PlusDi | DmiKind::MinusDi => {
                if t < n {
                    return None;
                }
                let dm = sums[usize::from(self.kind == DmiKind::PlusDi)];
                Some(di(dm, sums[2], n == 1))
            }
            DmiKind::Dx => {
                if t < n {
                    return None;
                }
                let v = dx(sums);
                Some(if v != UNDEFINED {
                    v
                } else if t == n {
                    0.0
                } else {
                    self.value
                })
            }
            DmiKind::Adx | DmiKind::Adxr => {
                if t < n {
                    return None;
                }
                let d = dx(sums);
                let adx = if t < 2 * n - 1 {
                    self.dx_total += if d == UNDEFINED { 0.0 } else { d };
                    return None;
                } else if t == 2 * n - 1 {
                    self.dx_total += if d == UNDEFINED { 0.0 } else { d };
                    let adx = self.dx_total / n as f64;
                    self.adx = Anchored::new(self.a, [adx]);
                    adx
                } else if d == UNDEFINED {
                    // TA-Lib keeps the ADX: the recurrence skips this candle.
                    self.adx.value()[0]
                } else {
                    self.adx.step([d * self.inv])[0]
                };
                if self.kind == DmiKind::Adx {
                    return Some(adx);
                }
                self.adx_history.push(adx);
                if !self.adx_history.is_full() {
                    return None;
                }
                Some(adxr(adx, self.adx_history.ago(n - 1)))
            }
        }
    }
}

#[inline(always)]
fn adxr(adx: f64, before: f64) -> f64 {
    (adx + before) / 2.0
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
    let hlc = [high, low, close];
    let begin = match kind {
        // The DM sums reproduce TA-Lib across a NaN gap; the ratios built on them do not.
        DmiKind::PlusDm | DmiKind::MinusDm => params::first_valid_all(&hlc),
        _ => params::first_valid_no_gaps(
            kind.name(),
            &[("high", high), ("low", low), ("close", close)],
        )?,
    };
    let n = s.period;
    let start = begin + kind.lookback(n);
    params::fill_nan(out, start);
    if start >= out.len() {
        return Ok(());
    }
    let (high, low, close) = (&high[..out.len()], &low[..out.len()], &close[..out.len()]);
    // The warm-up through the stream: up to the first smoothed sums (DM, DI, DX) or the first
    // ADX (ADX, ADXR); from there on every candle takes the same path.
    let warm = begin
        + match kind {
            DmiKind::Adx | DmiKind::Adxr => 2 * n - 1,
            _ => n,
        };
    let warm = warm.min(out.len() - 1);
    for i in begin..=warm {
        let v = s.update(high[i], low[i], close[i]);
        if i >= start {
            out[i] = v;
        }
    }
    if kind == DmiKind::Adxr {
        // The first ADX, which the ADXR below reads back.
        out[warm] = s.adx.value()[0];
    }
    if warm + 1 < out.len() {
        crate::with_simd!(steady(&mut s, high, low, close, warm + 1, out));
    }
    if kind == DmiKind::Adxr {
        // `out` holds the ADX from `begin + 2n - 1` on; ADXR in place from the end.
        for i in (start..out.len()).rev() {
            out[i] = adxr(out[i], out[i - (n - 1)]);
        }
        out[..start].fill(f64::NAN);
    }
    Ok(())
}

/// Candles per chunk of the batch loop.
const CHUNK: usize = 32 * BLOCK;

/// The batch past the warm-up, from candle index `from` (> the first valid one) to the end;
/// ADXR's output here is the ADX (`dmi` combines it afterwards).
#[inline(always)]
fn steady(
    s: &mut DirectionalMovement,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    from: usize,
    out: &mut [f64],
) {
    let len = out.len();
    let one = s.period == 1;
    let inv = s.inv;
    let mut buf = [[0.0; 3]; CHUNK];
    let mut dxs = [0.0; CHUNK];
    let mut start = from;
    while start < len {
        let m = CHUNK.min(len - start);
        {
            let (h, l, c) = (
                &high[start - 1..start + m],
                &low[start - 1..start + m],
                &close[start - 1..start + m],
            );
            s.sums.run_into(
                |t| movement(h[t + 1], l[t + 1], h[t], l[t], c[t]),
                |t, y| buf[t] = y,
                m,
            );
        }
        let (o, b) = (&mut out[start..start + m], &buf[..m]);
        match s.kind {
            DmiKind::PlusDm | DmiKind::MinusDm => {
                let k = usize::from(s.kind == DmiKind::PlusDm);
                for (o, y) in o.iter_mut().zip(b) {
                    *o = y[k];
                }
            }
            DmiKind::PlusDi | DmiKind::MinusDi => {
                let k = usize::from(s.kind == DmiKind::PlusDi);
                for (o, y) in o.iter_mut().zip(b) {
                    *o = di(y[k], y[2], one);
                }
            }
            DmiKind::Dx => {
                for (o, &y) in o.iter_mut().zip(b) {
                    *o = dx(y);
                }
                let mut prev = out[start - 1];
                for o in &mut out[start..start + m] {
                    if *o == UNDEFINED {
                        *o = prev;
                    }
                    prev = *o;
                }
            }
            DmiKind::Adx | DmiKind::Adxr => {
                let d = &mut dxs[..m];
                for (d, &y) in d.iter_mut().zip(b) {
                    *d = dx(y);
                }
                adx_run(&mut s.adx, d, inv, o);
            }
        }
        start += m;
    }
}

/// The ADX recurrence over `dx` into `out`: anchored runs between undefined DX, which keep it.
#[inline(always)]
fn adx_run(adx: &mut Anchored<1>, dx: &[f64], inv: f64, out: &mut [f64]) {
    let mut i = 0;
    while i < dx.len() {
        let end = dx[i..]
            .iter()
            .position(|&d| d == UNDEFINED)
            .map_or(dx.len(), |k| i + k);
        let (d, o) = (&dx[i..end], &mut out[i..end]);
        adx.run_into(|t| [d[t] * inv], |t, y| o[t] = y[0], end - i);
        if end < dx.len() {
            out[end] = adx.value()[0];
        }
        i = end + 1;
    }
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

    /// A plain, chain-bound transcription of TA-Lib's DX and ADX, for the anchored version.
    /// Also flags the candles where the smoothed TR is subnormal: there the sums keep only a
    /// few significant bits, so two evaluation orders (TA-Lib's and the anchored one) agree
    /// only roughly.
    fn reference(h: &[f64], l: &[f64], c: &[f64], n: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
        let nf = n as f64;
        let (mut sm, mut sp, mut st) = (0.0, 0.0, 0.0);
        let (mut dx, mut adx) = (vec![f64::NAN; h.len()], vec![f64::NAN; h.len()]);
        let mut tiny = vec![false; h.len()];
        let (mut total, mut a, mut prev_dx) = (0.0, 0.0, 0.0);
        for i in 1..h.len() {
            let [m, p, tr] = movement(h[i], l[i], h[i - 1], l[i - 1], c[i - 1]);
            if i < n {
                (sm, sp, st) = (sm + m, sp + p, st + tr);
                continue;
            }
            (sm, sp, st) = (sm - sm / nf + m, sp - sp / nf + p, st - st / nf + tr);
            tiny[i] = st != 0.0 && st.abs() < f64::MIN_POSITIVE;
            let d = if st == 0.0 {
                None
            } else {
                let (mdi, pdi) = (100.0 * (sm / st), 100.0 * (sp / st));
                let sum = mdi + pdi;
                (sum != 0.0).then(|| 100.0 * ((mdi - pdi).abs() / sum))
            };
            dx[i] = d.unwrap_or(if i == n { 0.0 } else { prev_dx });
            prev_dx = dx[i];
            if i < 2 * n - 1 {
                total += d.unwrap_or(0.0);
            } else if i == 2 * n - 1 {
                a = (total + d.unwrap_or(0.0)) / nf;
                adx[i] = a;
            } else {
                if let Some(d) = d {
                    a = (a * (nf - 1.0) + d) / nf;
                }
                adx[i] = a;
            }
        }
        (dx, adx, tiny)
    }

    /// Moving candles, a long flat stretch (for n = 2 the smoothed sums underflow to 0, so DX is
    /// undefined and ADX holds), moving candles again, then a NaN gap: across many chunks.
    fn with_flat_stretch() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (_, mut h, mut l, mut c) = ohlc(2000, 4);
        for i in 400..1600 {
            (h[i], l[i], c[i]) = (50.0, 50.0, 50.0);
        }
        (h, l, c)
    }

    /// A NaN after the first candle: the DM sums carry on as TA-Lib's do (stream == batch); the
    /// ratios built on them refuse it, naming the input and the index.
    #[test]
    fn a_gap_is_refused_by_the_ratios_and_carried_by_the_dm_sums() {
        let (mut h, l, c) = with_flat_stretch();
        h[1800] = f64::NAN;
        for kind in [DmiKind::PlusDm, DmiKind::MinusDm] {
            let mut out = vec![0.0; h.len()];
            dmi(kind, &h, &l, &c, 14, &mut out).unwrap();
            let mut s = DirectionalMovement::new(kind, 14).unwrap();
            let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
            assert_same(&out, &streamed);
        }
        for kind in [
            DmiKind::PlusDi,
            DmiKind::MinusDi,
            DmiKind::Dx,
            DmiKind::Adx,
            DmiKind::Adxr,
        ] {
            let mut out = vec![0.0; h.len()];
            let err = dmi(kind, &h, &l, &c, 14, &mut out).unwrap_err();
            assert_eq!(
                err,
                crate::KernelError::NotANumber {
                    indicator: kind.name(),
                    name: "high",
                    index: 1800
                }
            );
        }
    }

    #[test]
    fn equals_talibs_recurrences_to_rounding_through_a_flat_stretch() {
        let (h, l, c) = with_flat_stretch();
        for n in [2, 3, 14] {
            let (want_dx, want_adx, tiny) = reference(&h, &l, &c, n);
            let mut dx = vec![0.0; h.len()];
            let mut adx = vec![0.0; h.len()];
            dmi(DmiKind::Dx, &h, &l, &c, n, &mut dx).unwrap();
            dmi(DmiKind::Adx, &h, &l, &c, n, &mut adx).unwrap();
            for (got, want) in [(&dx, &want_dx), (&adx, &want_adx)] {
                for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                    // Skip subnormal sums and the ADX's memory of them (40 halvings for n=2).
                    if tiny[i.saturating_sub(40)..=i].iter().any(|&t| t) {
                        continue;
                    }
                    assert!(
                        (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-11 * w.abs().max(1.0),
                        "n={n} i={i}: {g} {w}"
                    );
                }
            }
            if n == 2 {
                // The sums did underflow to 0: DX undefined (repeated), ADX held.
                assert!(dx[1590] > 0.0 && adx[1590] > 0.0);
                assert_eq!(adx[1590], adx[1599]);
                assert_eq!(dx[1590], dx[1599]);
                assert!(tiny.iter().any(|&t| t));
            }
        }
    }

    #[test]
    fn streaming_equals_batch_across_chunks() {
        let (h, l, c) = with_flat_stretch();
        for kind in [
            DmiKind::PlusDm,
            DmiKind::MinusDm,
            DmiKind::PlusDi,
            DmiKind::MinusDi,
            DmiKind::Dx,
            DmiKind::Adx,
            DmiKind::Adxr,
        ] {
            for n in [1, 2, 3, 9, 14] {
                if kind.check(n as i64).is_err() {
                    continue;
                }
                let mut out = vec![0.0; h.len()];
                dmi(kind, &h, &l, &c, n, &mut out).unwrap();
                let mut s = DirectionalMovement::new(kind, n).unwrap();
                let streamed: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
                assert_same(&out, &streamed);
                s.reset();
                let again: Vec<f64> = (0..h.len()).map(|i| s.update(h[i], l[i], c[i])).collect();
                assert_same(&out, &again);
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
