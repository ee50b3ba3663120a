//! Crossing the boundary: numpy views in, owned arrays out.
//!
//! Inputs are borrowed read-only from contiguous float64 arrays without a copy; a non-contiguous
//! float64 array (a strided slice) is copied once, as TA-Lib's wrapper does. Any other dtype or
//! dimension is refused with a message naming the argument. Outputs are uninitialised numpy arrays
//! or Rust `Vec`s moved into numpy arrays (no copy, no zero-fill), or the caller's own `out=` buffer. The computation runs with the GIL
//! released.

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::errors::{guard, kernel_error};

/// One input array: a borrowed view or, when the array was strided, a contiguous copy.
pub enum Input<'py> {
    View(PyReadonlyArray1<'py, f64>),
    Copied(Vec<f64>),
}

impl Input<'_> {
    pub fn as_slice(&self) -> &[f64] {
        match self {
            // `as_slice` only fails for non-contiguous arrays, which `input` copies instead.
            Self::View(view) => view.as_slice().unwrap_or(&[]),
            Self::Copied(data) => data,
        }
    }
}

pub(crate) fn describe(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(array) = obj.cast::<PyUntypedArray>() {
        let dtype = array
            .dtype()
            .str()
            .map(|s| s.to_string())
            .unwrap_or_default();
        format!("a {}-D array of dtype {}", array.ndim(), dtype)
    } else {
        obj.get_type()
            .name()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "?".into())
    }
}

/// Borrow `obj` as a float64 vector for argument `name` of `indicator`.
pub fn input<'py>(
    indicator: &'static str,
    name: &'static str,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Input<'py>> {
    let array = obj.cast::<PyArray1<f64>>().map_err(|_| {
        kernel_error(format!(
            "{indicator}: {name} must be a 1-D numpy array of float64, got {}",
            describe(obj)
        ))
    })?;
    let view = array.try_readonly().map_err(|_| {
        kernel_error(format!(
            "{indicator}: {name} is being written elsewhere and cannot be read"
        ))
    })?;
    if view.is_contiguous() {
        Ok(Input::View(view))
    } else {
        Ok(Input::Copied(view.as_array().to_vec()))
    }
}

/// Inputs of one call, all of the same length (a mismatch names both arguments).
pub fn inputs<'py, const N: usize>(
    indicator: &'static str,
    args: [(&'static str, &Bound<'py, PyAny>); N],
) -> PyResult<[Input<'py>; N]> {
    let mut taken = Vec::with_capacity(N);
    for (name, obj) in args {
        taken.push(input(indicator, name, obj)?);
    }
    for i in 1..N {
        deepalpha_ta::params::same_len(
            indicator,
            args[0].0,
            taken[0].as_slice().len(),
            args[i].0,
            taken[i].as_slice().len(),
        )
        .map_err(crate::errors::to_py)?;
    }
    Ok(taken
        .try_into()
        .unwrap_or_else(|_| unreachable!("exactly N inputs were taken")))
}

/// Run a single-output indicator: `work(out)` fills the output. `out=` is written in place and
/// returned; otherwise a new array is returned.
pub fn run_into<'py>(
    py: Python<'py>,
    indicator: &'static str,
    len: usize,
    out: Option<&Bound<'py, PyAny>>,
    work: impl FnOnce(&mut [f64]) -> deepalpha_ta::Result<()> + Send,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    match out {
        None => {
            let array = fresh(py, len);
            {
                let mut view = array.readwrite();
                let slice = view
                    .as_slice_mut()
                    .map_err(|_| kernel_error(format!("{indicator}: internal error (layout)")))?;
                py.detach(|| guard(indicator, || work(slice)))
                    .map_err(kernel_error)?;
            }
            Ok(array)
        }
        Some(obj) => {
            let array = obj.cast::<PyArray1<f64>>().map_err(|_| {
                kernel_error(format!(
                    "{indicator}: out must be a 1-D numpy array of float64, got {}",
                    describe(obj)
                ))
            })?;
            let mut view = array.try_readwrite().map_err(|_| {
                kernel_error(format!(
                    "{indicator}: out must be a writeable array that does not share memory with \
                     the inputs"
                ))
            })?;
            let slice = view
                .as_slice_mut()
                .map_err(|_| kernel_error(format!("{indicator}: out must be C-contiguous")))?;
            if slice.len() != len {
                return Err(kernel_error(format!(
                    "{indicator}: out must have the inputs' length {len}, got {}",
                    slice.len()
                )));
            }
            py.detach(|| guard(indicator, || work(slice)))
                .map_err(kernel_error)?;
            drop(view);
            Ok(array.clone())
        }
    }
}

/// Run an indicator with `K` outputs, each a new array.
pub fn run_many<'py, const K: usize>(
    py: Python<'py>,
    indicator: &'static str,
    len: usize,
    work: impl FnOnce([&mut [f64]; K]) -> deepalpha_ta::Result<()> + Send,
) -> PyResult<[Bound<'py, PyArray1<f64>>; K]> {
    let arrays: [Bound<'py, PyArray1<f64>>; K] = std::array::from_fn(|_| fresh(py, len));
    {
        let mut views = arrays.each_ref().map(|a| a.readwrite());
        let mut slices = Vec::with_capacity(K);
        for view in views.iter_mut() {
            slices.push(
                view.as_slice_mut()
                    .map_err(|_| kernel_error(format!("{indicator}: internal error (layout)")))?,
            );
        }
        let slices: [&mut [f64]; K] = slices
            .try_into()
            .unwrap_or_else(|_| unreachable!("exactly K outputs were made"));
        py.detach(|| guard(indicator, || work(slices)))
            .map_err(kernel_error)?;
    }
    Ok(arrays)
}

/// A new float64 array of `len` elements, left uninitialised: the batch functions write every
/// element (NaN over the lookback, values after it), so a zero-fill pass would be wasted work.
fn fresh(py: Python<'_>, len: usize) -> Bound<'_, PyArray1<f64>> {
    // SAFETY: f64 has no invalid bit patterns and the array is fully written before it is
    // returned to Python; on an error it is dropped unread.
    unsafe { PyArray1::<f64>::new(py, len, false) }
}

/// Validate an integer parameter with the Rust crate's rule, turning the error into `KernelError`.
pub fn param<T>(checked: deepalpha_ta::Result<T>) -> PyResult<T> {
    checked.map_err(crate::errors::to_py)
}
