//! Volatility indicators.

pub mod atr;
pub mod trange;

pub use atr::{atr, AverageTrueRange};
pub use trange::{trange, TrueRange};
