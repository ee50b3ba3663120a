//! Overlap studies: moving averages and bands drawn over the price.

pub mod ema;
pub mod sma;

pub use ema::{ema, ExponentialMovingAverage};
pub use sma::{sma, SimpleMovingAverage};
