//! Momentum indicators: oscillators of the rate and direction of price change.

pub mod macd;
pub mod rsi;

pub use macd::{macd, Macd};
pub use rsi::{rsi, RelativeStrengthIndex};
