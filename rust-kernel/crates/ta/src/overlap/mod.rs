//! Overlap studies: moving averages and bands drawn over the price.

pub mod bbands;
pub mod dema;
pub mod ema;
pub mod kama;
pub mod midpoint;
pub mod sma;
pub mod trima;
pub mod wma;

pub use bbands::{bbands, BollingerBands};
pub use dema::{
    dema, tema, trix, DoubleExponentialMovingAverage, TripleExponentialMovingAverage, Trix,
};
pub use ema::{ema, ExponentialMovingAverage};
pub use kama::{kama, KaufmanAdaptiveMovingAverage};
pub use midpoint::{midpoint, midprice, MidPoint, MidPrice};
pub use sma::{sma, SimpleMovingAverage};
pub use trima::{trima, TriangularMovingAverage};
pub use wma::{wma, WeightedMovingAverage};
