//! Volatility indicators.

pub mod atr;
pub mod trange;

pub use atr::{atr, natr, AverageTrueRange, NormalizedAverageTrueRange};
pub use trange::{trange, TrueRange};
