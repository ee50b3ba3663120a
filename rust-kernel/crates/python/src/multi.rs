//! Binding of `deepalpha_ta::multi`: one indicator over many symbols, on several cores.
//!
//! `data` is, per input of the indicator, either a 2-D float64 array (one row per symbol, all
//! symbols of the same length) or a list of 1-D float64 arrays (lengths may differ). A
//! one-input indicator takes that directly; others take a dict keyed by input name
//! (`{"high": ..., "low": ..., "close": ...}`). Outputs mirror the input: 2-D arrays, or lists
//! of 1-D arrays; several outputs come as a tuple, like the single-symbol functions.

use std::collections::HashMap;

use deepalpha_ta::multi::{self as kernel_multi, Indicator, Job};
use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::arrays::describe;
use crate::errors::{guard, kernel_error, to_py};

/// One input of every symbol.
enum Panel<'py> {
    /// A C-contiguous 2-D view (or a copy of a strided one): `rows` symbols of `cols` candles.
    Grid {
        view: Option<PyReadonlyArray2<'py, f64>>,
        copy: Vec<f64>,
        rows: usize,
        cols: usize,
    },
    List(Vec<ListItem<'py>>),
}

enum ListItem<'py> {
    View(PyReadonlyArray1<'py, f64>),
    Copied(Vec<f64>),
}

impl ListItem<'_> {
    fn as_slice(&self) -> &[f64] {
        match self {
            Self::View(v) => v.as_slice().unwrap_or(&[]),
            Self::Copied(v) => v,
        }
    }
}

impl Panel<'_> {
    fn symbols(&self) -> usize {
        match self {
            Self::Grid { rows, .. } => *rows,
            Self::List(items) => items.len(),
        }
    }

    fn row(&self, k: usize) -> &[f64] {
        match self {
            Self::Grid {
                view, copy, cols, ..
            } => {
                let all = match view {
                    Some(v) => v.as_slice().unwrap_or(&[]),
                    None => copy,
                };
                &all[k * cols..(k + 1) * cols]
            }
            Self::List(items) => items[k].as_slice(),
        }
    }
}

fn panel<'py>(name: &str, obj: &Bound<'py, PyAny>) -> PyResult<Panel<'py>> {
    if let Ok(array) = obj.cast::<PyArray2<f64>>() {
        let view = array.try_readonly().map_err(|_| {
            kernel_error(format!(
                "multi: {name} is being written elsewhere and cannot be read"
            ))
        })?;
        let (rows, cols) = (view.shape()[0], view.shape()[1]);
        if view.is_c_contiguous() {
            return Ok(Panel::Grid {
                view: Some(view),
                copy: Vec::new(),
                rows,
                cols,
            });
        }
        let copy = view.as_array().iter().copied().collect();
        return Ok(Panel::Grid {
            view: None,
            copy,
            rows,
            cols,
        });
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (k, item) in obj.try_iter()?.enumerate() {
            let item = item?;
            let array = item.cast::<PyArray1<f64>>().map_err(|_| {
                kernel_error(format!(
                    "multi: {name}[{k}] must be a 1-D numpy array of float64, got {}",
                    describe(&item)
                ))
            })?;
            let view = array.try_readonly().map_err(|_| {
                kernel_error(format!(
                    "multi: {name}[{k}] is being written elsewhere and cannot be read"
                ))
            })?;
            items.push(if view.is_contiguous() {
                ListItem::View(view)
            } else {
                ListItem::Copied(view.as_array().to_vec())
            });
        }
        return Ok(Panel::List(items));
    }
    Err(kernel_error(format!(
        "multi: {name} must be a 2-D float64 array (one row per symbol) or a list of 1-D float64 \
         arrays, got {}",
        describe(obj)
    )))
}

/// The panels of every input, in the indicator's input order.
fn panels<'py>(ind: &Indicator, data: &Bound<'py, PyAny>) -> PyResult<Vec<Panel<'py>>> {
    let names = ind.inputs();
    let Ok(dict) = data.cast::<PyDict>() else {
        if names.len() == 1 {
            return Ok(vec![panel(names[0], data)?]);
        }
        return Err(kernel_error(format!(
            "multi: {} takes {} inputs ({}): pass data as a dict keyed by those names",
            ind.name(),
            names.len(),
            names.join(", ")
        )));
    };
    for key in dict.keys() {
        let key: String = key.extract()?;
        if !names.contains(&key.as_str()) {
            return Err(kernel_error(format!(
                "multi: data has no input {key:?} for {}; its inputs are {}",
                ind.name(),
                names.join(", ")
            )));
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let value = dict.get_item(name)?.ok_or_else(|| {
            kernel_error(format!(
                "multi: data is missing input {name:?} of {} (inputs: {})",
                ind.name(),
                names.join(", ")
            ))
        })?;
        out.push(panel(name, &value)?);
    }
    let grid = |p: &Panel| match p {
        Panel::Grid { rows, cols, .. } => Some((*rows, *cols)),
        Panel::List(_) => None,
    };
    for (name, p) in names.iter().zip(&out).skip(1) {
        if grid(p).is_some() != grid(&out[0]).is_some() {
            return Err(kernel_error(format!(
                "multi: {} and {name} must both be 2-D arrays or both be lists",
                names[0]
            )));
        }
        if let (Some(a), Some(b)) = (grid(&out[0]), grid(p)) {
            if a != b {
                return Err(kernel_error(format!(
                    "multi: {} and {name} must have the same shape, got {a:?} and {b:?}",
                    names[0]
                )));
            }
        } else if p.symbols() != out[0].symbols() {
            return Err(kernel_error(format!(
                "multi: {} and {name} must list the same number of symbols, got {} and {}",
                names[0],
                out[0].symbols(),
                p.symbols()
            )));
        }
    }
    Ok(out)
}

/// Compute indicator `name` (lower-case, as the single-symbol function) for many symbols at once,
/// spread over `threads` cores (default: all), with the GIL released.
///
/// `data`: for a one-input indicator, a 2-D float64 array (one row per symbol) or a list of 1-D
/// float64 arrays; for others, a dict of those keyed by input name (`multi("atr", {"high": h,
/// "low": l, "close": c})`). `params`: the function's parameters by name (defaults as the
/// function's; unknown names are refused). Returns 2-D arrays for a 2-D input and lists of arrays
/// for a list, one per output (a tuple when there are several). Row `k` equals the single-symbol
/// function on symbol `k` exactly.
#[pyfunction]
#[pyo3(signature = (name, data, params = None, threads = None))]
pub fn multi<'py>(
    py: Python<'py>,
    name: &str,
    data: &Bound<'py, PyAny>,
    params: Option<HashMap<String, f64>>,
    threads: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut given: Vec<(&str, f64)> = params
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    given.sort_by(|a, b| a.0.cmp(b.0));
    let ind = kernel_multi::resolve(name, &given).map_err(to_py)?;
    let threads = match threads {
        None => None,
        Some(t) if t >= 1 => Some(t as usize),
        Some(t) => {
            return Err(kernel_error(format!(
                "multi: threads must be >= 1, got {t}"
            )))
        }
    };
    let panels = panels(&ind, data)?;
    let symbols = panels[0].symbols();
    let n_out = ind.outputs().len();
    let is_grid = matches!(panels[0], Panel::Grid { .. });

    if is_grid {
        let cols = match &panels[0] {
            Panel::Grid { cols, .. } => *cols,
            Panel::List(_) => 0,
        };
        // SAFETY: every element is written by the indicator (NaN prefix, then values) before
        // the arrays are returned; on an error they are dropped unread.
        let arrays: Vec<Bound<'py, PyArray2<f64>>> = (0..n_out)
            .map(|_| unsafe { PyArray2::<f64>::new(py, [symbols, cols], false) })
            .collect();
        {
            let mut views: Vec<_> = arrays.iter().map(|a| a.readwrite()).collect();
            let mut rows_of: Vec<Vec<&mut [f64]>> = Vec::with_capacity(n_out);
            for v in views.iter_mut() {
                let all = v
                    .as_slice_mut()
                    .map_err(|_| kernel_error("multi: internal error (layout)"))?;
                rows_of.push(split_rows(all, symbols, cols));
            }
            let mut jobs: Vec<Job> = (0..symbols)
                .map(|k| Job {
                    inputs: panels.iter().map(|p| p.row(k)).collect(),
                    outputs: Vec::with_capacity(n_out),
                })
                .collect();
            for rows in rows_of {
                for (job, row) in jobs.iter_mut().zip(rows) {
                    job.outputs.push(row);
                }
            }
            execute(py, &ind, &mut jobs, threads)?;
        }
        return if n_out == 1 {
            Ok(arrays[0].clone().into_any())
        } else {
            Ok(PyTuple::new(py, arrays)?.into_any())
        };
    }

    // SAFETY: as above, each array is fully written before it is returned.
    let arrays: Vec<Vec<Bound<'py, PyArray1<f64>>>> = (0..n_out)
        .map(|_| {
            (0..symbols)
                .map(|k| unsafe { PyArray1::<f64>::new(py, panels[0].row(k).len(), false) })
                .collect()
        })
        .collect();
    {
        let mut views: Vec<Vec<_>> = arrays
            .iter()
            .map(|list| list.iter().map(|a| a.readwrite()).collect())
            .collect();
        let mut jobs: Vec<Job> = (0..symbols)
            .map(|k| Job {
                inputs: panels.iter().map(|p| p.row(k)).collect(),
                outputs: Vec::with_capacity(n_out),
            })
            .collect();
        for list in views.iter_mut() {
            for (job, v) in jobs.iter_mut().zip(list.iter_mut()) {
                job.outputs.push(
                    v.as_slice_mut()
                        .map_err(|_| kernel_error("multi: internal error (layout)"))?,
                );
            }
        }
        execute(py, &ind, &mut jobs, threads)?;
    }
    let lists: Vec<Bound<'py, PyList>> = arrays
        .into_iter()
        .map(|list| PyList::new(py, list))
        .collect::<PyResult<_>>()?;
    if n_out == 1 {
        Ok(lists[0].clone().into_any())
    } else {
        Ok(PyTuple::new(py, lists)?.into_any())
    }
}

/// Cut a `rows x cols` buffer into its rows (also when `cols` is 0).
fn split_rows(mut all: &mut [f64], rows: usize, cols: usize) -> Vec<&mut [f64]> {
    let mut out = Vec::with_capacity(rows);
    for _ in 0..rows {
        let (row, rest) = all.split_at_mut(cols);
        out.push(row);
        all = rest;
    }
    out
}

fn execute(
    py: Python<'_>,
    ind: &Indicator,
    jobs: &mut [Job<'_>],
    threads: Option<usize>,
) -> PyResult<()> {
    let result = py
        .detach(|| guard("multi", || Ok(kernel_multi::run(ind, jobs, threads))))
        .map_err(kernel_error)?;
    result.map_err(|(k, e)| kernel_error(format!("multi: symbol {k}: {e}")))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(multi, m)?)?;
    Ok(())
}
