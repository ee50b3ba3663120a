//! A macro for the common streaming class shape: one float in, one float out, one period.

/// `period_stream!(PyName, "name", RustType, param, default, "doc")` defines a `#[pyclass]`
/// wrapping `RustType` with `update(x)`, `value`, `is_ready`, `reset()` and the parameter as a
/// read-only attribute.
#[macro_export]
macro_rules! period_stream {
    ($py_name:ident, $label:literal, $rust:ty, $check:path, $param:ident = $default:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyo3::pyclass(module = "deepalpha_kernel", name = $label)]
        pub struct $py_name {
            inner: $rust,
            $param: usize,
        }

        #[pyo3::pymethods]
        impl $py_name {
            #[new]
            #[pyo3(signature = ($param = $default))]
            fn new($param: i64) -> pyo3::PyResult<Self> {
                let $param = $crate::arrays::param($check($param))?;
                let inner = <$rust>::new($param).map_err($crate::errors::to_py)?;
                Ok(Self { inner, $param })
            }

            /// Feed the next value; returns the indicator (NaN until ready).
            fn update(&mut self, x: f64) -> f64 {
                self.inner.update(x)
            }

            /// The last value produced (NaN before the first).
            #[getter]
            fn value(&self) -> f64 {
                self.inner.value()
            }

            /// True once the indicator has produced a value.
            #[getter]
            fn is_ready(&self) -> bool {
                self.inner.is_ready()
            }

            /// Forget all history, as if newly constructed.
            fn reset(&mut self) {
                self.inner.reset()
            }

            #[getter]
            fn $param(&self) -> usize {
                self.$param
            }

            fn __repr__(&self) -> String {
                format!("{}({}={})", $label, stringify!($param), self.$param)
            }
        }
    };
}

/// `period_fn!(name, "name", check, batch, param = default, "doc")` defines the batch function
/// `name(real, param=default, *, out=None)` of a one-input, one-output, one-period indicator.
#[macro_export]
macro_rules! period_fn {
    ($fn:ident, $label:literal, $check:path, $batch:path, $param:ident = $default:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyo3::pyfunction]
        #[pyo3(signature = (real, $param = $default, *, out = None))]
        pub fn $fn<'py>(
            py: pyo3::Python<'py>,
            real: &pyo3::Bound<'py, pyo3::PyAny>,
            $param: i64,
            out: Option<&pyo3::Bound<'py, pyo3::PyAny>>,
        ) -> pyo3::PyResult<pyo3::Bound<'py, numpy::PyArray1<f64>>> {
            let period = $crate::arrays::param($check($param))?;
            let [real] = $crate::arrays::inputs($label, [("real", real)])?;
            let x = real.as_slice();
            $crate::arrays::run_into(py, $label, x.len(), out, |o| $batch(x, period, o))
        }
    };
}
