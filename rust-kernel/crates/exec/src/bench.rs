//! Measurements for `bench/execution.py` (exposed through the binding): the cost of each
//! pre-trade check and the matching throughput, timed in Rust.

use std::hint::black_box;
use std::time::Instant;

use crate::checks::{self, TokenBucket};
use crate::engine::{Bar, Engine, EngineConfig};
use crate::fixed::Dec;
use crate::instrument::InstrumentSpec;
use crate::order::{OrderRequest, Side};

fn per_call(iterations: u32, mut f: impl FnMut(u32)) -> f64 {
    let n = iterations.max(1);
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Nanoseconds per call of each pre-trade check.
pub fn pretrade_ns(iterations: u32) -> Vec<(&'static str, f64)> {
    let qty: Dec = "1.25".parse().unwrap_or(Dec::ONE);
    let price: Dec = "50123.45".parse().unwrap_or(Dec::ONE);
    let size_inc = Dec::new(1, 5);
    let price_inc = Dec::new(1, 2);
    let min = Dec::from_int(10).to_amount().unwrap_or_default();
    let max = Dec::from_int(1_000_000).to_amount();
    let notional = Dec::from_int(62_654).to_amount().unwrap_or_default();
    let mut bucket = TokenBucket::new(1_000_000, 1_000_000, 1000);
    vec![
        (
            "size_precision",
            per_call(iterations, |_| {
                let _ = black_box(checks::size_precision(
                    black_box(qty),
                    black_box(size_inc),
                    1,
                ));
            }),
        ),
        (
            "price_precision",
            per_call(iterations, |_| {
                let _ = black_box(checks::price_precision(
                    "price",
                    black_box(price),
                    black_box(price_inc),
                ));
            }),
        ),
        (
            "notional_limits",
            per_call(iterations, |_| {
                let _ = black_box(checks::notional_limits(black_box(notional), min, max));
            }),
        ),
        (
            "price_band",
            per_call(iterations, |i| {
                let _ = black_box(checks::price_band(
                    "price",
                    black_box(5_012_345 + (i % 7) as i64),
                    5_000_000,
                    500,
                ));
            }),
        ),
        (
            "rate_limit",
            per_call(iterations, |i| {
                let _ = black_box(bucket.take(black_box(i as i64)));
            }),
        ),
    ]
}

/// Submit `orders` limit and market orders over two symbols and match them all against one
/// bar each; returns `(orders, seconds for submit + match, seconds for matching alone)`.
pub fn matching_throughput(orders: u32) -> (u64, f64, f64) {
    let cfg = EngineConfig {
        allow_short: true,
        ..EngineConfig::default()
    };
    let Ok(mut engine) = Engine::new(cfg) else {
        return (0, 0.0, 0.0);
    };
    let spec = InstrumentSpec {
        price_increment: Dec::new(1, 2),
        size_increment: Dec::new(1, 3),
        ..InstrumentSpec::default()
    };
    let symbols = ["BTC/USD", "ETH/USD"];
    for s in symbols {
        let _ = engine.add_instrument(s, &spec);
    }
    let _ = engine.deposit("USD", Dec::from_int(1_000_000_000_000));
    let mut fills = Vec::with_capacity(orders as usize + 16);
    for s in symbols {
        let bar = Bar {
            ts: 1,
            open: 10_000,
            high: 10_100,
            low: 9_900,
            close: 10_000,
            volume: 1_000_000_000,
        };
        let _ = engine.on_bar(s, bar, &mut fills);
    }
    fills.clear();
    let start = Instant::now();
    for i in 0..orders {
        let symbol = symbols[(i % 2) as usize];
        let side = if i % 4 < 2 { Side::Buy } else { Side::Sell };
        let qty = Dec::new(1 + (i % 5) as i128, 3);
        let req = if i % 3 == 0 {
            OrderRequest::market(symbol, side, qty)
        } else {
            let offset = (i % 50) as i128;
            let p = match side {
                Side::Buy => 10_000 - offset,
                Side::Sell => 10_000 + offset,
            };
            OrderRequest::limit(symbol, side, qty, Dec::new(p, 2))
        };
        let _ = black_box(engine.submit(&req));
    }
    let submitted = start.elapsed().as_secs_f64();
    let match_start = Instant::now();
    for s in symbols {
        let bar = Bar {
            ts: 2,
            open: 10_000,
            high: 10_100,
            low: 9_900,
            close: 10_000,
            volume: 1_000_000_000,
        };
        let _ = engine.on_bar(s, bar, &mut fills);
    }
    let matched = match_start.elapsed().as_secs_f64();
    black_box(&fills);
    (orders as u64, submitted + matched, matched)
}
