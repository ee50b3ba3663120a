//! deepalpha-ta: technical indicators that reproduce TA-Lib's results (to the last bit, or to
//! rounding where a re-associated evaluation makes them faster), as batch functions over slices
//! and as streaming structs whose outputs equal the batch outputs at every index, bit for bit.
//!
//! Conventions shared by every indicator:
//! - Parameters and lookbacks are TA-Lib's; outputs have the input's length with NaN in the
//!   lookback region (TA-Lib's Python alignment).
//! - Leading NaNs in the inputs are skipped, as TA-Lib's Python wrapper does. A NaN after the
//!   first valid value goes through the arithmetic TA-Lib performs, except in the indicators that
//!   cannot reproduce TA-Lib across such a gap: their batch functions refuse it with
//!   [`KernelError::NotANumber`] (see `params::first_valid_no_gaps`).
//! - Recurrences (EMA, Wilder's smoothing, running sums) run in anchored blocks ([`chain`]), which
//!   removes TA-Lib's per-candle dependency chain; loops without one run at AVX2 width where the
//!   CPU has it (`with_simd!`), with the same IEEE operations, so results never depend on the CPU.
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
