//! Indicators beyond TA-Lib's catalogue that traders expect: VWAP, Keltner and Donchian channels,
//! Supertrend, Ichimoku, Chaikin money flow, Hull and zero-lag moving averages.
//!
//! They follow the crate's conventions (outputs of the input's length with NaN over the lookback,
//! a batch function and a streaming struct per indicator, streaming == batch bit for bit), and
//! where the usual definition is built from TA-Lib pieces (EMA, WMA, ATR) they use the crate's
//! TA-Lib-exact versions of those pieces, so e.g. a Keltner middle band is exactly `ema()` of the
//! typical price. Formulas and alignment are documented per module and in docs/indicators.md.

pub mod block;
pub mod cmf;
pub mod donchian;
pub mod hma;
pub mod ichimoku;
pub mod keltner;
pub mod supertrend;
pub mod vwap;
pub mod zlema;

pub use cmf::{chaikin_money_flow, ChaikinMoneyFlow};
pub use donchian::{donchian, DonchianChannels};
pub use hma::{hma, HullMovingAverage};
pub use ichimoku::{ichimoku, Ichimoku};
pub use keltner::{keltner, KeltnerChannels};
pub use supertrend::{supertrend, Supertrend};
pub use vwap::{vwap, Vwap};
pub use zlema::{zlema, ZeroLagExponentialMovingAverage};

use crate::error::Result;
use crate::params;

/// Check that every input and output has the first input's length.
pub(crate) fn lens(
    indicator: &'static str,
    names: &[&'static str],
    inputs: &[&[f64]],
    outputs: &[&[f64]],
) -> Result<()> {
    for (name, s) in names.iter().zip(inputs).skip(1) {
        params::same_len(indicator, names[0], inputs[0].len(), name, s.len())?;
    }
    for o in outputs {
        params::same_len(indicator, names[0], inputs[0].len(), "out", o.len())?;
    }
    Ok(())
}
