//! Statistics: variance, standard deviation, beta, correlation and the linear regressions.

pub mod stddev;
pub mod var;

pub use stddev::{stddev, StandardDeviation};
pub use var::{var, Variance};
