//! Balance of power (TA-Lib `BOP`): `(close - open) / (high - low)`, 0 when `high - low` is zero
//! or negative (TA-Lib's `TA_IS_ZERO_OR_NEG`). No lookback and no state: the stream is a function
//! of the candle.

use crate::error::Result;
use crate::params;

#[inline(always)]
pub fn balance(open: f64, high: f64, low: f64, close: f64) -> f64 {
    let range = high - low;
    // Divided whatever the range, then discarded when it is empty: the batch loop then reads
    // every column with plain vector loads (a division only under the condition made the
    // compiler mask the loads of `close` and `open`, slower than TA-Lib's scalar loop).
    let ratio = (close - open) / range;
    if params::is_zero_or_neg(range) {
        0.0
    } else {
        ratio
    }
}

/// Batch BOP. Like TA-Lib's wrapper, candles before the first one without NaN are NaN.
pub fn bop(open: &[f64], high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) -> Result<()> {
    params::same_len("bop", "open", open.len(), "high", high.len())?;
    params::same_len("bop", "open", open.len(), "low", low.len())?;
    params::same_len("bop", "open", open.len(), "close", close.len())?;
    params::same_len("bop", "open", open.len(), "out", out.len())?;
    let begin = params::first_valid_all(&[open, high, low, close]);
    params::fill_nan(out, begin);
    let (o, h, l, c) = (
        &open[begin..],
        &high[begin..],
        &low[begin..],
        &close[begin..],
    );
    crate::with_simd!(bop_loop(o, h, l, c, &mut out[begin..]));
    Ok(())
}

/// The batch loop: element-wise, vectorised (the division four lanes wide under AVX2; an empty
/// range gives 0 through a select).
#[inline(always)]
fn bop_loop(open: &[f64], high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    let rows = out.iter_mut().zip(open).zip(high).zip(low).zip(close);
    for ((((o, &op), &h), &l), &c) in rows {
        *o = balance(op, h, l, c);
    }
}

/// Streaming BOP (stateless apart from skipping leading NaN candles like the batch).
#[derive(Debug, Clone, Default)]
pub struct BalanceOfPower {
    started: bool,
    value: f64,
}

impl BalanceOfPower {
    pub fn new() -> Self {
        Self {
            started: false,
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, open: f64, high: f64, low: f64, close: f64) -> f64 {
        if !self.started {
            if open.is_nan() || high.is_nan() || low.is_nan() || close.is_nan() {
                return f64::NAN;
            }
            self.started = true;
        }
        self.value = balance(open, high, low, close);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.started
    }

    pub fn reset(&mut self) {
        *self = Self::new();
    }
}
