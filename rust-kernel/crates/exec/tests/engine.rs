//! The engine's rules, each on a small hand-computed case.

use deepalpha_exec::*;

fn d(s: &str) -> Dec {
    s.parse().unwrap()
}

fn spec() -> InstrumentSpec {
    InstrumentSpec {
        price_increment: d("0.01"),
        size_increment: d("0.001"),
        maker_fee: d("0.001"),
        taker_fee: d("0.002"),
        ..InstrumentSpec::default()
    }
}

fn engine_with(cfg: EngineConfig) -> Engine {
    let mut e = Engine::new(cfg).unwrap();
    e.add_instrument("BTC/USD", &spec()).unwrap();
    e.add_instrument("ETH/USD", &spec()).unwrap();
    e.deposit("USD", d("100000")).unwrap();
    e
}

fn engine() -> Engine {
    engine_with(EngineConfig::default())
}

/// A bar from decimal prices (cents on the tick grid), volume in lots of 0.001.
fn bar(ts: i64, o: i64, h: i64, l: i64, c: i64) -> Bar {
    Bar {
        ts,
        open: o * 100,
        high: h * 100,
        low: l * 100,
        close: c * 100,
        volume: 1_000_000,
    }
}

fn step(e: &mut Engine, sym: &str, b: Bar) -> Vec<Fill> {
    let mut out = Vec::new();
    e.on_bar(sym, b, &mut out).unwrap();
    out
}

fn req<'a>(sym: &'a str, side: Side, qty: &str, kind: RequestKind) -> OrderRequest<'a> {
    OrderRequest::market(sym, side, d(qty)).with_kind(kind)
}

fn status(e: &Engine, id: u64) -> OrderStatus {
    e.order(id).unwrap().status
}

fn code(e: &Engine, id: u64) -> Option<RejectCode> {
    e.order(id).unwrap().reject.as_ref().map(|r| r.code)
}

fn cash(e: &Engine) -> String {
    e.ledger("USD").unwrap().cash.to_string()
}

#[test]
fn market_orders_fill_at_the_next_bars_open_never_the_current_one() {
    let mut e = engine();
    assert!(step(&mut e, "BTC/USD", bar(1, 100, 110, 90, 105)).is_empty());
    let id = e
        .submit(&OrderRequest::market("BTC/USD", Side::Buy, d("2")))
        .unwrap();
    // The order carries ts 1 (the bar being processed): the same timestamp cannot fill it.
    assert_eq!(e.order(id).unwrap().ts, 1);
    let fills = step(&mut e, "BTC/USD", bar(2, 106, 108, 104, 107));
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].price, 10_600);
    assert_eq!(fills[0].liquidity, Liquidity::Taker);
    // 2 x 106 = 212, taker fee 0.2% = 0.424.
    assert_eq!(fills[0].notional.to_string(), "212");
    assert_eq!(fills[0].fee.to_string(), "0.424");
    assert_eq!(cash(&e), "99787.576");
    assert_eq!(status(&e, id), OrderStatus::Filled);
    assert_eq!(e.position_legs(0)[0].quantity, 2000);
}

#[test]
fn a_bar_for_another_symbol_does_not_fill() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 110, 90, 105));
    step(&mut e, "ETH/USD", bar(1, 10, 11, 9, 10));
    let id = e
        .submit(&OrderRequest::market("BTC/USD", Side::Buy, d("1")))
        .unwrap();
    assert!(step(&mut e, "ETH/USD", bar(2, 10, 11, 9, 10)).is_empty());
    assert_eq!(status(&e, id), OrderStatus::Accepted);
    assert_eq!(step(&mut e, "BTC/USD", bar(2, 101, 102, 100, 101)).len(), 1);
}

#[test]
fn limits_fill_when_traded_through_not_on_touch_by_default() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Limit { price: d("95") },
        ))
        .unwrap();
    // Low equals the limit: a touch, no fill.
    assert!(step(&mut e, "BTC/USD", bar(2, 100, 101, 95, 100)).is_empty());
    let fills = step(&mut e, "BTC/USD", bar(3, 100, 101, 94, 100));
    assert_eq!(fills.len(), 1);
    assert_eq!(
        (fills[0].price, fills[0].liquidity),
        (9_500, Liquidity::Maker)
    );
    assert_eq!(fills[0].fee.to_string(), "0.095");
    assert_eq!(status(&e, id), OrderStatus::Filled);

    let mut t = engine_with(EngineConfig {
        fill_limit_on_touch: true,
        ..EngineConfig::default()
    });
    step(&mut t, "BTC/USD", bar(1, 100, 101, 99, 100));
    t.submit(&req(
        "BTC/USD",
        Side::Buy,
        "1",
        RequestKind::Limit { price: d("95") },
    ))
    .unwrap();
    assert_eq!(step(&mut t, "BTC/USD", bar(2, 100, 101, 95, 100)).len(), 1);
}

#[test]
fn a_resting_limit_gapped_through_fills_at_the_open_as_maker() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    e.submit(&req(
        "BTC/USD",
        Side::Buy,
        "1",
        RequestKind::Limit { price: d("98") },
    ))
    .unwrap();
    assert!(step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100)).is_empty());
    let fills = step(&mut e, "BTC/USD", bar(3, 96, 97, 95, 96));
    assert_eq!(
        (fills[0].price, fills[0].liquidity),
        (9_600, Liquidity::Maker)
    );
}

#[test]
fn a_new_marketable_limit_takes_at_the_open() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    e.submit(&req(
        "BTC/USD",
        Side::Buy,
        "1",
        RequestKind::Limit { price: d("105") },
    ))
    .unwrap();
    let fills = step(&mut e, "BTC/USD", bar(2, 102, 103, 101, 102));
    assert_eq!(
        (fills[0].price, fills[0].liquidity),
        (10_200, Liquidity::Taker)
    );
}

#[test]
fn the_intra_bar_path_visits_the_nearer_extreme_first() {
    // Long 1 through a bracket: stop-loss 95, take-profit 105; then one bar reaching both.
    for (o, h, l, exit, which) in [
        (103, 106, 94, 10_500, "tp"),
        (97, 106, 94, 9_500, "sl"),
        (100, 106, 94, 9_500, "tie: low first"),
    ] {
        let mut e = engine();
        step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
        let id = e
            .submit(&req(
                "BTC/USD",
                Side::Buy,
                "1",
                RequestKind::Bracket {
                    entry_limit: None,
                    stop_loss: d("95"),
                    take_profit: d("105"),
                },
            ))
            .unwrap();
        let fills = step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100));
        assert_eq!(fills.len(), 1, "{which}");
        let (sl, tp) = e.order(id).unwrap().children.unwrap();
        let fills = step(&mut e, "BTC/USD", bar(3, o, h, l, 100));
        assert_eq!(fills.len(), 1, "{which}: {fills:?}");
        assert_eq!(fills[0].price, exit, "{which}");
        let (won, lost) = if exit == 10_500 { (tp, sl) } else { (sl, tp) };
        assert_eq!(status(&e, won), OrderStatus::Filled, "{which}");
        assert_eq!(status(&e, lost), OrderStatus::Cancelled, "{which}");
        assert_eq!(code(&e, lost), Some(RejectCode::OneCancelsOther));
        assert_eq!(e.position_legs(0)[0].quantity, 0);
    }
}

#[test]
fn bracket_children_armed_mid_bar_can_exit_on_the_same_bar() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    // Entry limit 98: path 100 -> 97 (low, nearer) -> 104 (high) -> 103; TP 103 then fills.
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Bracket {
                entry_limit: Some(d("98")),
                stop_loss: d("90"),
                take_profit: d("103"),
            },
        ))
        .unwrap();
    let fills = step(&mut e, "BTC/USD", bar(2, 100, 104, 97, 103));
    let prices: Vec<i64> = fills.iter().map(|f| f.price).collect();
    assert_eq!(prices, vec![9_800, 10_300]);
    let (sl, tp) = e.order(id).unwrap().children.unwrap();
    assert_eq!(
        (status(&e, tp), status(&e, sl)),
        (OrderStatus::Filled, OrderStatus::Cancelled)
    );
    // Realised: (103 - 98) x 1 = 5.
    assert_eq!(e.position_legs(0)[0].realized.to_string(), "5");
}

#[test]
fn cancelling_an_unfilled_bracket_cancels_its_children() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Bracket {
                entry_limit: Some(d("90")),
                stop_loss: d("85"),
                take_profit: d("120"),
            },
        ))
        .unwrap();
    assert_eq!(e.ledger("USD").unwrap().reserved.to_string(), "90.18");
    assert!(e.cancel(id).unwrap());
    let (sl, tp) = e.order(id).unwrap().children.unwrap();
    assert_eq!(code(&e, sl), Some(RejectCode::ParentCancelled));
    assert_eq!(status(&e, tp), OrderStatus::Cancelled);
    assert_eq!(e.ledger("USD").unwrap().reserved, Amount::ZERO);
    assert!(!e.cancel(id).unwrap());
}

#[test]
fn stops_trigger_at_their_price_and_pay_slippage() {
    let cfg = EngineConfig {
        slippage: Slippage::FixedBps(d("10")),
        ..EngineConfig::default()
    };
    let mut e = engine_with(cfg);
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Stop { stop: d("102") },
        ))
        .unwrap();
    assert!(step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100)).is_empty());
    let fills = step(&mut e, "BTC/USD", bar(3, 100, 103, 99, 103));
    // Triggered at 102.00; 10 bps = 0.102 -> rounded up to 0.11 (whole ticks, against the buyer).
    assert_eq!(fills[0].price, 10_211);
    assert!(e.order(id).unwrap().triggered);
    // A stop already beyond at the open triggers at the open.
    let id2 = e
        .submit(&req(
            "BTC/USD",
            Side::Sell,
            "1",
            RequestKind::Stop { stop: d("101") },
        ))
        .unwrap();
    let fills = step(&mut e, "BTC/USD", bar(4, 99, 100, 98, 99));
    assert_eq!(fills[0].order_id, id2);
    assert_eq!(fills[0].price, 9_900 - 10); // 99 - ceil(0.099) = 98.90
}

#[test]
fn a_triggered_stop_limit_rests_until_its_limit_trades() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::StopLimit {
                stop: d("102"),
                limit: d("101"),
            },
        ))
        .unwrap();
    // Path 100 -> 99 -> 103 -> 103: triggers at 102 going up, limit 101 is below: rests.
    assert!(step(&mut e, "BTC/USD", bar(2, 100, 103, 99, 103)).is_empty());
    assert!(e.order(id).unwrap().triggered);
    let fills = step(&mut e, "BTC/USD", bar(3, 103, 104, 100, 102));
    assert_eq!(
        (fills[0].price, fills[0].liquidity),
        (10_100, Liquidity::Maker)
    );
}

#[test]
fn trailing_stops_follow_the_best_price() {
    let mut e = engine();
    let mut out = Vec::new();
    e.on_trade("BTC/USD", 1, 10_000, 1000, &mut out).unwrap();
    e.submit(&req("BTC/USD", Side::Buy, "1", RequestKind::Market))
        .unwrap();
    e.on_trade("BTC/USD", 2, 10_000, 1000, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Sell,
            "1",
            RequestKind::TrailingStop {
                trail: TrailSpec::Amount(d("2")),
            },
        ))
        .unwrap();
    // Highs 100 -> 103 -> 105: the stop trails to 103.
    for (ts, p) in [(3, 10_300), (4, 10_500), (5, 10_400), (6, 10_301)] {
        e.on_trade("BTC/USD", ts, p, 1000, &mut out).unwrap();
    }
    assert_eq!(status(&e, id), OrderStatus::Accepted);
    e.on_trade("BTC/USD", 7, 10_300, 1000, &mut out).unwrap();
    assert_eq!(status(&e, id), OrderStatus::Filled);
    assert_eq!(out.last().unwrap().price, 10_300);
    // In basis points on bars: 100 bps of the 110 high = 1.10; a bar falling to 108.90 triggers.
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Sell,
            "0.5",
            RequestKind::TrailingStop {
                trail: TrailSpec::Bps(d("100")),
            },
        ))
        .unwrap();
    assert_eq!(code(&e, id), Some(RejectCode::InsufficientPosition));
}

#[test]
fn trailing_stop_on_a_bar_path() {
    let mut e = engine_with(EngineConfig {
        allow_short: true,
        ..EngineConfig::default()
    });
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Sell,
            "1",
            RequestKind::TrailingStop {
                trail: TrailSpec::Bps(d("100")),
            },
        ))
        .unwrap();
    // Path 100 -> 110 (high first: nearer) -> 80 -> 106: peak 110, stop 110 - 1.10 = 108.90.
    let fills = step(&mut e, "BTC/USD", bar(2, 100, 110, 80, 106));
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].price, 10_890);
    assert_eq!(status(&e, id), OrderStatus::Filled);
}

#[test]
fn oco_one_fill_cancels_the_other() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    e.submit(&req("BTC/USD", Side::Buy, "2", RequestKind::Market))
        .unwrap();
    step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Sell,
            "2",
            RequestKind::Oco {
                limit: d("110"),
                stop: d("95"),
                stop_limit: None,
            },
        ))
        .unwrap();
    let peer = e.order(id).unwrap().oco.unwrap();
    assert_eq!(e.order(peer).unwrap().order_type, OrderType::Stop);
    let fills = step(&mut e, "BTC/USD", bar(3, 100, 101, 94, 96));
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].order_id, peer);
    assert_eq!(status(&e, id), OrderStatus::Cancelled);
    assert_eq!(code(&e, id), Some(RejectCode::OneCancelsOther));
}

#[test]
fn participation_cap_gives_partial_fills_and_ioc_fok_expire() {
    let cfg = EngineConfig {
        participation: Some(d("0.1")),
        ..EngineConfig::default()
    };
    let mut e = engine_with(cfg);
    let small = |ts| Bar {
        volume: 5_000,
        ..bar(ts, 100, 101, 99, 100)
    }; // 5 units: cap 0.5
    step(&mut e, "BTC/USD", small(1));
    let gtc = e
        .submit(&req("BTC/USD", Side::Buy, "1", RequestKind::Market))
        .unwrap();
    let f = step(&mut e, "BTC/USD", small(2));
    assert_eq!(f[0].quantity, 500);
    assert_eq!(status(&e, gtc), OrderStatus::PartiallyFilled);
    step(&mut e, "BTC/USD", small(3));
    assert_eq!(status(&e, gtc), OrderStatus::Filled);

    let ioc = e
        .submit(&OrderRequest {
            tif: TimeInForce::Ioc,
            ..req("BTC/USD", Side::Buy, "1", RequestKind::Market)
        })
        .unwrap();
    let fok = e
        .submit(&OrderRequest {
            tif: TimeInForce::Fok,
            ..req("BTC/USD", Side::Buy, "1", RequestKind::Market)
        })
        .unwrap();
    let f = step(&mut e, "BTC/USD", small(4));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].order_id, f[0].quantity), (ioc, 500));
    assert_eq!(
        (status(&e, ioc), code(&e, ioc)),
        (OrderStatus::Expired, Some(RejectCode::ImmediateOrCancel))
    );
    assert_eq!(
        (status(&e, fok), code(&e, fok)),
        (OrderStatus::Expired, Some(RejectCode::FillOrKill))
    );
    assert_eq!(e.order(fok).unwrap().filled, 0);
    // An IOC limit that is not marketable at arrival expires unfilled.
    let ioc2 = e
        .submit(&OrderRequest {
            tif: TimeInForce::Ioc,
            ..req(
                "BTC/USD",
                Side::Buy,
                "0.1",
                RequestKind::Limit { price: d("99.5") },
            )
        })
        .unwrap();
    step(&mut e, "BTC/USD", small(5));
    assert_eq!(status(&e, ioc2), OrderStatus::Expired);
}

#[test]
fn post_only_never_takes() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let po = |p: &str| OrderRequest {
        post_only: true,
        ..req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Limit { price: d(p) },
        )
    };
    let rejected = e.submit(&po("100")).unwrap();
    assert_eq!(
        (status(&e, rejected), code(&e, rejected)),
        (OrderStatus::Rejected, Some(RejectCode::PostOnlyWouldTake))
    );
    let resting = e.submit(&po("99")).unwrap();
    assert_eq!(status(&e, resting), OrderStatus::Accepted);
    // The next bar opens at 98.5, below the bid: at arrival it would take: expired, not filled.
    step(
        &mut e,
        "BTC/USD",
        Bar {
            open: 9_850,
            ..bar(2, 98, 101, 98, 100)
        },
    );
    assert_eq!(
        (status(&e, resting), code(&e, resting)),
        (OrderStatus::Expired, Some(RejectCode::PostOnlyWouldTake))
    );
    let maker = e.submit(&po("99")).unwrap();
    let f = step(&mut e, "BTC/USD", bar(3, 100, 101, 98, 100));
    assert_eq!((f[0].order_id, f[0].liquidity), (maker, Liquidity::Maker));
}

#[test]
fn reduce_only_trims_or_rejects() {
    let mut e = engine_with(EngineConfig {
        allow_short: true,
        ..EngineConfig::default()
    });
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let flat = e
        .submit(&OrderRequest {
            reduce_only: true,
            ..req("BTC/USD", Side::Sell, "1", RequestKind::Market)
        })
        .unwrap();
    assert_eq!(code(&e, flat), Some(RejectCode::ReduceOnly));
    e.submit(&req("BTC/USD", Side::Buy, "1", RequestKind::Market))
        .unwrap();
    step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100));
    let trimmed = e
        .submit(&OrderRequest {
            reduce_only: true,
            ..req("BTC/USD", Side::Sell, "3", RequestKind::Market)
        })
        .unwrap();
    assert_eq!(e.order(trimmed).unwrap().quantity, 1000);
    // A reduce-only buy on a long position would increase it: rejected.
    let wrong = e
        .submit(&OrderRequest {
            reduce_only: true,
            ..req("BTC/USD", Side::Buy, "1", RequestKind::Market)
        })
        .unwrap();
    assert_eq!(code(&e, wrong), Some(RejectCode::ReduceOnly));
    // A second reduce-only sell queued behind it finds the position flat and is cancelled.
    let ro2 = e
        .submit(&OrderRequest {
            reduce_only: true,
            ..req("BTC/USD", Side::Sell, "1", RequestKind::Market)
        })
        .unwrap();
    step(&mut e, "BTC/USD", bar(3, 100, 101, 99, 100));
    assert_eq!(e.position_legs(0)[0].quantity, 0);
    assert_eq!(status(&e, trimmed), OrderStatus::Filled);
    assert_eq!(
        (status(&e, ro2), code(&e, ro2)),
        (OrderStatus::Cancelled, Some(RejectCode::ReduceOnly))
    );
}

#[test]
fn spot_accounts_cannot_sell_what_they_do_not_hold() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&req("BTC/USD", Side::Sell, "1", RequestKind::Market))
        .unwrap();
    assert_eq!(code(&e, id), Some(RejectCode::InsufficientPosition));
}

#[test]
fn shorts_need_margin_and_book_exact_pnl() {
    let cfg = EngineConfig {
        allow_short: true,
        initial_margin: d("0.5"),
        ..EngineConfig::default()
    };
    let mut e = Engine::new(cfg).unwrap();
    e.add_instrument("BTC/USD", &spec()).unwrap();
    e.deposit("USD", d("1000")).unwrap();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    // Short 20 at ~100: margin 0.5 x 2000 = 1000 plus fee 4 > 1000 free.
    let too_big = e
        .submit(&req("BTC/USD", Side::Sell, "20", RequestKind::Market))
        .unwrap();
    assert_eq!(code(&e, too_big), Some(RejectCode::InsufficientMargin));
    let id = e
        .submit(&req("BTC/USD", Side::Sell, "10", RequestKind::Market))
        .unwrap();
    assert_eq!(status(&e, id), OrderStatus::Accepted);
    step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100));
    let l = e.ledger("USD").unwrap();
    // Proceeds 1000 - fee 2 credited; locked 1000 x 1.5.
    assert_eq!(
        (l.cash.to_string(), l.short_lock.to_string()),
        ("1998".into(), "1500".into())
    );
    assert_eq!(l.free().unwrap().to_string(), "498");
    e.submit(&req("BTC/USD", Side::Buy, "10", RequestKind::Market))
        .unwrap();
    step(&mut e, "BTC/USD", bar(3, 90, 91, 89, 90));
    let l = e.ledger("USD").unwrap();
    // Cover 900 + fee 1.8: realised 100, cash 1000 + 100 - 2 - 1.8.
    assert_eq!(l.cash.to_string(), "1096.2");
    assert_eq!(l.realized.to_string(), "100");
    assert_eq!(l.short_lock, Amount::ZERO);
}

#[test]
fn hedged_mode_keeps_long_and_short_legs() {
    let cfg = EngineConfig {
        position_mode: PositionMode::Hedged,
        allow_short: true,
        ..EngineConfig::default()
    };
    let mut e = engine_with(cfg);
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    e.submit(&req("BTC/USD", Side::Buy, "2", RequestKind::Market))
        .unwrap();
    e.submit(&req("BTC/USD", Side::Sell, "1", RequestKind::Market))
        .unwrap();
    step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100));
    let legs = e.position_legs(0);
    assert_eq!((legs[0].quantity, legs[1].quantity), (2000, -1000));
    // Closing the long leg: sell with position_side long.
    let close = OrderRequest {
        position_side: Some(PositionSide::Long),
        ..req("BTC/USD", Side::Sell, "5", RequestKind::Market)
    };
    let id = e.submit(&close).unwrap();
    assert_eq!(e.order(id).unwrap().quantity, 2000); // trimmed to the leg
    step(&mut e, "BTC/USD", bar(3, 110, 111, 109, 110));
    let legs = e.position_legs(0);
    assert_eq!((legs[0].quantity, legs[1].quantity), (0, -1000));
    assert_eq!(legs[0].realized.to_string(), "20");
    // Netting engines refuse position_side.
    let mut n = engine();
    let bad = OrderRequest {
        position_side: Some(PositionSide::Long),
        ..req("BTC/USD", Side::Buy, "1", RequestKind::Market)
    };
    assert!(matches!(
        n.submit(&bad),
        Err(ExecError::InvalidField { .. })
    ));
}

#[test]
fn pre_trade_checks_reject_with_codes() {
    let cfg = EngineConfig {
        price_band_bps: Some(500),
        rate_limit: Some((2, 4)),
        ..EngineConfig::default()
    };
    let mut e = Engine::new(cfg).unwrap();
    let s = InstrumentSpec {
        min_notional: d("10"),
        max_notional: Some(d("1000")),
        min_size: d("0.01"),
        ..spec()
    };
    e.add_instrument("BTC/USD", &s).unwrap();
    e.deposit("USD", d("100000")).unwrap();
    step(&mut e, "BTC/USD", bar(1_000, 100, 101, 99, 100));
    let mut codes = Vec::new();
    for (qty, price) in [
        ("0.0005", "100"),
        ("0.005", "100"),
        ("1", "100.005"),
        ("0.05", "100"),
        ("20", "99"),
        ("1", "94.99"),
    ] {
        let id = e
            .submit(&req(
                "BTC/USD",
                Side::Buy,
                qty,
                RequestKind::Limit { price: d(price) },
            ))
            .unwrap();
        codes.push(code(&e, id));
    }
    use RejectCode::*;
    assert_eq!(
        codes,
        vec![
            Some(SizePrecision),
            Some(MinSize),
            Some(PricePrecision),
            Some(MinNotional),
            Some(RateLimit),
            Some(RateLimit)
        ]
    );
    // Half a second later one token is back: the band check now speaks.
    step(&mut e, "BTC/USD", bar(1_500, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Limit { price: d("94.99") },
        ))
        .unwrap();
    assert_eq!(code(&e, id), Some(PriceBand));
    step(&mut e, "BTC/USD", bar(3_000, 100, 101, 99, 100));
    let id = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "20",
            RequestKind::Limit { price: d("99") },
        ))
        .unwrap();
    assert_eq!(code(&e, id), Some(MaxNotional));
    let r = e.order(id).unwrap().reject.clone().unwrap();
    assert!(
        r.text.contains("1980") && r.text.contains("1000"),
        "{}",
        r.text
    );
    assert_eq!(e.counts().rejected, 8);
}

#[test]
fn bad_requests_are_errors_not_orders() {
    let mut e = engine();
    assert!(matches!(
        e.submit(&req("BTC/USD", Side::Buy, "0", RequestKind::Market)),
        Err(ExecError::InvalidField { .. })
    ));
    assert!(matches!(
        e.submit(&req("BTC/USD", Side::Buy, "-1", RequestKind::Market)),
        Err(ExecError::InvalidField { .. })
    ));
    let err = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Limit { price: d("-5") },
        ))
        .unwrap_err();
    assert_eq!(err.to_string(), "price: must be > 0, got -5");
    assert!(e
        .submit(&req("/USD", Side::Buy, "1", RequestKind::Market))
        .is_err());
    assert_eq!(e.counts().submitted, 0);
    let mut out = Vec::new();
    assert!(e
        .on_bar(
            "BTC/USD",
            Bar {
                ts: 1,
                open: 100,
                high: 90,
                low: 95,
                close: 100,
                volume: 1
            },
            &mut out
        )
        .is_err());
    e.on_bar("BTC/USD", bar(5, 100, 101, 99, 100), &mut out)
        .unwrap();
    let err = e
        .on_bar("BTC/USD", bar(5, 100, 101, 99, 100), &mut out)
        .unwrap_err();
    assert!(err.to_string().contains("not after"), "{err}");
    assert!(matches!(e.cancel(999), Err(ExecError::UnknownOrder(999))));
}

#[test]
fn book_snapshots_are_walked_level_by_level() {
    let cfg = EngineConfig {
        participation: Some(d("0.5")),
        ..EngineConfig::default()
    };
    let mut e = engine_with(cfg);
    let mut out = Vec::new();
    let bids = [(9_990, 10_000), (9_980, 10_000)];
    let asks = [(10_010, 2_000), (10_020, 4_000), (10_030, 100_000)];
    e.on_book("BTC/USD", 1, &bids, &asks, &mut out).unwrap();
    assert_eq!(e.instruments()[0].last_price, Some(10_000));
    let id = e
        .submit(&req("BTC/USD", Side::Buy, "4", RequestKind::Market))
        .unwrap();
    e.on_book("BTC/USD", 2, &bids, &asks, &mut out).unwrap();
    // Half of each level: 1 @ 100.10, 2 @ 100.20, 1 @ 100.30.
    let got: Vec<(i64, i64)> = out.iter().map(|f| (f.price, f.quantity)).collect();
    assert_eq!(got, vec![(10_010, 1_000), (10_020, 2_000), (10_030, 1_000)]);
    assert_eq!(status(&e, id), OrderStatus::Filled);
    // A resting bid the book later crosses fills at its limit, as maker.
    out.clear();
    let bid = e
        .submit(&req(
            "BTC/USD",
            Side::Buy,
            "1",
            RequestKind::Limit { price: d("99.95") },
        ))
        .unwrap();
    e.on_book("BTC/USD", 3, &bids, &asks, &mut out).unwrap();
    assert!(out.is_empty());
    e.on_book("BTC/USD", 4, &[(9_900, 1000)], &[(9_940, 10_000)], &mut out)
        .unwrap();
    assert_eq!(
        (out[0].order_id, out[0].price, out[0].liquidity),
        (bid, 9_995, Liquidity::Maker)
    );
}

#[test]
fn spread_and_impact_slippage() {
    let cfg = EngineConfig {
        slippage: Slippage::Spread {
            fallback_bps: d("0"),
        },
        ..EngineConfig::default()
    };
    let mut e = engine_with(cfg);
    let mut out = Vec::new();
    e.on_book("BTC/USD", 1, &[(9_990, 1000)], &[(10_010, 1000)], &mut out)
        .unwrap();
    e.submit(&req("BTC/USD", Side::Buy, "1", RequestKind::Market))
        .unwrap();
    e.on_trade("BTC/USD", 2, 10_000, 1_000_000, &mut out)
        .unwrap();
    assert_eq!(out[0].price, 10_010); // trade price + half the 0.20 spread

    // Impact: k = 100 bps, quantity 1 of volume 100 -> 100 x sqrt(0.01) = 10 bps of 100 = 0.10.
    let cfg = EngineConfig {
        slippage: Slippage::Impact { k_bps: d("100") },
        ..EngineConfig::default()
    };
    let mut e = engine_with(cfg);
    step(
        &mut e,
        "BTC/USD",
        Bar {
            volume: 100_000,
            ..bar(1, 100, 101, 99, 100)
        },
    );
    e.submit(&req("BTC/USD", Side::Sell, "1", RequestKind::Market))
        .unwrap_or(0);
    e.submit(&req("BTC/USD", Side::Buy, "1", RequestKind::Market))
        .unwrap();
    let f = step(
        &mut e,
        "BTC/USD",
        Bar {
            volume: 100_000,
            ..bar(2, 100, 101, 99, 100)
        },
    );
    assert_eq!(f[0].price, 10_010);
}

#[test]
fn an_earlier_ts_cannot_reach_back_into_seen_bars() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    step(&mut e, "BTC/USD", bar(2, 100, 101, 90, 100));
    // Claims to have been decided at ts 1: raised to 2, so bar 2 (low 90) cannot fill it.
    let id = e
        .submit(&OrderRequest {
            ts: Some(1),
            ..req(
                "BTC/USD",
                Side::Buy,
                "1",
                RequestKind::Limit { price: d("95") },
            )
        })
        .unwrap();
    assert_eq!(e.order(id).unwrap().ts, 2);
    assert!(step(&mut e, "BTC/USD", bar(3, 100, 101, 96, 100)).is_empty());
    assert_eq!(step(&mut e, "BTC/USD", bar(4, 100, 101, 94, 100)).len(), 1);
}

#[test]
fn fill_or_kill_fills_whole_when_it_can() {
    let mut e = engine();
    step(&mut e, "BTC/USD", bar(1, 100, 101, 99, 100));
    let id = e
        .submit(&OrderRequest {
            tif: TimeInForce::Fok,
            ..req(
                "BTC/USD",
                Side::Buy,
                "2",
                RequestKind::Limit { price: d("101") },
            )
        })
        .unwrap();
    let f = step(&mut e, "BTC/USD", bar(2, 100, 101, 99, 100));
    assert_eq!((f.len(), f[0].quantity, f[0].price), (1, 2000, 10_000));
    assert_eq!(status(&e, id), OrderStatus::Filled);
}
