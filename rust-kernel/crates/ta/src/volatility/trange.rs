//! True range (TA-Lib `TRANGE`): `max(high, prev_close) - min(low, prev_close)`.
//!
//! Computed as TA-Lib does, `max(high - low, |prev_close - high|, |prev_close - low|)` with the
//! same comparison order, so NaN inputs propagate the same way. The first output is NaN.

use crate::error::Result;
use crate::params;

const NAME: &str = "trange";

pub const fn lookback() -> usize {
    1
}

/// One true range from the current candle and the previous close.
#[inline(always)]
pub fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut greatest = high - low;
    let up = (prev_close - high).abs();
    if up > greatest {
        greatest = up;
    }
    let down = (prev_close - low).abs();
    if down > greatest {
        greatest = down;
    }
    greatest
}

pub(crate) fn check_hlc(
    indicator: &'static str,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &[f64],
) -> Result<()> {
    params::same_len(indicator, "high", high.len(), "low", low.len())?;
    params::same_len(indicator, "high", high.len(), "close", close.len())?;
    params::same_len(indicator, "high", high.len(), "out", out.len())
}

pub fn trange(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) -> Result<()> {
    check_hlc(NAME, high, low, close, out)?;
    let begin = params::first_valid_all(&[high, low, close]);
    params::fill_nan(out, begin + 1);
    if begin + 1 >= high.len() {
        return Ok(());
    }
    let rest = out[begin + 1..]
        .iter_mut()
        .zip(&high[begin + 1..])
        .zip(&low[begin + 1..])
        .zip(&close[begin..]);
    crate::with_simd!(for (((o, &h), &l), &pc) in rest {
        *o = true_range(h, l, pc);
    });
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct TrueRange {
    prev_close: Option<f64>,
    ready: bool,
    value: f64,
}

impl TrueRange {
    pub fn new() -> Self {
        Self {
            prev_close: None,
            ready: false,
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        match self.prev_close {
            None => {
                if !(high.is_nan() || low.is_nan() || close.is_nan()) {
                    self.prev_close = Some(close);
                }
                f64::NAN
            }
            Some(prev) => {
                self.prev_close = Some(close);
                self.ready = true;
                self.value = true_range(high, low, prev);
                self.value
            }
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ready
    }

    pub fn reset(&mut self) {
        *self = Self::new();
    }
}
