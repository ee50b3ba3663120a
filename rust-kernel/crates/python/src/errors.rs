//! `KernelError` and the panic guard.
//!
//! Every error the kernel raises is a `deepalpha_kernel.KernelError` (a `ValueError`), carrying the
//! message of the Rust error unchanged. A Rust panic would surface as PyO3's `PanicException`, a
//! `BaseException` that slips past `except Exception`; `guard` turns it into a `KernelError` naming
//! the indicator instead, so no panic crosses into Python.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pyo3::create_exception!(
    deepalpha_kernel,
    KernelError,
    PyValueError,
    "Invalid input to a deepalpha_kernel function: the message names the argument and the value."
);

pub fn kernel_error(message: impl Into<String>) -> PyErr {
    KernelError::new_err(message.into())
}

pub fn to_py(err: deepalpha_ta::KernelError) -> PyErr {
    kernel_error(err.to_string())
}

/// Run pure-Rust work, converting both errors and panics into values (no `PyErr` is built here, so
/// this can run without the GIL).
pub fn guard<T>(
    indicator: &'static str,
    work: impl FnOnce() -> deepalpha_ta::Result<T>,
) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(err.to_string()),
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(format!(
                "{indicator}: internal error ({detail}); please report this as a bug"
            ))
        }
    }
}
