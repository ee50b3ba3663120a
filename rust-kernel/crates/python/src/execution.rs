//! `ExecutionEngine`: the binding of the pure-Rust `deepalpha-exec` engine.
//!
//! Requests are plain dicts (the seed's `{"symbol", "side", "type", "quantity"}` shape, plus
//! optional keys); numbers may be `int`, `float` (read through its shortest text, so `0.1` is
//! exactly 0.1), `str` or `decimal.Decimal`. Booked values come back as `Decimal`. A malformed
//! request raises `KernelError` (a `ValueError`) naming the field; an order the venue refuses
//! gets an id and status `"rejected"` with a reason code. Rust panics never cross into Python:
//! each call runs under `catch_unwind`, and an engine that panicked refuses further calls.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use deepalpha_exec as ex;
use ex::{Dec, Side};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyType};

use crate::errors::kernel_error;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Latency histogram: 10 ns buckets up to 100 us, then one overflow bucket.
const BUCKETS: usize = 10_000;
const BUCKET_NS: u64 = 10;

fn err(e: ex::ExecError) -> PyErr {
    kernel_error(e.to_string())
}

fn field_err(field: &str, message: impl std::fmt::Display) -> PyErr {
    kernel_error(format!("{field}: {message}"))
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// A decimal from an int, float, str or Decimal (never a bool).
fn dec(field: &str, v: &Bound<'_, PyAny>) -> PyResult<Dec> {
    if v.is_instance_of::<PyBool>() {
        return Err(field_err(field, "must be a number, got a bool"));
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Dec::from_f64(f.value()).map_err(|e| field_err(field, e));
    }
    if v.is_instance_of::<PyInt>() {
        let i: i128 = v.extract().map_err(|_| field_err(field, "is too large"))?;
        return Ok(Dec::new(i, 0));
    }
    let text = if let Ok(s) = v.cast::<PyString>() {
        s.to_str()?.to_string()
    } else if type_name(v) == "Decimal" {
        v.str()?.to_str()?.to_string()
    } else {
        return Err(field_err(
            field,
            format!(
                "must be a number (int, float, str or Decimal), got {}",
                type_name(v)
            ),
        ));
    };
    text.parse::<Dec>().map_err(|e| field_err(field, e))
}

fn text<'a>(field: &str, v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    v.cast::<PyString>()
        .map_err(|_| field_err(field, format!("must be a str, got {}", type_name(v))))?
        .to_str()
}

fn flag(field: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    v.cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| field_err(field, format!("must be a bool, got {}", type_name(v))))
}

fn int(field: &str, v: &Bound<'_, PyAny>) -> PyResult<i64> {
    if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
        return Err(field_err(
            field,
            format!("must be an int, got {}", type_name(v)),
        ));
    }
    v.extract::<i64>()
        .map_err(|_| field_err(field, "is out of range"))
}

/// `amount / lots` as a price (12 decimal places beyond the tick at most, rounded down).
fn average_price(ins: &ex::Instrument, amount: ex::Amount, lots: i64) -> Option<Dec> {
    if lots <= 0 {
        return None;
    }
    let per_tick = ins.notional(1, lots)?.0;
    if per_tick <= 0 {
        return None;
    }
    let (q, r) = (amount.0 / per_tick, amount.0 % per_tick);
    let mut k = 12u32;
    while k > 0 && r.checked_mul(10i128.pow(k)).is_none() {
        k -= 1;
    }
    let frac = r * 10i128.pow(k) / per_tick;
    let ticks = q.checked_mul(10i128.pow(k))?.checked_add(frac)?;
    Some(Dec::new(
        ticks.checked_mul(ins.price_increment.mant)?,
        ins.price_increment.scale + k,
    ))
}

fn to_decimal<'py>(py: Python<'py>, d: Dec) -> PyResult<Bound<'py, PyAny>> {
    DECIMAL
        .import(py, "decimal", "Decimal")?
        .call1((d.to_string(),))
}

const ORDER_KEYS: &str = "symbol, side, type (or order_type), quantity, price, stop_price, \
    stop_limit_price, trailing_amount, trailing_bps, stop_loss, take_profit, time_in_force, \
    post_only, reduce_only, position_side, ts, client_order_id";

fn parse_spec(
    obj: &Bound<'_, PyAny>,
    base: &ex::InstrumentSpec,
    path: &str,
) -> PyResult<ex::InstrumentSpec> {
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| field_err(path, format!("must be a dict, got {}", type_name(obj))))?;
    let mut spec = base.clone();
    for (k, v) in d.iter() {
        let key = text(path, &k)?.to_string();
        let f = format!("{path}.{key}");
        match key.as_str() {
            "price_increment" => spec.price_increment = dec(&f, &v)?,
            "size_increment" => spec.size_increment = dec(&f, &v)?,
            "min_size" => spec.min_size = dec(&f, &v)?,
            "min_notional" => spec.min_notional = dec(&f, &v)?,
            "max_notional" => {
                spec.max_notional = if v.is_none() {
                    None
                } else {
                    Some(dec(&f, &v)?)
                }
            }
            "maker_fee" => spec.maker_fee = dec(&f, &v)?,
            "taker_fee" => spec.taker_fee = dec(&f, &v)?,
            "quote" => spec.quote = Some(text(&f, &v)?.to_string()),
            _ => {
                return Err(field_err(
                    &f,
                    "unknown key; valid: price_increment, size_increment, min_size, \
                     min_notional, max_notional, maker_fee, taker_fee, quote",
                ))
            }
        }
    }
    Ok(spec)
}

/// DeepAlpha's execution engine (Rust): orders, matching against bars, trades and book
/// snapshots, exact balances and positions.
///
/// ``ExecutionEngine(config=None, **options)``; options (all optional): ``balances``
/// ({currency: amount}, default 100000 USD and 100000 USDT), ``instruments`` ({symbol: spec}),
/// ``default_instrument`` (spec), ``default_quote``, ``position_mode`` ("netting" or
/// "hedged"), ``allow_short``, ``initial_margin``, ``slippage`` ({"model": "none" | "fixed" |
/// "spread" | "impact", "bps" / "fallback_bps" / "k_bps"}), ``participation`` (fraction of
/// volume), ``price_band_bps``, ``rate_limit`` ({"per_second", "burst"}),
/// ``clock_units_per_second`` (1000: ms timestamps), ``fill_limit_on_touch``. A spec holds
/// ``price_increment``, ``size_increment``, ``min_size``, ``min_notional``, ``max_notional``,
/// ``maker_fee``, ``taker_fee``, ``quote``.
#[pyclass(module = "deepalpha_kernel", name = "ExecutionEngine", subclass)]
pub struct ExecutionEngine {
    engine: ex::Engine,
    histogram: Vec<u32>,
    total_ns: u128,
    timed: u64,
    max_ns: u64,
    running: bool,
    poisoned: bool,
    fills: Vec<ex::Fill>,
    /// Set by `restore_order` around its submission.
    restoring: bool,
}

impl ExecutionEngine {
    fn guard<T>(&mut self, what: &str, work: impl FnOnce(&mut Self) -> PyResult<T>) -> PyResult<T> {
        if self.poisoned {
            return Err(kernel_error(format!(
                "{what}: the engine stopped after an internal error; build a new one"
            )));
        }
        match catch_unwind(AssertUnwindSafe(|| work(self))) {
            Ok(r) => r,
            Err(_) => {
                self.poisoned = true;
                Err(kernel_error(format!(
                    "{what}: internal error in the execution engine; please report this as a bug"
                )))
            }
        }
    }

    fn record(&mut self, ns: u64) {
        let b = ((ns / BUCKET_NS) as usize).min(BUCKETS);
        self.histogram[b] += 1;
        self.total_ns += ns as u128;
        self.timed += 1;
        self.max_ns = self.max_ns.max(ns);
    }

    fn percentile_us(&self, q: f64) -> f64 {
        if self.timed == 0 {
            return 0.0;
        }
        let target = ((self.timed as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (i, &c) in self.histogram.iter().enumerate() {
            seen += c as u64;
            if seen >= target {
                if i == BUCKETS {
                    return self.max_ns as f64 / 1000.0;
                }
                return ((i as u64 + 1) * BUCKET_NS) as f64 / 1000.0;
            }
        }
        self.max_ns as f64 / 1000.0
    }

    fn submit_inner(&mut self, order: &Bound<'_, PyAny>) -> PyResult<u64> {
        let d = order.cast::<PyDict>().map_err(|_| {
            kernel_error(format!("order: must be a dict, got {}", type_name(order)))
        })?;
        let mut symbol: Option<Bound<'_, PyAny>> = None;
        let mut side = None;
        let mut kind_name: Option<String> = None;
        let mut quantity = None;
        let (mut price, mut stop, mut stop_limit) = (None, None, None);
        let (mut trail_amount, mut trail_bps) = (None, None);
        let (mut stop_loss, mut take_profit) = (None, None);
        let mut tif = ex::TimeInForce::Gtc;
        let (mut post_only, mut reduce_only) = (false, false);
        let mut position_side = None;
        let mut ts = None;
        let mut client: Option<Bound<'_, PyAny>> = None;
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| {
                kernel_error(format!("order: keys must be str, got {}", type_name(&k)))
            })?;
            let key = key.to_str()?;
            if v.is_none() {
                continue;
            }
            match key {
                "symbol" => {
                    let s = text("symbol", &v)?;
                    if s.trim().is_empty() {
                        return Err(field_err("symbol", "must not be empty"));
                    }
                    symbol = Some(v);
                }
                "side" => {
                    side = Some(match text("side", &v)? {
                        "buy" | "BUY" | "Buy" | "long" => Side::Buy,
                        "sell" | "SELL" | "Sell" | "short" => Side::Sell,
                        other => {
                            return Err(field_err(
                                "side",
                                format!("must be 'buy' or 'sell', got {other:?}"),
                            ))
                        }
                    })
                }
                "type" | "order_type" => {
                    let t = text(key, &v)?.to_ascii_lowercase().replace(['-', ' '], "_");
                    if let Some(prev) = &kind_name {
                        if *prev != t {
                            return Err(field_err(
                                key,
                                format!("conflicts with the other type key ({prev:?})"),
                            ));
                        }
                    }
                    kind_name = Some(t);
                }
                "quantity" | "amount" => quantity = Some(dec(key, &v)?),
                "price" | "limit_price" => price = Some(dec(key, &v)?),
                "stop_price" => stop = Some(dec(key, &v)?),
                "stop_limit_price" => stop_limit = Some(dec(key, &v)?),
                "trailing_amount" => trail_amount = Some(dec(key, &v)?),
                "trailing_bps" => trail_bps = Some(dec(key, &v)?),
                "stop_loss" => stop_loss = Some(dec(key, &v)?),
                "take_profit" => take_profit = Some(dec(key, &v)?),
                "time_in_force" => {
                    tif = match text(key, &v)?.to_ascii_lowercase().as_str() {
                        "gtc" => ex::TimeInForce::Gtc,
                        "ioc" => ex::TimeInForce::Ioc,
                        "fok" => ex::TimeInForce::Fok,
                        "post_only" | "gtx" => {
                            post_only = true;
                            ex::TimeInForce::Gtc
                        }
                        other => {
                            return Err(field_err(
                                key,
                                format!(
                                    "must be 'gtc', 'ioc', 'fok' or 'post_only', got {other:?}"
                                ),
                            ))
                        }
                    }
                }
                "post_only" => post_only |= flag(key, &v)?,
                "reduce_only" => reduce_only = flag(key, &v)?,
                "position_side" => {
                    position_side = Some(match text(key, &v)?.to_ascii_lowercase().as_str() {
                        "long" => ex::PositionSide::Long,
                        "short" => ex::PositionSide::Short,
                        "both" => ex::PositionSide::Both,
                        other => {
                            return Err(field_err(
                                key,
                                format!("must be 'long' or 'short', got {other:?}"),
                            ))
                        }
                    })
                }
                "ts" => ts = Some(int(key, &v)?),
                "client_order_id" => {
                    text(key, &v)?;
                    client = Some(v);
                }
                other => {
                    return Err(field_err(
                        &format!("order.{other}"),
                        format!("unknown key; valid keys: {ORDER_KEYS}"),
                    ))
                }
            }
        }
        let symbol = symbol.ok_or_else(|| field_err("symbol", "is required"))?;
        let symbol = symbol.cast::<PyString>()?.to_str()?;
        let side = side.ok_or_else(|| field_err("side", "is required ('buy' or 'sell')"))?;
        let quantity = quantity.ok_or_else(|| field_err("quantity", "is required"))?;
        let need = |v: Option<Dec>, name: &str, kind: &str| {
            v.ok_or_else(|| field_err(name, format!("is required for a {kind} order")))
        };
        let kind_str =
            kind_name
                .as_deref()
                .unwrap_or(if price.is_some() { "limit" } else { "market" });
        let kind = match kind_str {
            "market" => ex::RequestKind::Market,
            "limit" => ex::RequestKind::Limit { price: need(price, "price", "limit")? },
            "stop" | "stop_market" | "stop_loss" => ex::RequestKind::Stop { stop: need(stop, "stop_price", "stop")? },
            "stop_limit" => ex::RequestKind::StopLimit {
                stop: need(stop, "stop_price", "stop_limit")?,
                limit: need(price, "price", "stop_limit")?,
            },
            "trailing_stop" => ex::RequestKind::TrailingStop {
                trail: match (trail_amount, trail_bps) {
                    (Some(a), None) => ex::TrailSpec::Amount(a),
                    (None, Some(b)) => ex::TrailSpec::Bps(b),
                    _ => {
                        return Err(field_err(
                            "trailing_amount",
                            "a trailing_stop needs exactly one of trailing_amount and trailing_bps",
                        ))
                    }
                },
            },
            "bracket" => ex::RequestKind::Bracket {
                entry_limit: price,
                stop_loss: need(stop_loss, "stop_loss", "bracket")?,
                take_profit: need(take_profit, "take_profit", "bracket")?,
            },
            "oco" => ex::RequestKind::Oco {
                limit: need(price, "price", "oco")?,
                stop: need(stop, "stop_price", "oco")?,
                stop_limit,
            },
            other => {
                return Err(field_err(
                    "type",
                    format!(
                        "must be one of market, limit, stop, stop_limit, trailing_stop, bracket, oco; got {other:?}"
                    ),
                ))
            }
        };
        let unused = [
            (
                "price",
                price.is_some()
                    && matches!(
                        kind,
                        ex::RequestKind::Market
                            | ex::RequestKind::Stop { .. }
                            | ex::RequestKind::TrailingStop { .. }
                    ),
            ),
            (
                "stop_price",
                stop.is_some()
                    && !matches!(
                        kind,
                        ex::RequestKind::Stop { .. }
                            | ex::RequestKind::StopLimit { .. }
                            | ex::RequestKind::Oco { .. }
                    ),
            ),
            (
                "stop_limit_price",
                stop_limit.is_some() && !matches!(kind, ex::RequestKind::Oco { .. }),
            ),
            (
                "stop_loss",
                stop_loss.is_some() && !matches!(kind, ex::RequestKind::Bracket { .. }),
            ),
            (
                "take_profit",
                take_profit.is_some() && !matches!(kind, ex::RequestKind::Bracket { .. }),
            ),
            (
                "trailing_amount",
                trail_amount.is_some() && !matches!(kind, ex::RequestKind::TrailingStop { .. }),
            ),
            (
                "trailing_bps",
                trail_bps.is_some() && !matches!(kind, ex::RequestKind::TrailingStop { .. }),
            ),
        ];
        for (name, bad) in unused {
            if bad {
                return Err(field_err(
                    name,
                    format!("does not apply to a {kind_str} order"),
                ));
            }
        }
        let client_str = match &client {
            Some(c) => Some(c.cast::<PyString>()?.to_str()?),
            None => None,
        };
        let req = ex::OrderRequest {
            symbol,
            side,
            kind,
            quantity,
            tif,
            post_only,
            reduce_only,
            position_side,
            ts,
            client_id: client_str,
        };
        if self.restoring {
            self.engine.restore_order(&req).map_err(err)
        } else {
            self.engine.submit(&req).map_err(err)
        }
    }

    fn order_dict<'py>(&self, py: Python<'py>, o: &ex::Order) -> PyResult<Bound<'py, PyDict>> {
        let ins = &self.engine.instruments()[o.instrument];
        let d = PyDict::new(py);
        d.set_item(intern!(py, "id"), o.id)?;
        d.set_item(intern!(py, "symbol"), &ins.symbol)?;
        d.set_item(intern!(py, "side"), o.side.as_str())?;
        d.set_item(intern!(py, "type"), o.order_type.as_str())?;
        d.set_item(intern!(py, "status"), o.status.as_str())?;
        d.set_item(
            intern!(py, "quantity"),
            to_decimal(py, ins.size_dec(o.quantity))?,
        )?;
        d.set_item(
            intern!(py, "filled_quantity"),
            to_decimal(py, ins.size_dec(o.filled))?,
        )?;
        d.set_item(
            intern!(py, "remaining_quantity"),
            to_decimal(py, ins.size_dec(o.remaining()))?,
        )?;
        let price = |t: Option<i64>| -> PyResult<Bound<'py, PyAny>> {
            match t {
                Some(t) => to_decimal(py, ins.price_dec(t)),
                None => Ok(py.None().into_bound(py)),
            }
        };
        d.set_item(intern!(py, "price"), price(o.limit)?)?;
        d.set_item(intern!(py, "stop_price"), price(o.stop)?)?;
        let avg = match average_price(ins, o.fill_notional, o.filled) {
            Some(p) => to_decimal(py, p)?,
            None => py.None().into_bound(py),
        };
        d.set_item(intern!(py, "average_price"), avg)?;
        d.set_item(intern!(py, "fees"), to_decimal(py, o.fees.to_dec())?)?;
        d.set_item(intern!(py, "time_in_force"), o.tif.as_str())?;
        d.set_item(intern!(py, "post_only"), o.post_only)?;
        d.set_item(intern!(py, "reduce_only"), o.reduce_only)?;
        d.set_item(intern!(py, "position_side"), o.position_side.as_str())?;
        d.set_item(intern!(py, "triggered"), o.triggered)?;
        d.set_item(intern!(py, "ts"), o.ts)?;
        d.set_item(intern!(py, "parent_id"), o.parent)?;
        d.set_item(
            intern!(py, "children"),
            o.children.map(|(a, b)| vec![a, b]).unwrap_or_default(),
        )?;
        d.set_item(intern!(py, "oco_with"), o.oco)?;
        d.set_item(intern!(py, "client_order_id"), o.client_id.as_deref())?;
        match &o.reject {
            Some(r) => {
                d.set_item(intern!(py, "reason_code"), r.code.as_str())?;
                d.set_item(intern!(py, "reason"), &r.text)?;
            }
            None => {
                d.set_item(intern!(py, "reason_code"), py.None())?;
                d.set_item(intern!(py, "reason"), py.None())?;
            }
        }
        Ok(d)
    }

    fn fills_list<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for f in self.fills.drain(..) {
            let ins = &self.engine.instruments()[f.instrument];
            let d = PyDict::new(py);
            d.set_item(intern!(py, "order_id"), f.order_id)?;
            d.set_item(intern!(py, "symbol"), &ins.symbol)?;
            d.set_item(intern!(py, "side"), f.side.as_str())?;
            d.set_item(
                intern!(py, "price"),
                to_decimal(py, ins.price_dec(f.price))?,
            )?;
            d.set_item(
                intern!(py, "quantity"),
                to_decimal(py, ins.size_dec(f.quantity))?,
            )?;
            d.set_item(
                intern!(py, "notional"),
                to_decimal(py, f.notional.to_dec())?,
            )?;
            d.set_item(intern!(py, "fee"), to_decimal(py, f.fee.to_dec())?)?;
            d.set_item(intern!(py, "fee_currency"), &ins.quote)?;
            d.set_item(intern!(py, "liquidity"), f.liquidity.as_str())?;
            d.set_item(
                intern!(py, "realized_pnl"),
                to_decimal(py, f.realized.to_dec())?,
            )?;
            d.set_item(intern!(py, "position_side"), f.position_side.as_str())?;
            d.set_item(intern!(py, "ts"), f.ts)?;
            list.append(d)?;
        }
        Ok(list)
    }

    fn instrument_of(&self, symbol: &str) -> PyResult<usize> {
        self.engine
            .instrument_index(symbol)
            .ok_or_else(|| field_err("symbol", format!("unknown symbol {symbol:?}")))
    }

    fn build(
        config: Option<&Bound<'_, PyDict>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut cfg = ex::EngineConfig::default();
        let mut balances: Vec<(String, Dec)> = vec![
            ("USD".to_string(), Dec::from_int(100_000)),
            ("USDT".to_string(), Dec::from_int(100_000)),
        ];
        let mut instruments: Vec<(String, Bound<'_, PyAny>)> = Vec::new();
        let mut slippage: Option<Bound<'_, PyAny>> = None;
        let mut rate: Option<Bound<'_, PyAny>> = None;
        for source in [config, kwargs].into_iter().flatten() {
            for (k, v) in source.iter() {
                let key = text("config", &k)?.to_string();
                match key.as_str() {
                    "balances" => {
                        let d = v.cast::<PyDict>().map_err(|_| field_err("balances", "must be a dict {currency: amount}"))?;
                        balances.clear();
                        for (c, a) in d.iter() {
                            let c = text("balances", &c)?.to_string();
                            let a = dec(&format!("balances.{c}"), &a)?;
                            balances.push((c, a));
                        }
                    }
                    "instruments" => {
                        let d = v.cast::<PyDict>().map_err(|_| field_err("instruments", "must be a dict {symbol: spec}"))?;
                        for (s, spec) in d.iter() {
                            instruments.push((text("instruments", &s)?.to_string(), spec));
                        }
                    }
                    "default_instrument" => cfg.default_instrument = parse_spec(&v, &cfg.default_instrument, "default_instrument")?,
                    "default_quote" => cfg.default_quote = text(&key, &v)?.to_string(),
                    "position_mode" => {
                        cfg.position_mode = match text(&key, &v)? {
                            "netting" => ex::PositionMode::Netting,
                            "hedged" => ex::PositionMode::Hedged,
                            other => return Err(field_err(&key, format!("must be 'netting' or 'hedged', got {other:?}"))),
                        }
                    }
                    "allow_short" => cfg.allow_short = flag(&key, &v)?,
                    "initial_margin" => cfg.initial_margin = dec(&key, &v)?,
                    "slippage" => slippage = Some(v),
                    "participation" => cfg.participation = if v.is_none() { None } else { Some(dec(&key, &v)?) },
                    "price_band_bps" => cfg.price_band_bps = if v.is_none() { None } else { Some(int(&key, &v)?) },
                    "rate_limit" => rate = Some(v),
                    "clock_units_per_second" => cfg.clock_units_per_second = int(&key, &v)?,
                    "fill_limit_on_touch" => cfg.fill_limit_on_touch = flag(&key, &v)?,
                    "bar_matching" => {
                        cfg.bar_matching = match text(&key, &v)? {
                            "path" => ex::BarMatching::Path,
                            "arrival" => ex::BarMatching::Arrival,
                            other => return Err(field_err(&key, format!("must be 'path' or 'arrival', got {other:?}"))),
                        }
                    }
                    "account_rules" => {
                        cfg.account_rules = match text(&key, &v)? {
                            "margin" => ex::AccountRules::Margin,
                            "cash" => ex::AccountRules::Cash,
                            other => return Err(field_err(&key, format!("must be 'margin' or 'cash', got {other:?}"))),
                        }
                    }
                    "fee_increment" => cfg.fee_increment = if v.is_none() { None } else { Some(dec(&key, &v)?) },
                    _ => {
                        return Err(field_err(
                            &key,
                            "unknown option; valid: balances, instruments, default_instrument, default_quote, \
                             position_mode, allow_short, initial_margin, slippage, participation, \
                             price_band_bps, rate_limit, clock_units_per_second, fill_limit_on_touch, \
                             bar_matching, account_rules, fee_increment",
                        ))
                    }
                }
            }
        }
        if let Some(s) = slippage.filter(|s| !s.is_none()) {
            let d = s.cast::<PyDict>().map_err(|_| {
                field_err(
                    "slippage",
                    "must be a dict like {'model': 'fixed', 'bps': 5}",
                )
            })?;
            let mut model = "fixed".to_string();
            let mut bps = Dec::ZERO;
            for (k, v) in d.iter() {
                let key = text("slippage", &k)?.to_string();
                match key.as_str() {
                    "model" => model = text("slippage.model", &v)?.to_string(),
                    "bps" | "fallback_bps" | "k_bps" => bps = dec(&format!("slippage.{key}"), &v)?,
                    _ => {
                        return Err(field_err(
                            &format!("slippage.{key}"),
                            "unknown key; valid: model, bps, fallback_bps, k_bps",
                        ))
                    }
                }
            }
            cfg.slippage = match model.as_str() {
                "none" => ex::Slippage::None,
                "fixed" => ex::Slippage::FixedBps(bps),
                "spread" => ex::Slippage::Spread { fallback_bps: bps },
                "impact" => ex::Slippage::Impact { k_bps: bps },
                other => {
                    return Err(field_err(
                        "slippage.model",
                        format!("must be none, fixed, spread or impact, got {other:?}"),
                    ))
                }
            };
        }
        if let Some(r) = rate.filter(|r| !r.is_none()) {
            let d = r.cast::<PyDict>().map_err(|_| {
                field_err("rate_limit", "must be a dict {'per_second': n, 'burst': m}")
            })?;
            let mut per_second = 0i64;
            let mut burst = None;
            for (k, v) in d.iter() {
                let key = text("rate_limit", &k)?.to_string();
                match key.as_str() {
                    "per_second" => per_second = int("rate_limit.per_second", &v)?,
                    "burst" => burst = Some(int("rate_limit.burst", &v)?),
                    _ => {
                        return Err(field_err(
                            &format!("rate_limit.{key}"),
                            "unknown key; valid: per_second, burst",
                        ))
                    }
                }
            }
            let burst = burst.unwrap_or(per_second);
            let conv = |name: &str, v: i64| {
                u32::try_from(v)
                    .map_err(|_| field_err(name, format!("must be in 1..{}, got {v}", u32::MAX)))
            };
            cfg.rate_limit = Some((
                conv("rate_limit.per_second", per_second)?,
                conv("rate_limit.burst", burst)?,
            ));
        }
        let default_spec = cfg.default_instrument.clone();
        let mut engine = ex::Engine::new(cfg).map_err(err)?;
        for (symbol, spec) in instruments {
            let spec = parse_spec(&spec, &default_spec, &format!("instruments.{symbol}"))?;
            engine
                .add_instrument(&symbol, &spec)
                .map_err(|e| kernel_error(format!("instruments.{symbol}: {e}")))?;
        }
        for (c, a) in balances {
            engine
                .deposit(&c, a)
                .map_err(|e| kernel_error(format!("balances.{c}: {e}")))?;
        }
        Ok(ExecutionEngine {
            engine,
            histogram: vec![0; BUCKETS + 1],
            total_ns: 0,
            timed: 0,
            max_ns: 0,
            running: false,
            poisoned: false,
            fills: Vec::new(),
            restoring: false,
        })
    }
}

#[pymethods]
impl ExecutionEngine {
    #[new]
    #[pyo3(signature = (config = None, **options))]
    fn new(
        config: Option<&Bound<'_, PyDict>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        match catch_unwind(AssertUnwindSafe(|| Self::build(config, options))) {
            Ok(r) => r,
            Err(_) => Err(kernel_error(
                "ExecutionEngine: internal error while building the engine",
            )),
        }
    }

    /// Mark the engine running (kept for the seed's usage; orders are accepted either way).
    fn start(&mut self) {
        self.running = true;
    }

    /// Mark the engine stopped.
    fn stop(&mut self) {
        self.running = false;
    }

    /// Whether ``start()`` was called (and ``stop()`` not since).
    #[getter]
    fn running(&self) -> bool {
        self.running
    }

    /// Submit an order dict; returns its id (an int). A refused order also gets an id: read its
    /// status and ``reason_code`` with ``get_order``. Raises ``KernelError`` (``ValueError``)
    /// for a malformed dict, naming the field.
    fn submit_order(&mut self, order: &Bound<'_, PyAny>) -> PyResult<u64> {
        let start = Instant::now();
        let id = self.guard("submit_order", |s| s.submit_inner(order))?;
        let ns = start.elapsed().as_nanos() as u64;
        self.record(ns);
        Ok(id)
    }

    /// Cancel an open order; ``False`` if it had already ended.
    fn cancel_order(&mut self, order_id: &Bound<'_, PyAny>) -> PyResult<bool> {
        let id = int("order_id", order_id)?;
        let id = u64::try_from(id).map_err(|_| field_err("order_id", format!("no order {id}")))?;
        self.guard("cancel_order", |s| s.engine.cancel(id).map_err(err))
    }

    /// Match the symbol's open orders against one OHLCV bar (``ts`` in ms, after the previous
    /// bar). Returns the fills as dicts with ``Decimal`` amounts.
    #[pyo3(signature = (symbol, ts, open, high, low, close, volume = 0.0))]
    #[allow(clippy::too_many_arguments)]
    fn on_bar<'py>(
        &mut self,
        py: Python<'py>,
        symbol: &str,
        ts: i64,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.guard("on_bar", |s| {
            let inst = match s.engine.instrument_index(symbol) {
                Some(i) => i,
                None => {
                    let spec = s.engine.config().default_instrument.clone();
                    s.engine.add_instrument(symbol, &spec).map_err(err)?
                }
            };
            let ins = &s.engine.instruments()[inst];
            if s.engine.config().bar_matching == ex::BarMatching::Arrival {
                let px = |name: &str, v: f64| -> PyResult<Dec> {
                    if !v.is_finite() {
                        return Err(field_err(name, format!("must be a finite price, got {v}")));
                    }
                    Dec::from_f64(v).map_err(|e| field_err(name, e))
                };
                let (o, h, l, c) = (
                    px("open", open)?,
                    px("high", high)?,
                    px("low", low)?,
                    px("close", close)?,
                );
                let lots = ins.lots_from_f64("volume", volume).map_err(err)?;
                let mut fills = std::mem::take(&mut s.fills);
                let r = s
                    .engine
                    .on_bar_exact(symbol, ts, o, h, l, c, lots, &mut fills);
                s.fills = fills;
                r.map_err(err)?;
                return s.fills_list(py);
            }
            let bar = ex::Bar {
                ts,
                open: ins.ticks_from_f64("open", open).map_err(err)?,
                high: ins.ticks_from_f64("high", high).map_err(err)?,
                low: ins.ticks_from_f64("low", low).map_err(err)?,
                close: ins.ticks_from_f64("close", close).map_err(err)?,
                volume: ins.lots_from_f64("volume", volume).map_err(err)?,
            };
            let mut fills = std::mem::take(&mut s.fills);
            let r = s.engine.on_bar(symbol, bar, &mut fills);
            s.fills = fills;
            r.map_err(err)?;
            s.fills_list(py)
        })
    }

    /// Re-create an order a restart found resting (a dict as ``submit_order``'s): it gets its
    /// reservation but not the position, cash and price checks it passed when first submitted.
    fn restore_order(&mut self, order: &Bound<'_, PyAny>) -> PyResult<u64> {
        self.restoring = true;
        let r = self.guard("restore_order", |s| s.submit_inner(order));
        self.restoring = false;
        r
    }

    /// Book a fill made before a restart (rebuilding the account from stored fills): position,
    /// cash, fees and realised PnL move as that fill moved them; no order is created.
    fn restore_fill(
        &mut self,
        symbol: &str,
        side: &str,
        quantity: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        fee: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let side = match side {
            "buy" => Side::Buy,
            "sell" => Side::Sell,
            other => {
                return Err(field_err(
                    "side",
                    format!("must be 'buy' or 'sell', got {other:?}"),
                ))
            }
        };
        let (q, p, f) = (
            dec("quantity", quantity)?,
            dec("price", price)?,
            dec("fee", fee)?,
        );
        self.guard("restore_fill", |s| {
            s.engine.restore_fill(symbol, side, q, p, f).map_err(err)
        })
    }

    /// Set the symbol's last price (to the nearest tick): what a market order is checked at
    /// before the symbol's next bar.
    fn set_last_price(&mut self, symbol: &str, price: &Bound<'_, PyAny>) -> PyResult<()> {
        let p = dec("price", price)?;
        self.guard("set_last_price", |s| {
            s.engine.set_last_price(symbol, p).map_err(err)
        })
    }

    /// Match against one trade print. Returns the fills.
    fn on_trade<'py>(
        &mut self,
        py: Python<'py>,
        symbol: &str,
        ts: i64,
        price: &Bound<'py, PyAny>,
        size: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (p, q) = (dec("price", price)?, dec("size", size)?);
        self.guard("on_trade", |s| {
            let inst = s.ensure(symbol)?;
            let ins = &s.engine.instruments()[inst];
            let p = p
                .round_units(ins.price_increment, ex::fixed::Round::Nearest)
                .ok_or_else(|| field_err("price", "is out of range"))?;
            let q = q
                .round_units(ins.size_increment, ex::fixed::Round::Floor)
                .ok_or_else(|| field_err("size", "is out of range"))?;
            let mut fills = std::mem::take(&mut s.fills);
            let r = s.engine.on_trade(symbol, ts, p, q, &mut fills);
            s.fills = fills;
            r.map_err(err)?;
            s.fills_list(py)
        })
    }

    /// Match against a book snapshot: ``bids`` and ``asks`` as ``[(price, size), ...]`` best
    /// first. Returns the fills.
    fn on_book<'py>(
        &mut self,
        py: Python<'py>,
        symbol: &str,
        ts: i64,
        bids: &Bound<'py, PyAny>,
        asks: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.guard("on_book", |s| {
            let inst = s.ensure(symbol)?;
            let ins = s.engine.instruments()[inst].clone();
            let levels = |name: &str, obj: &Bound<'py, PyAny>| -> PyResult<Vec<(i64, i64)>> {
                let mut out = Vec::new();
                for (i, item) in obj
                    .try_iter()
                    .map_err(|_| field_err(name, "must be a list of (price, size)"))?
                    .enumerate()
                {
                    let item = item?;
                    let f = format!("{name}[{i}]");
                    let (p, q): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item
                        .extract()
                        .map_err(|_| field_err(&f, "must be a (price, size) pair"))?;
                    let p = dec(&f, &p)?
                        .round_units(ins.price_increment, ex::fixed::Round::Nearest)
                        .ok_or_else(|| field_err(&f, "price out of range"))?;
                    let q = dec(&f, &q)?
                        .round_units(ins.size_increment, ex::fixed::Round::Floor)
                        .ok_or_else(|| field_err(&f, "size out of range"))?;
                    out.push((p, q));
                }
                Ok(out)
            };
            let (b, a) = (levels("bids", bids)?, levels("asks", asks)?);
            let mut fills = std::mem::take(&mut s.fills);
            let r = s.engine.on_book(symbol, ts, &b, &a, &mut fills);
            s.fills = fills;
            r.map_err(err)?;
            s.fills_list(py)
        })
    }

    /// The order as a dict (status, quantities, prices, fees, links, reason), or ``None``.
    fn get_order<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = int("order_id", order_id)?;
        match u64::try_from(id).ok().and_then(|id| self.engine.order(id)) {
            Some(o) => Ok(self.order_dict(py, o)?.into_any()),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// Open orders (accepted or partially filled), optionally of one symbol.
    #[pyo3(signature = (symbol = None))]
    fn open_orders<'py>(
        &self,
        py: Python<'py>,
        symbol: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        let only = match symbol {
            Some(s) => Some(self.instrument_of(s)?),
            None => None,
        };
        for o in self.engine.orders() {
            if o.status.is_open() && only.is_none_or(|i| i == o.instrument) {
                list.append(self.order_dict(py, o)?)?;
            }
        }
        Ok(list)
    }

    /// Non-flat positions: ``{symbol: {...}}`` in netting mode, ``{"SYMBOL:long": {...}}`` in
    /// hedged mode; quantity (signed), cost basis, average price, realised and unrealised PnL.
    fn positions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let hedged = self.engine.config().position_mode == ex::PositionMode::Hedged;
        for (i, ins) in self.engine.instruments().iter().enumerate() {
            let legs = self.engine.position_legs(i);
            for (leg, p) in legs.iter().enumerate() {
                if !hedged && leg == 1 {
                    continue;
                }
                if p.quantity == 0 && p.realized == ex::Amount::ZERO {
                    continue;
                }
                let d = PyDict::new(py);
                d.set_item("symbol", &ins.symbol)?;
                d.set_item(
                    "side",
                    if hedged {
                        if leg == 0 {
                            "long"
                        } else {
                            "short"
                        }
                    } else {
                        "both"
                    },
                )?;
                d.set_item("quantity", to_decimal(py, ins.size_dec(p.quantity))?)?;
                d.set_item("cost_basis", to_decimal(py, p.basis.to_dec())?)?;
                match average_price(ins, p.basis, p.quantity.abs()) {
                    Some(a) => d.set_item("average_price", to_decimal(py, a)?)?,
                    None => d.set_item("average_price", py.None())?,
                }
                d.set_item("realized_pnl", to_decimal(py, p.realized.to_dec())?)?;
                match self.engine.unrealized(i, leg) {
                    Some(u) => d.set_item("unrealized_pnl", to_decimal(py, u.to_dec())?)?,
                    None => d.set_item("unrealized_pnl", py.None())?,
                }
                d.set_item(
                    "mark_price",
                    ins.last_price
                        .map(|t| to_decimal(py, ins.price_dec(t)))
                        .transpose()?,
                )?;
                d.set_item("currency", &ins.quote)?;
                let key = if hedged {
                    format!("{}:{}", ins.symbol, if leg == 0 { "long" } else { "short" })
                } else {
                    ins.symbol.clone()
                };
                out.set_item(key, d)?;
            }
        }
        Ok(out)
    }

    /// Cash per currency: ``{currency: {"total", "free", "locked", "fees", "realized_pnl"}}``
    /// (locked = held for open orders and short positions).
    fn balances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for l in self.engine.ledgers() {
            let d = PyDict::new(py);
            d.set_item("total", to_decimal(py, l.cash.to_dec())?)?;
            d.set_item(
                "free",
                to_decimal(py, l.free().unwrap_or_default().to_dec())?,
            )?;
            d.set_item(
                "locked",
                to_decimal(py, l.locked().unwrap_or_default().to_dec())?,
            )?;
            d.set_item("fees", to_decimal(py, l.fees.to_dec())?)?;
            d.set_item("realized_pnl", to_decimal(py, l.realized.to_dec())?)?;
            out.set_item(&l.currency, d)?;
        }
        Ok(out)
    }

    /// Counters and submit latency: ``total_orders``, ``accepted``, ``rejected``, ``cancelled``,
    /// ``expired``, ``filled``, ``fills``, ``rejections`` ({code: count}, venue cancellations
    /// included), ``avg_execution_time_us``, ``p50_execution_time_us``,
    /// ``p99_execution_time_us``, ``max_execution_time_us`` (timed in Rust around each
    /// ``submit_order``, dict parsing included; 10 ns resolution).
    fn get_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.engine.counts();
        let d = PyDict::new(py);
        d.set_item("total_orders", c.submitted)?;
        d.set_item("accepted", c.accepted)?;
        d.set_item("rejected", c.rejected)?;
        d.set_item("cancelled", c.cancelled)?;
        d.set_item("expired", c.expired)?;
        d.set_item("filled", c.filled)?;
        d.set_item("fills", c.fills)?;
        let by = PyDict::new(py);
        for (code, n) in ex::RejectCode::ALL.iter().zip(c.by_code.iter()) {
            if *n > 0 {
                by.set_item(code.as_str(), n)?;
            }
        }
        d.set_item("rejections", by)?;
        let avg = if self.timed > 0 {
            self.total_ns as f64 / self.timed as f64 / 1000.0
        } else {
            0.0
        };
        d.set_item("avg_execution_time_us", avg)?;
        d.set_item("p50_execution_time_us", self.percentile_us(0.50))?;
        d.set_item("p99_execution_time_us", self.percentile_us(0.99))?;
        d.set_item("max_execution_time_us", self.max_ns as f64 / 1000.0)?;
        Ok(d)
    }

    /// Benchmark helper: nanoseconds per call of each pre-trade check, timed in Rust.
    #[staticmethod]
    #[pyo3(signature = (iterations = 1_000_000))]
    fn bench_pretrade_checks(py: Python<'_>, iterations: u32) -> PyResult<Bound<'_, PyDict>> {
        let rows = py.detach(|| ex::bench::pretrade_ns(iterations));
        let d = PyDict::new(py);
        for (name, ns) in rows {
            d.set_item(name, ns)?;
        }
        Ok(d)
    }

    /// Benchmark helper: submit ``orders`` orders over two symbols and match them against one
    /// bar each, in Rust; returns ``orders``, ``seconds`` (submit and match) and
    /// ``match_seconds``.
    #[staticmethod]
    #[pyo3(signature = (orders = 1_000_000))]
    fn bench_matching(py: Python<'_>, orders: u32) -> PyResult<Bound<'_, PyDict>> {
        let (n, total, matching) = py.detach(|| ex::bench::matching_throughput(orders));
        let d = PyDict::new(py);
        d.set_item("orders", n)?;
        d.set_item("seconds", total)?;
        d.set_item("match_seconds", matching)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let c = self.engine.counts();
        format!(
            "ExecutionEngine(orders={}, instruments={}, running={})",
            c.submitted,
            self.engine.instruments().len(),
            self.running
        )
    }
}

impl ExecutionEngine {
    fn ensure(&mut self, symbol: &str) -> PyResult<usize> {
        match self.engine.instrument_index(symbol) {
            Some(i) => Ok(i),
            None => {
                let spec = self.engine.config().default_instrument.clone();
                self.engine.add_instrument(symbol, &spec).map_err(err)
            }
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ExecutionEngine>()?;
    Ok(())
}
