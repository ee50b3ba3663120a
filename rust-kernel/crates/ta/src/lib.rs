//! deepalpha-ta: technical indicators that reproduce TA-Lib's results exactly, as batch functions
//! over slices and as streaming structs whose outputs equal the batch outputs at every index.
//!
//! Conventions shared by every indicator:
//! - Parameters and lookbacks are TA-Lib's; outputs have the input's length with NaN in the
//!   lookback region (TA-Lib's Python alignment).
//! - Leading NaNs in the inputs are skipped, as TA-Lib's Python wrapper does; NaNs after the first
//!   valid value propagate through the same arithmetic TA-Lib performs.
//! - Batch functions write into a caller-provided `&mut [f64]` and allocate no scratch memory where
//!   the algorithm allows it.
//! - Invalid parameters and length mismatches return [`KernelError`]; nothing panics on user input.
//!
//! This crate has no Python dependency; `crates/python` binds it.

pub mod bank;
pub mod catalogue;
pub mod chain;
pub mod error;
pub mod extra;
pub mod momentum;
pub mod multi;
pub mod overlap;
pub mod params;
pub mod patterns;
pub mod price;
pub mod statistics;
pub mod volatility;
pub mod volume;
pub mod window;

#[cfg(test)]
pub(crate) mod testutil;

pub use error::{KernelError, Result};
