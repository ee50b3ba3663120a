//! Supertrend (Olivier Seban), with TradingView's `ta.supertrend` band-locking rules.
//!
//! With `hl2 = (high + low) / 2` and TA-Lib's Wilder `ATR(timeperiod)`:
//! - basic bands: `ub = hl2 + multiplier · ATR`, `lb = hl2 - multiplier · ATR`;
//! - the upper band only moves down while price stays below it: `upper = ub` if `ub < upper[-1]`
//!   or `close[-1] > upper[-1]`, else `upper[-1]`; symmetrically `lower = lb` if
//!   `lb > lower[-1]` or `close[-1] < lower[-1]`, else `lower[-1]` (on the first candle with an
//!   ATR the bands are the basic bands);
//! - direction: the first candle starts in a downtrend (as TradingView does); in a downtrend a
//!   close above the (locked) upper band turns it up, in an uptrend a close below the lower band
//!   turns it down;
//! - `supertrend` is the lower band in an uptrend and the upper band in a downtrend, and
//!   `direction` is `+1.0` (up) or `-1.0` (down).
//!
//! Defaults 10 and 3.0; lookback `timeperiod` (the ATR's).

use crate::error::Result;
use crate::params;
use crate::volatility::{atr, AverageTrueRange};

const NAME: &str = "supertrend";

pub fn check(timeperiod: impl params::IntParam, multiplier: f64) -> Result<(usize, f64)> {
    Ok((
        params::period(NAME, "timeperiod", timeperiod, 1)?,
        params::real(NAME, "multiplier", multiplier, 0.0, 1e6)?,
    ))
}

/// The band-locking state carried from candle to candle.
#[derive(Debug, Clone, Copy)]
struct State {
    upper: f64,
    lower: f64,
    close: f64,
    up: bool,
}

/// Advance by one candle with a valid ATR; `prev` is None on the first such candle.
#[inline(always)]
fn step(prev: Option<State>, high: f64, low: f64, close: f64, atr: f64, multiplier: f64) -> State {
    let hl2 = (high + low) / 2.0;
    let width = multiplier * atr;
    let (ub, lb) = (hl2 + width, hl2 - width);
    match prev {
        None => State {
            upper: ub,
            lower: lb,
            close,
            up: false,
        },
        Some(p) => {
            let upper = if ub < p.upper || p.close > p.upper {
                ub
            } else {
                p.upper
            };
            let lower = if lb > p.lower || p.close < p.lower {
                lb
            } else {
                p.lower
            };
            let up = if p.up { close >= lower } else { close > upper };
            State {
                upper,
                lower,
                close,
                up,
            }
        }
    }
}

#[inline(always)]
fn emit(s: &State) -> (f64, f64) {
    if s.up {
        (s.lower, 1.0)
    } else {
        (s.upper, -1.0)
    }
}

/// Batch Supertrend into `(supertrend, direction)`.
pub fn supertrend(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    multiplier: f64,
    line: &mut [f64],
    direction: &mut [f64],
) -> Result<()> {
    let (n, m) = check(timeperiod, multiplier)?;
    super::lens(
        NAME,
        &["high", "low", "close"],
        &[high, low, close],
        &[line, direction],
    )?;
    // `direction` holds the ATR until it is overwritten candle by candle.
    atr(high, low, close, n, direction)?;
    let mut state = None;
    for i in 0..high.len() {
        let a = direction[i];
        if state.is_none() && a.is_nan() {
            line[i] = f64::NAN;
            continue;
        }
        let s = step(state, high[i], low[i], close[i], a, m);
        (line[i], direction[i]) = emit(&s);
        state = Some(s);
    }
    Ok(())
}

/// Streaming Supertrend: `update(high, low, close)` equals [`supertrend`] at every index.
#[derive(Debug, Clone)]
pub struct Supertrend {
    atr: AverageTrueRange,
    multiplier: f64,
    state: Option<State>,
    value: (f64, f64),
}

impl Supertrend {
    pub fn new(timeperiod: usize, multiplier: f64) -> Result<Self> {
        let (n, m) = check(timeperiod, multiplier)?;
        Ok(Self {
            atr: AverageTrueRange::new(n)?,
            multiplier: m,
            state: None,
            value: (f64::NAN, f64::NAN),
        })
    }

    /// Returns `(supertrend, direction)`.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> (f64, f64) {
        let a = self.atr.update(high, low, close);
        if self.state.is_none() && a.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        let s = step(self.state, high, low, close, a, self.multiplier);
        self.state = Some(s);
        self.value = emit(&s);
        self.value
    }

    pub fn value(&self) -> (f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.state.is_some()
    }

    pub fn reset(&mut self) {
        self.atr.reset();
        self.state = None;
        self.value = (f64::NAN, f64::NAN);
    }
}
