//! `deepalpha_kernel._native`: thin PyO3 bindings of the pure-Rust `deepalpha-ta` crate.
//!
//! One binding file per category of the Rust crate (`overlap.rs` binds `deepalpha_ta::overlap`);
//! the Python package `deepalpha_kernel` re-exports everything and checks `__version__` against its
//! own on load.

use pyo3::prelude::*;

mod arrays;
mod bank;
mod errors;
mod execution;
mod extra;
mod momentum;
mod multi;
mod overlap;
mod patterns;
mod price;
mod statistics;
mod stream;
mod volatility;
mod volume;

/// Version of the DeepAlpha plugin contract (`deepalpha.API_VERSION`) these bindings were built for.
const API_VERSION: u32 = 1;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("API_VERSION", API_VERSION)?;
    m.add("KernelError", m.py().get_type::<errors::KernelError>())?;
    // The one catalogue (deepalpha_ta::catalogue) that multi, Bank and Python's INDICATORS share.
    m.add(
        "INDICATOR_NAMES",
        pyo3::types::PyTuple::new(m.py(), deepalpha_ta::catalogue::INDICATORS)?,
    )?;
    overlap::register(m)?;
    momentum::register(m)?;
    volatility::register(m)?;
    patterns::register(m)?;
    price::register(m)?;
    statistics::register(m)?;
    volume::register(m)?;
    bank::register(m)?;
    extra::register(m)?;
    multi::register(m)?;
    execution::register(m)?;
    Ok(())
}
