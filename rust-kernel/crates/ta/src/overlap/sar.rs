//! Wilder's parabolic SAR (TA-Lib `SAR`), lookback 1.
//!
//! TA-Lib's bootstrap, which other libraries do differently: the first candle is consumed; the
//! direction for the second is short when its `-DM` wins (`low[0] - low[1] > 0` and greater than
//! `high[1] - high[0]`), long otherwise (ties are long); the first SAR is the first candle's low
//! (long) or high (short) and the first extreme point the second candle's high (long) or low
//! (short). Then per candle, with `af` starting at `acceleration`:
//! - long and `low <= sar`: reverse to short; the output is the extreme point raised to the
//!   highest high of this and the previous candle; `af` resets, `ep = low`;
//! - short and `high >= sar`: the mirror image;
//! - otherwise output the SAR; a new extreme point raises `af` by `acceleration` up to `maximum`.
//!
//! The next SAR is `sar + af (ep - sar)` (fused on CPUs where TA-Lib's build fuses it), kept
//! outside the range of this and the previous candle. An `acceleration` above `maximum` is
//! lowered to `maximum`, as TA-Lib does.

use crate::error::Result;
use crate::params;

const NAME: &str = "sar";

/// Validated `(acceleration, maximum)` (TA-Lib: both in [0, f64::MAX]).
pub fn check(acceleration: f64, maximum: f64) -> Result<(f64, f64)> {
    let acceleration = params::real(NAME, "acceleration", acceleration, 0.0, f64::MAX)?;
    let maximum = params::real(NAME, "maximum", maximum, 0.0, f64::MAX)?;
    Ok((acceleration.min(maximum), maximum))
}

/// The running state after the first two candles.
#[derive(Debug, Clone, Copy)]
struct State {
    long: bool,
    sar: f64,
    ep: f64,
    af: f64,
    high: f64,
    low: f64,
}

impl State {
    /// TA-Lib's bootstrap from the first two candles; `step` must then be called on the second.
    fn start(h0: f64, l0: f64, h1: f64, l1: f64) -> Self {
        let up = h1 - h0;
        let down = l0 - l1;
        let long = !(down > 0.0 && up < down);
        let (sar, ep) = if long { (l0, h1) } else { (h0, l1) };
        Self {
            long,
            sar,
            ep,
            af: 0.0,
            high: h1,
            low: l1,
        }
    }

    /// A new extreme point `price` when `new` (`af` then grows by `accel` up to `max`), written as
    /// selects rather than a branch: whether a candle makes a new extreme is close to a coin
    /// toss on real data, and a mispredicted branch costs more than both sides.
    #[inline(always)]
    fn extend(&mut self, new: bool, price: f64, accel: f64, max: f64) {
        let grown = self.af + accel;
        let grown = if grown > max { max } else { grown };
        self.ep = if new { price } else { self.ep };
        self.af = if new { grown } else { self.af };
    }

    /// One candle: returns the SAR of this candle and prepares the next one.
    #[inline(always)]
    fn step<const FMA: bool>(&mut self, high: f64, low: f64, accel: f64, max: f64) -> f64 {
        let (prev_high, prev_low) = (self.high, self.low);
        self.high = high;
        self.low = low;
        let out;
        if self.long {
            if low <= self.sar {
                self.long = false;
                let mut sar = self.ep;
                if sar < prev_high {
                    sar = prev_high;
                }
                if sar < high {
                    sar = high;
                }
                out = sar;
                self.af = accel;
                self.ep = low;
                sar = params::madd::<FMA>(self.af, self.ep - sar, sar);
                if sar < prev_high {
                    sar = prev_high;
                }
                if sar < high {
                    sar = high;
                }
                self.sar = sar;
            } else {
                out = self.sar;
                self.extend(high > self.ep, high, accel, max);
                let mut sar = params::madd::<FMA>(self.af, self.ep - self.sar, self.sar);
                if sar > prev_low {
                    sar = prev_low;
                }
                if sar > low {
                    sar = low;
                }
                self.sar = sar;
            }
        } else if high >= self.sar {
            self.long = true;
            let mut sar = self.ep;
            if sar > prev_low {
                sar = prev_low;
            }
            if sar > low {
                sar = low;
            }
            out = sar;
            self.af = accel;
            self.ep = high;
            sar = params::madd::<FMA>(self.af, self.ep - sar, sar);
            if sar > prev_low {
                sar = prev_low;
            }
            if sar > low {
                sar = low;
            }
            self.sar = sar;
        } else {
            out = self.sar;
            self.extend(low < self.ep, low, accel, max);
            let mut sar = params::madd::<FMA>(self.af, self.ep - self.sar, self.sar);
            if sar < prev_high {
                sar = prev_high;
            }
            if sar < high {
                sar = high;
            }
            self.sar = sar;
        }
        out
    }
}

/// Batch SAR of `(high, low)` into `out`.
pub fn sar(
    high: &[f64],
    low: &[f64],
    acceleration: f64,
    maximum: f64,
    out: &mut [f64],
) -> Result<()> {
    let (accel, max) = check(acceleration, maximum)?;
    params::same_len(NAME, "high", high.len(), "low", low.len())?;
    params::same_len(NAME, "high", high.len(), "out", out.len())?;
    let begin = params::first_valid_all(&[high, low]);
    let start = begin + 1;
    params::fill_nan(out, start);
    if start >= high.len() {
        return Ok(());
    }
    let mut s = State::start(high[begin], low[begin], high[start], low[start]);
    s.af = accel;
    let (h, l, o) = (&high[start..], &low[start..], &mut out[start..]);
    crate::with_fma!(run(&mut s, h, l, o, accel, max));
    Ok(())
}

#[inline(always)]
fn run<const FMA: bool>(s: &mut State, high: &[f64], low: &[f64], out: &mut [f64], a: f64, m: f64) {
    // The state in locals (registers) for the loop.
    let mut st = *s;
    for (o, (&h, &l)) in out.iter_mut().zip(high.iter().zip(low)) {
        *o = st.step::<FMA>(h, l, a, m);
    }
    *s = st;
}

/// [`State::step`] for a stream, which decided at construction whether TA-Lib fuses here.
#[inline(always)]
fn step_dyn(fused: bool, s: &mut State, high: f64, low: f64, a: f64, m: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if fused {
        #[target_feature(enable = "fma")]
        unsafe fn fused_step(s: &mut State, high: f64, low: f64, a: f64, m: f64) -> f64 {
            s.step::<true>(high, low, a, m)
        }
        // SAFETY: `fused` is only true when the CPU reported FMA (`params::fma_enabled`).
        return unsafe { fused_step(s, high, low, a, m) };
    }
    let _ = fused;
    s.step::<false>(high, low, a, m)
}

/// Streaming SAR; `update(high, low)` equals [`sar`] at every index.
#[derive(Debug, Clone)]
pub struct ParabolicSar {
    acceleration: f64,
    maximum: f64,
    fused: bool,
    /// The first candle, until the second arrives.
    first: Option<(f64, f64)>,
    state: Option<State>,
    value: f64,
}

impl ParabolicSar {
    pub fn new(acceleration: f64, maximum: f64) -> Result<Self> {
        let (acceleration, maximum) = check(acceleration, maximum)?;
        Ok(Self {
            acceleration,
            maximum,
            fused: params::fma_enabled(),
            first: None,
            state: None,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64) -> f64 {
        let state = match (&mut self.state, self.first) {
            (Some(s), _) => s,
            (None, None) => {
                if !high.is_nan() && !low.is_nan() {
                    self.first = Some((high, low));
                }
                return f64::NAN;
            }
            (None, Some((h0, l0))) => {
                let mut s = State::start(h0, l0, high, low);
                s.af = self.acceleration;
                self.state.insert(s)
            }
        };
        let (a, m) = (self.acceleration, self.maximum);
        self.value = step_dyn(self.fused, state, high, low, a, m);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.state.is_some()
    }

    pub fn reset(&mut self) {
        self.first = None;
        self.state = None;
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (_, h, l, _) = ohlc(500, 3);
        for (a, m) in [(0.02, 0.2), (0.1, 0.05), (0.0, 0.0)] {
            let mut out = vec![0.0; h.len()];
            sar(&h, &l, a, m, &mut out).unwrap();
            let mut s = ParabolicSar::new(a, m).unwrap();
            let got: Vec<f64> = h.iter().zip(&l).map(|(&x, &y)| s.update(x, y)).collect();
            assert_same(&out, &got);
            assert!(out[0].is_nan() && !out[1].is_nan());
        }
    }

    #[test]
    fn bad_acceleration() {
        assert_eq!(
            ParabolicSar::new(-0.1, 0.2).unwrap_err().to_string(),
            format!("sar: acceleration must be in [0, {}], got -0.1", f64::MAX)
        );
    }
}
