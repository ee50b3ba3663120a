//! The one error type of the crate.
//!
//! Every message starts with the indicator's lower-case name and names the offending argument and
//! its value, because the Python binding passes the text through unchanged to the user
//! (`sma: timeperiod must be >= 2, got 0`).

use std::fmt;

/// Why an indicator refused its input. Indicators never panic on bad input; they return this.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelError {
    /// A parameter is outside its valid range.
    InvalidParameter {
        indicator: &'static str,
        name: &'static str,
        value: String,
        expected: String,
    },
    /// Two inputs (or an input and the output buffer) have different lengths.
    LengthMismatch {
        indicator: &'static str,
        left: &'static str,
        left_len: usize,
        right: &'static str,
        right_len: usize,
    },
    /// An input holds a NaN after its first valid value, for an indicator that refuses gaps
    /// (see `params::first_valid_no_gaps`).
    NotANumber {
        indicator: &'static str,
        name: &'static str,
        index: usize,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidParameter {
                indicator,
                name,
                value,
                expected,
            } => {
                write!(f, "{indicator}: {name} {expected}, got {value}")
            }
            Self::LengthMismatch {
                indicator,
                left,
                left_len,
                right,
                right_len,
            } => write!(
                f,
                "{indicator}: {left} and {right} must have the same length, got {left_len} and \
                 {right_len}"
            ),
            Self::NotANumber {
                indicator,
                name,
                index,
            } => {
                write!(
                    f,
                    "{indicator}: {name} contains NaN at index {index}, after its first valid \
                     value; fill or drop the missing candles first (this indicator does not \
                     reproduce TA-Lib's output across a gap)"
                )
            }
        }
    }
}

impl std::error::Error for KernelError {}

/// Shorthand used by every indicator.
pub type Result<T> = std::result::Result<T, KernelError>;
