//! The paper venue's rules (`BarMatching::Arrival`, `AccountRules::Cash`, `fee_increment`), each on
//! a small hand-computed case.

use deepalpha_exec::*;

fn d(s: &str) -> Dec {
    s.parse().unwrap()
}

fn paper(cash: &str, allow_short: bool) -> Engine {
    let cfg = EngineConfig {
        allow_short,
        slippage: Slippage::FixedBps(d("10")),
        bar_matching: BarMatching::Arrival,
        account_rules: AccountRules::Cash,
        fee_increment: Some(d("0.01")),
        ..EngineConfig::default()
    };
    let mut e = Engine::new(cfg).unwrap();
    let spec = InstrumentSpec {
        price_increment: d("0.01"),
        size_increment: d("0.001"),
        maker_fee: d("0.001"),
        taker_fee: d("0.002"),
        ..InstrumentSpec::default()
    };
    e.add_instrument("BTC/USD", &spec).unwrap();
    e.deposit("USD", d(cash)).unwrap();
    e
}

fn bar(e: &mut Engine, ts: i64, o: &str, h: &str, l: &str, c: &str) -> Vec<Fill> {
    let mut out = Vec::new();
    e.on_bar_exact("BTC/USD", ts, d(o), d(h), d(l), d(c), 0, &mut out)
        .unwrap();
    out
}

fn limit(side: Side, qty: &str, price: &str) -> OrderRequest<'static> {
    OrderRequest::market("BTC/USD", side, d(qty)).with_kind(RequestKind::Limit { price: d(price) })
}

#[test]
fn market_orders_slip_the_exact_open_then_round_against_the_trader() {
    let mut e = paper("1000", false);
    bar(&mut e, 1, "100", "100", "100", "100");
    let id = e
        .submit(&OrderRequest::market("BTC/USD", Side::Buy, d("1")))
        .unwrap();
    // 100.004 x 1.001 = 100.104004 -> 100.11 (a buy rounds up). Rounding the open first
    // (100.01 x 1.001 = 100.11001 -> 100.12) would be a tick worse.
    let fills = bar(&mut e, 2, "100.004", "101", "99", "100.5");
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].order_id, fills[0].price), (id, 10_011));
    assert_eq!(fills[0].liquidity, Liquidity::Taker);
    // Fee: 100.11 x 0.002 = 0.20022 -> up to 0.01: 0.21.
    assert_eq!(fills[0].fee.to_dec().to_string(), "0.21");
    assert_eq!(e.ledger("USD").unwrap().cash.to_dec().to_string(), "899.68");
    // Sell 1 at 100.996: 100.996 x 0.999 = 100.894996 -> down to 100.89.
    e.submit(&OrderRequest::market("BTC/USD", Side::Sell, d("1")))
        .unwrap();
    let fills = bar(&mut e, 3, "100.996", "101", "100", "100");
    assert_eq!(fills[0].price, 10_089);
}

#[test]
fn limits_fill_at_the_open_or_through_the_limit_as_makers_in_arrival_order() {
    let mut e = paper("10000", false);
    bar(&mut e, 1, "100", "100", "100", "100");
    let through = e.submit(&limit(Side::Buy, "1", "99")).unwrap();
    let at_open = e.submit(&limit(Side::Buy, "1", "100")).unwrap();
    let touched = e.submit(&limit(Side::Buy, "1", "98")).unwrap();
    // The open 99.991 rounds up to 100 <= 100. The low 98 goes through 99, only touches 98.
    let fills = bar(&mut e, 2, "99.991", "100.5", "98", "99.5");
    let got: Vec<_> = fills
        .iter()
        .map(|f| (f.order_id, f.price, f.liquidity))
        .collect();
    assert_eq!(
        got,
        vec![
            (through, 9_900, Liquidity::Maker),
            (at_open, 10_000, Liquidity::Maker)
        ]
    );
    assert_eq!(e.order(touched).unwrap().status, OrderStatus::Accepted);
}

#[test]
fn a_gap_up_cancels_with_the_amounts_and_a_short_needs_no_margin() {
    let mut e = paper("101", true);
    bar(&mut e, 1, "100", "100", "100", "100");
    let id = e
        .submit(&OrderRequest::market("BTC/USD", Side::Buy, d("1")))
        .unwrap();
    assert!(bar(&mut e, 2, "110", "111", "109", "110").is_empty());
    let o = e.order(id).unwrap();
    assert_eq!(o.status, OrderStatus::Cancelled);
    let reject = o.reject.as_ref().unwrap();
    assert_eq!(reject.code, RejectCode::InsufficientBalance);
    // 110 x 1.001 = 110.11; fee 0.22022 -> 0.23; 110.34 > 101.
    assert_eq!(
        reject.text,
        "insufficient cash at fill: need 110.34 USD, have 101 USD"
    );
    // Short 2 at 110: no margin is asked, the proceeds are cash.
    let short = e
        .submit(&OrderRequest::market("BTC/USD", Side::Sell, d("2")))
        .unwrap();
    assert_eq!(e.order(short).unwrap().status, OrderStatus::Accepted);
    let fills = bar(&mut e, 3, "110", "110", "110", "110");
    // 110 x 0.999 = 109.89; notional 219.78, fee 0.43956 -> 0.44.
    assert_eq!(fills[0].price, 10_989);
    assert_eq!(e.ledger("USD").unwrap().cash.to_dec().to_string(), "320.34");
}

#[test]
fn restore_fill_and_restore_order_rebuild_an_account() {
    let mut e = paper("1000", false);
    e.restore_fill("BTC/USD", Side::Buy, d("2"), d("100"), d("0.4"))
        .unwrap();
    assert_eq!(e.ledger("USD").unwrap().cash.to_dec().to_string(), "799.6");
    let i = e.instrument_index("BTC/USD").unwrap();
    assert_eq!(e.position_legs(i)[0].quantity, 2_000);
    // A sell of 3 (more than held) resting before a restart comes back as it was.
    let id = e
        .restore_order(&OrderRequest::market("BTC/USD", Side::Sell, d("3")))
        .unwrap();
    assert_eq!(e.order(id).unwrap().status, OrderStatus::Accepted);
    // At fill time the holdings rule cancels it whole (not trimmed to 2).
    assert!(bar(&mut e, 5, "100", "100", "100", "100").is_empty());
    let o = e.order(id).unwrap();
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert_eq!(
        o.reject.as_ref().unwrap().text,
        "insufficient BTC/USD holdings at fill: 2"
    );
}
