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
