//! Binding of `deepalpha_ta::bank::Bank`: one PyO3 call per candle for many indicators.
//!
//! The bank owns one float64 numpy array that every `update` overwrites in place and returns, so
//! a per-candle call allocates nothing on either side of the boundary.

use std::collections::HashMap;

use deepalpha_ta::bank::Bank;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;

use crate::errors::{kernel_error, to_py};

/// Many streaming indicators of one symbol updated by one call per candle.
///
/// `Bank([("ema", {"timeperiod": 12}), ("rsi", {}), ("macd", {}), ("atr", {})])`; names are
/// TA-Lib's in lower case, missing parameters take TA-Lib's defaults, unknown ones are refused.
/// `update(open, high, low, close, volume)` feeds the candle to every member and returns the
/// bank's value array (the same array every time, overwritten in place); `labels` names each
/// position (`name.output` for several outputs, e.g. `macd.signal`, `stoch.slowd`). Every
/// indicator of `INDICATORS` can be a member (VWAP needs `ts=`, the candle's time); CORREL and
/// BETA take the candle columns to pair as `real0` and `real1` (0 open, 1 high, 2 low, 3 close,
/// 4 volume). Values equal the individual streaming classes'.
#[pyclass(module = "deepalpha_kernel", name = "Bank")]
pub struct PyBank {
    inner: Bank,
    values: Py<PyArray1<f64>>,
    needs_time: bool,
}

#[pymethods]
impl PyBank {
    #[new]
    fn new(
        py: Python<'_>,
        indicators: Vec<(String, Option<HashMap<String, f64>>)>,
    ) -> PyResult<Self> {
        let mut inner = Bank::new();
        for (name, params) in &indicators {
            let mut pairs: Vec<(&str, f64)> = params
                .iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), *v))
                .collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            inner.add(name, &pairs).map_err(to_py)?;
        }
        if inner.width() == 0 {
            return Err(kernel_error("bank: indicators must not be empty"));
        }
        let values = PyArray1::from_vec(py, vec![f64::NAN; inner.width()]).unbind();
        let needs_time = inner.needs_time();
        Ok(Self {
            inner,
            values,
            needs_time,
        })
    }

    /// Feed one candle to every indicator; returns the value array (updated in place). `ts`,
    /// the candle's time in epoch milliseconds, is required when the bank holds a VWAP.
    #[pyo3(signature = (open, high, low, close, volume, ts = None))]
    #[allow(clippy::too_many_arguments)]
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        ts: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let array = self.values.bind(py);
        // SAFETY: the bank created this array and never hands out a resizable reference; no Rust
        // borrow of it is alive, and the GIL is held, so no other thread writes it meanwhile.
        let out = unsafe { array.as_slice_mut() }
            .map_err(|_| kernel_error("bank: values array is no longer contiguous"))?;
        if out.len() != self.inner.width() {
            return Err(kernel_error("bank: values array was resized"));
        }
        match ts {
            Some(t) => self.inner.update_at(open, high, low, close, volume, t, out),
            None if self.needs_time => {
                return Err(kernel_error(
                    "bank: ts (the candle's time, epoch ms) is required: the bank holds a VWAP",
                ))
            }
            None => self.inner.update(open, high, low, close, volume, out),
        }
        Ok(array.clone())
    }

    /// The latest values (the array `update` returns).
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.values.bind(py).clone()
    }

    /// One label per value position, e.g. `ema_12`, `macd.signal`.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// Forget all history of every indicator.
    fn reset(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.reset();
        let array = self.values.bind(py);
        // SAFETY: as in `update`.
        if let Ok(out) = unsafe { array.as_slice_mut() } {
            out.fill(f64::NAN);
        }
        Ok(())
    }

    fn __len__(&self) -> usize {
        self.inner.width()
    }

    fn __repr__(&self) -> String {
        format!(
            "Bank({} values: {})",
            self.inner.width(),
            self.inner.labels().join(", ")
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBank>()?;
    Ok(())
}
