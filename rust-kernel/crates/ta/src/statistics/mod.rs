//! Statistics: variance, standard deviation, beta, correlation and the linear regressions.

pub mod beta;
pub mod correl;
pub mod linearreg;
pub mod stddev;
pub mod var;

pub use beta::{beta, Beta};
pub use correl::{correl, Correlation};
pub use linearreg::{
    linearreg, linearreg_angle, linearreg_intercept, linearreg_slope, tsf, LinearRegression,
};
pub use stddev::{stddev, StandardDeviation};
pub use var::{var, Variance};
