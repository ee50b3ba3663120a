//! Randomised invariants (fixed seeds, so failures reproduce): thousands of random orders of
//! every type over two symbols and random bars, trades and books; after every event the books
//! must agree with the fills, recomputed here from the fills alone.

use std::collections::HashMap;

use deepalpha_exec::*;

/// SplitMix64: small, fast and good enough to drive tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

const SYMBOLS: [&str; 2] = ["BTC/USD", "ETH/USD"];

fn dec_ticks(t: i64) -> Dec {
    Dec::new(t as i128, 2)
}

fn random_request<'a>(rng: &mut Rng, symbol: &'a str, last: i64, hedged: bool) -> OrderRequest<'a> {
    let side = if rng.below(2) == 0 {
        Side::Buy
    } else {
        Side::Sell
    };
    let qty = Dec::new(rng.range(1, 3000) as i128, 3);
    let off = |rng: &mut Rng| rng.range(-300, 300);
    let p = |rng: &mut Rng| dec_ticks((last + off(rng)).max(1));
    let kind = match rng.below(8) {
        0 | 1 => RequestKind::Market,
        2 | 3 => RequestKind::Limit { price: p(rng) },
        4 => RequestKind::Stop { stop: p(rng) },
        5 => RequestKind::StopLimit {
            stop: p(rng),
            limit: p(rng),
        },
        6 => {
            if rng.below(2) == 0 {
                RequestKind::TrailingStop {
                    trail: TrailSpec::Amount(Dec::new(rng.range(1, 300) as i128, 2)),
                }
            } else {
                RequestKind::TrailingStop {
                    trail: TrailSpec::Bps(Dec::from_int(rng.range(1, 300))),
                }
            }
        }
        _ => {
            let (a, b) = (last - rng.range(1, 400), last + rng.range(1, 400));
            if rng.below(2) == 0 {
                let (sl, tp) = if side == Side::Buy { (a, b) } else { (b, a) };
                RequestKind::Bracket {
                    entry_limit: if rng.below(2) == 0 {
                        Some(p(rng))
                    } else {
                        None
                    },
                    stop_loss: dec_ticks(sl.max(1)),
                    take_profit: dec_ticks(tp.max(1)),
                }
            } else {
                let (limit, stop) = if side == Side::Buy { (a, b) } else { (b, a) };
                RequestKind::Oco {
                    limit: dec_ticks(limit.max(1)),
                    stop: dec_ticks(stop.max(1)),
                    stop_limit: None,
                }
            }
        }
    };
    let tif = match rng.below(6) {
        0 => TimeInForce::Ioc,
        1 => TimeInForce::Fok,
        _ => TimeInForce::Gtc,
    };
    OrderRequest {
        symbol,
        side,
        kind,
        quantity: qty,
        tif,
        post_only: matches!(kind, RequestKind::Limit { .. }) && rng.below(5) == 0,
        reduce_only: rng.below(6) == 0,
        position_side: if hedged && rng.below(3) == 0 {
            Some(if rng.below(2) == 0 {
                PositionSide::Long
            } else {
                PositionSide::Short
            })
        } else {
            None
        },
        ts: None,
        client_id: None,
    }
}

struct Shadow {
    cash: i128,
    fees: i128,
    realized: i128,
    /// (instrument, leg) -> signed lots
    qty: HashMap<(usize, usize), i64>,
    filled: HashMap<u64, i64>,
}

fn check(e: &Engine, sh: &Shadow, cfg: &EngineConfig) {
    let l = e.ledger("USD").unwrap();
    assert_eq!(l.cash.0, sh.cash, "cash equals the fills' cash flows");
    assert_eq!(l.fees.0, sh.fees);
    assert_eq!(l.realized.0, sh.realized);
    for (i, _) in e.instruments().iter().enumerate() {
        for leg in 0..2 {
            let expect = sh.qty.get(&(i, leg)).copied().unwrap_or(0);
            let pos = e.position_legs(i)[leg];
            assert_eq!(pos.quantity, expect, "position equals the sum of its fills");
            assert!(pos.basis.0 >= 0);
            if pos.quantity == 0 {
                assert_eq!(pos.basis, Amount::ZERO, "a flat position has no basis left");
            }
            if cfg.position_mode == PositionMode::Hedged {
                if leg == 0 {
                    assert!(pos.quantity >= 0);
                } else {
                    assert!(pos.quantity <= 0);
                }
            }
            if !cfg.allow_short && cfg.position_mode == PositionMode::Netting {
                assert!(pos.quantity >= 0, "spot never goes short");
            }
        }
    }
    let mut reserved = 0i128;
    for o in e.orders() {
        assert!(
            o.filled >= 0 && o.filled <= o.quantity.max(0),
            "order {} overfilled",
            o.id
        );
        assert_eq!(
            sh.filled.get(&o.id).copied().unwrap_or(0),
            o.filled,
            "order {} filled = its fills",
            o.id
        );
        match o.status {
            OrderStatus::Filled => assert_eq!(o.filled, o.quantity),
            OrderStatus::PartiallyFilled => assert!(o.filled > 0 && o.filled < o.quantity),
            OrderStatus::Accepted => assert_eq!(o.filled, 0),
            OrderStatus::Rejected => {
                assert_eq!(o.filled, 0);
                assert!(o.reject.is_some(), "a rejection has a reason");
            }
            OrderStatus::New => panic!("order {} left in New", o.id),
            _ => {}
        }
        if o.status.is_open() {
            reserved += o.reserved.0;
        } else {
            assert_eq!(o.reserved, Amount::ZERO);
        }
    }
    assert_eq!(
        l.reserved.0, reserved,
        "reserved cash equals the open orders' reservations"
    );
    let locks: i128 = (0..e.instruments().len())
        .flat_map(|i| {
            e.position_legs(i)
                .iter()
                .map(|p| p.short_lock(cfg.initial_margin).unwrap().0)
                .collect::<Vec<_>>()
        })
        .sum();
    assert_eq!(l.short_lock.0, locks);
}

fn run(seed: u64, cfg: EngineConfig, steps: usize) {
    let mut rng = Rng(seed);
    let mut e = Engine::new(cfg.clone()).unwrap();
    let spec = InstrumentSpec {
        price_increment: Dec::new(1, 2),
        size_increment: Dec::new(1, 3),
        maker_fee: Dec::new(1, 3),
        taker_fee: Dec::new(25, 4),
        ..InstrumentSpec::default()
    };
    for s in SYMBOLS {
        e.add_instrument(s, &spec).unwrap();
    }
    let start = Dec::from_int(1_000_000);
    e.deposit("USD", start).unwrap();
    let mut sh = Shadow {
        cash: start.to_amount().unwrap().0,
        fees: 0,
        realized: 0,
        qty: HashMap::new(),
        filled: HashMap::new(),
    };
    let mut last = [10_000i64, 2_000i64];
    let mut ts = [0i64; 2];
    let mut out = Vec::new();
    for _ in 0..steps {
        let k = rng.below(2) as usize;
        let sym = SYMBOLS[k];
        match rng.below(10) {
            0..=4 => {
                let r = random_request(
                    &mut rng,
                    sym,
                    last[k],
                    cfg.position_mode == PositionMode::Hedged,
                );
                match e.submit(&r) {
                    Ok(_) => {}
                    Err(ExecError::InvalidField { .. }) => {}
                    Err(other) => panic!("unexpected error {other}"),
                }
            }
            5 => {
                let n = e.orders().len() as u64;
                if n > 0 {
                    e.cancel(1 + rng.below(n)).unwrap();
                }
            }
            6..=8 => {
                ts[k] += 1;
                let o = (last[k] + rng.range(-100, 100)).max(50);
                let c = (o + rng.range(-200, 200)).max(50);
                let h = o.max(c) + rng.range(0, 150);
                let l = (o.min(c) - rng.range(0, 150)).max(1);
                let b = Bar {
                    ts: ts[k],
                    open: o,
                    high: h,
                    low: l,
                    close: c,
                    volume: rng.range(0, 20_000),
                };
                out.clear();
                e.on_bar(sym, b, &mut out).unwrap();
                for f in &out {
                    let ord = e.order(f.order_id).unwrap();
                    assert!(
                        ord.ts < f.ts,
                        "no look-ahead: order {} at {} filled at {}",
                        ord.id,
                        ord.ts,
                        f.ts
                    );
                    if f.liquidity == Liquidity::Maker {
                        assert!(f.price >= l && f.price <= h, "maker fill inside the bar");
                    }
                }
                last[k] = c;
            }
            _ => {
                ts[k] += 1;
                out.clear();
                if rng.below(2) == 0 {
                    let p = (last[k] + rng.range(-50, 50)).max(10);
                    e.on_trade(sym, ts[k], p, rng.range(0, 5_000), &mut out)
                        .unwrap();
                } else {
                    let mid = last[k];
                    let bids: Vec<(i64, i64)> =
                        (1..4).map(|i| (mid - i * 5, rng.range(0, 3_000))).collect();
                    let asks: Vec<(i64, i64)> =
                        (1..4).map(|i| (mid + i * 5, rng.range(0, 3_000))).collect();
                    e.on_book(sym, ts[k], &bids, &asks, &mut out).unwrap();
                }
            }
        }
        for f in &out {
            let o = e.order(f.order_id).unwrap();
            let leg = usize::from(f.position_side == PositionSide::Short);
            *sh.qty.entry((f.instrument, leg)).or_default() += f.side.sign() * f.quantity;
            *sh.filled.entry(f.order_id).or_default() += f.quantity;
            sh.cash += match f.side {
                Side::Buy => -f.notional.0,
                Side::Sell => f.notional.0,
            } - f.fee.0;
            sh.fees += f.fee.0;
            sh.realized += f.realized.0;
            assert_eq!(
                e.instruments()[f.instrument].notional(f.price, f.quantity),
                Some(f.notional)
            );
            assert!(o.ts < f.ts, "no look-ahead");
        }
        out.clear();
        check(&e, &sh, &cfg);
    }
    assert!(e.counts().fills > 0, "seed {seed} produced no fills");
}

#[test]
fn netting_spot() {
    for seed in 0..20 {
        run(seed, EngineConfig::default(), 400);
    }
}

#[test]
fn netting_with_shorts_slippage_and_participation() {
    for seed in 100..120 {
        let cfg = EngineConfig {
            allow_short: true,
            initial_margin: Dec::new(5, 1),
            slippage: Slippage::FixedBps(Dec::from_int(5)),
            participation: Some(Dec::new(25, 2)),
            ..EngineConfig::default()
        };
        run(seed, cfg, 400);
    }
}

#[test]
fn hedged_with_impact_slippage_and_rate_limit() {
    for seed in 200..220 {
        let cfg = EngineConfig {
            position_mode: PositionMode::Hedged,
            allow_short: true,
            slippage: Slippage::Impact {
                k_bps: Dec::from_int(20),
            },
            rate_limit: Some((50, 10)),
            clock_units_per_second: 10,
            fill_limit_on_touch: true,
            ..EngineConfig::default()
        };
        run(seed, cfg, 400);
    }
}

#[test]
fn reduce_only_fills_never_grow_a_position() {
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let mut e = Engine::new(EngineConfig {
            allow_short: true,
            ..EngineConfig::default()
        })
        .unwrap();
        e.deposit("USD", Dec::from_int(1_000_000)).unwrap();
        let mut out = Vec::new();
        e.on_bar(
            "X/USD",
            Bar {
                ts: 1,
                open: 100,
                high: 100,
                low: 100,
                close: 100,
                volume: 0,
            },
            &mut out,
        )
        .unwrap();
        let open = Dec::new(rng.range(1, 50) as i128, 0);
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        e.submit(&OrderRequest::market("X/USD", side, open))
            .unwrap();
        let ro_side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let ro = OrderRequest {
            reduce_only: true,
            ..OrderRequest::market("X/USD", ro_side, Dec::new(rng.range(1, 80) as i128, 0))
        };
        e.submit(&ro).unwrap();
        e.on_bar(
            "X/USD",
            Bar {
                ts: 2,
                open: 100,
                high: 100,
                low: 100,
                close: 100,
                volume: 0,
            },
            &mut out,
        )
        .unwrap();
        let q = e.position_legs(0)[0].quantity;
        let opened = side.sign() * open.mant as i64 * 100_000_000;
        assert!(q.abs() <= opened.abs(), "reduce-only grew {opened} to {q}");
        assert!(
            q == 0 || q.signum() == opened.signum(),
            "reduce-only flipped {opened} to {q}"
        );
    }
}
