//! Overlap studies: moving averages and bands drawn over the price.

pub mod bbands;
pub(crate) mod cascade;
pub mod dema;
pub mod ema;
pub mod kama;
pub mod midpoint;
pub mod sar;
pub mod sma;
pub mod t3;
pub mod trima;
pub mod wma;

pub use bbands::{bbands, BollingerBands};
pub use dema::{
    dema, tema, trix, DoubleExponentialMovingAverage, TripleExponentialMovingAverage, Trix,
};
pub use ema::{ema, ExponentialMovingAverage};
pub use kama::{kama, KaufmanAdaptiveMovingAverage};
pub use midpoint::{midpoint, midprice, MidPoint, MidPrice};
pub use sar::{sar, ParabolicSar};
pub use sma::{sma, SimpleMovingAverage};
pub use t3::{t3, T3};
pub use trima::{trima, TriangularMovingAverage};
pub use wma::{wma, WeightedMovingAverage};
