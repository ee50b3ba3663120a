"""The ExecutionEngine binding (crates/python/src/execution.rs over the deepalpha-exec crate).

Expectations are worked out by hand from the documented rules (docs/execution.md), not read back
from the engine.
"""

import random
from decimal import Decimal

import deepalpha_kernel
import pytest
from deepalpha_kernel import ExecutionEngine, KernelError

SPEC = {
    "price_increment": "0.01",
    "size_increment": "0.001",
    "maker_fee": "0.001",
    "taker_fee": "0.002",
}


def engine(**options):
    options.setdefault("balances", {"USD": 100_000})
    options.setdefault("instruments", {"BTC/USD": SPEC, "ETH/USD": SPEC})
    return ExecutionEngine(**options)


def test_the_seed_example_runs_as_written():
    from deepalpha_rust import ExecutionEngine as SeedEngine

    engine = SeedEngine()
    engine.start()
    order_data = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "quantity": 1.5}
    order_id = engine.submit_order(order_data)
    assert isinstance(order_id, int)
    stats = engine.get_stats()
    assert stats.total_orders == 1
    assert stats["total_orders"] == 1
    assert stats.avg_execution_time_us > 0
    # No price was seen for BTC/USDT yet: the venue refuses the market order and says why.
    order = engine.get_order(order_id)
    assert (order["status"], order["reason_code"]) == ("rejected", "NO_PRICE")
    assert stats.rejections == {"NO_PRICE": 1}
    # After a bar, the same order is accepted and fills at the next bar's open.
    engine.on_bar("BTC/USDT", 60_000, 50_000, 50_100, 49_900, 50_050, 10)
    order_id = engine.submit_order(order_data)
    fills = engine.on_bar("BTC/USDT", 120_000, 50_010, 50_100, 49_900, 50_050, 10)
    assert [(f["order_id"], f["price"], f["quantity"]) for f in fills] == [
        (order_id, Decimal("50010"), Decimal("1.5"))
    ]
    assert deepalpha_kernel.ExecutionEngine is SeedEngine.__mro__[1]


def test_two_symbols_fill_on_their_own_bars_with_exact_money():
    e = engine()
    e.on_bar("BTC/USD", 1, 100.0, 101.0, 99.0, 100.0, 1000)
    e.on_bar("ETH/USD", 1, 10.0, 10.5, 9.5, 10.0, 1000)
    btc = e.submit_order({"symbol": "BTC/USD", "side": "buy", "type": "market", "quantity": 0.1})
    eth = e.submit_order(
        {"symbol": "ETH/USD", "side": "buy", "type": "limit", "quantity": "3", "price": 9.7}
    )
    # The orders were placed while bar 1 was processed: bar 1 again cannot fill them, and a
    # bar of the other symbol does not either.
    assert e.on_bar("ETH/USD", 2, 10.0, 10.2, 9.8, 10.0, 1000) == []
    fills = e.on_bar("BTC/USD", 2, 100.3, 101.0, 99.0, 100.0, 1000)
    assert len(fills) == 1
    f = fills[0]
    assert (f["order_id"], f["symbol"], f["liquidity"]) == (btc, "BTC/USD", "taker")
    assert (f["price"], f["notional"], f["fee"]) == (
        Decimal("100.3"),
        Decimal("10.03"),
        Decimal("0.02006"),
    )
    fills = e.on_bar("ETH/USD", 3, 10.0, 10.2, 9.6, 9.9, 1000)
    assert [(x["order_id"], x["price"], x["liquidity"], x["fee"]) for x in fills] == [
        (eth, Decimal("9.7"), "maker", Decimal("0.0291"))
    ]
    cash = (
        Decimal(100_000)
        - Decimal("10.03")
        - Decimal("0.02006")
        - Decimal("29.1")
        - Decimal("0.0291")
    )
    assert e.balances()["USD"]["total"] == cash
    assert e.balances()["USD"]["fees"] == Decimal("0.04916")
    pos = e.positions()
    assert pos["BTC/USD"]["quantity"] == Decimal("0.1")
    assert pos["ETH/USD"]["quantity"] == Decimal("3")
    assert pos["ETH/USD"]["average_price"] == Decimal("9.7")
    assert e.get_order(btc)["average_price"] == Decimal("100.3")
    # Marked at ETH's close 9.9: (9.9 - 9.7) x 3.
    assert pos["ETH/USD"]["unrealized_pnl"] == Decimal("0.6")
    assert all(isinstance(v, Decimal) for v in e.balances()["USD"].values())


def test_floats_are_read_through_their_shortest_text():
    e = engine()
    e.on_bar("BTC/USD", 1, 100.0, 101.0, 99.0, 100.0, 1000)
    oid = e.submit_order(
        {"symbol": "BTC/USD", "side": "buy", "type": "limit", "quantity": 0.1, "price": 99.1}
    )
    order = e.get_order(oid)
    assert (order["quantity"], order["price"]) == (Decimal("0.1"), Decimal("99.1"))
    oid = e.submit_order(
        {
            "symbol": "BTC/USD",
            "side": "buy",
            "type": "limit",
            "quantity": Decimal("0.1"),
            "price": "99.005",
        }
    )
    assert e.get_order(oid)["reason_code"] == "PRICE_PRECISION"


def test_cancel_bracket_and_oco_through_python():
    e = engine()
    e.on_bar("BTC/USD", 1, 100.0, 101.0, 99.0, 100.0, 1000)
    parent = e.submit_order(
        {
            "symbol": "BTC/USD",
            "side": "buy",
            "type": "bracket",
            "quantity": 1,
            "price": 99.5,
            "stop_loss": 95,
            "take_profit": 105,
        }
    )
    children = e.get_order(parent)["children"]
    assert len(children) == 2
    assert e.balances()["USD"]["locked"] == Decimal("99.699")  # 99.5 + 0.2% fee reserved
    assert e.cancel_order(parent) is True
    assert e.cancel_order(parent) is False
    assert [e.get_order(c)["reason_code"] for c in children] == ["PARENT_CANCELLED"] * 2
    assert e.balances()["USD"]["locked"] == 0
    assert e.get_order(10_000) is None
    with pytest.raises(KernelError, match="order_id: no order 10000"):
        e.cancel_order(10_000)
    stats = e.get_stats()
    assert (stats["total_orders"], stats["accepted"], stats["cancelled"]) == (1, 3, 3)


def test_trades_and_books():
    e = engine(participation=0.5)
    e.on_book("ETH/USD", 1, [(9.99, 10), (9.98, 10)], [(10.01, 2), (10.02, 4), (10.03, 100)])
    oid = e.submit_order({"symbol": "ETH/USD", "side": "buy", "quantity": 4})
    fills = e.on_book("ETH/USD", 2, [(9.99, 10)], [(10.01, 2), (10.02, 4), (10.03, 100)])
    assert [(f["price"], f["quantity"]) for f in fills] == [
        (Decimal("10.01"), Decimal("1")),
        (Decimal("10.02"), Decimal("2")),
        (Decimal("10.03"), Decimal("1")),
    ]
    assert e.get_order(oid)["status"] == "filled"
    assert e.get_order(oid)["average_price"] == Decimal("10.02")  # (10.01 + 2 x 10.02 + 10.03) / 4
    e.on_trade("BTC/USD", 1, 100, 5)
    oid = e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 4})
    fills = e.on_trade("BTC/USD", 2, "100.5", 5)
    assert [(f["price"], f["quantity"]) for f in fills] == [(Decimal("100.5"), Decimal("2.5"))]
    assert e.get_order(oid)["status"] == "partially_filled"
    assert len(e.open_orders()) == 1 and e.open_orders("ETH/USD") == []


def test_hedged_positions_are_keyed_by_leg():
    e = engine(position_mode="hedged", allow_short=True, initial_margin="0.5")
    e.on_bar("BTC/USD", 1, 100.0, 101.0, 99.0, 100.0, 1000)
    e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 2})
    e.submit_order({"symbol": "BTC/USD", "side": "sell", "quantity": 1})
    e.on_bar("BTC/USD", 2, 100.0, 101.0, 99.0, 100.0, 1000)
    pos = e.positions()
    assert pos["BTC/USD:long"]["quantity"] == 2
    assert pos["BTC/USD:short"]["quantity"] == -1
    assert e.balances()["USD"]["locked"] == Decimal("150")  # 100 proceeds x (1 + 0.5)


BAD_ORDERS = [
    ("not a dict", "order: must be a dict"),
    ({}, "symbol: is required"),
    ({"symbol": "BTC/USD", "quantity": 1}, "side: is required"),
    ({"symbol": "BTC/USD", "side": "buy"}, "quantity: is required"),
    ({"symbol": "BTC/USD", "side": "hold", "quantity": 1}, "side: must be 'buy' or 'sell'"),
    ({"symbol": "BTC/USD", "side": "buy", "quantity": 0}, "quantity: must be > 0, got 0"),
    ({"symbol": "BTC/USD", "side": "buy", "quantity": -2}, "quantity: must be > 0, got -2"),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": float("nan")},
        "quantity: must be a finite number",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": float("inf")},
        "quantity: must be a finite number",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": True},
        "quantity: must be a number, got a bool",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": "lots"},
        "quantity: must be a decimal number",
    ),
    ({"symbol": "BTC/USD", "side": "buy", "quantity": [1]}, "quantity: must be a number"),
    ({"symbol": "BTC/USD", "side": "buy", "quantity": 10**40}, "quantity: is too large"),
    ({"symbol": 5, "side": "buy", "quantity": 1}, "symbol: must be a str, got int"),
    ({"symbol": "", "side": "buy", "quantity": 1}, "symbol: must not be empty"),
    ({"symbol": "BTC/", "side": "buy", "quantity": 1}, "symbol: expected BASE/QUOTE"),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "type": "iceberg"},
        "type: must be one of",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "type": "limit"},
        "price: is required for a limit order",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "price": -1},
        "price: must be > 0, got -1",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "type": "stop"},
        "stop_price: is required",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "type": "market", "price": 5},
        "price: does not apply to a market order",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "type": "trailing_stop"},
        "trailing_amount: a trailing_stop needs exactly one",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "time_in_force": "day"},
        "time_in_force: must be",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "reduce_only": "yes"},
        "reduce_only: must be a bool",
    ),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "position_side": "long"},
        "position_side: long needs position_mode 'hedged'",
    ),
    ({"symbol": "BTC/USD", "side": "buy", "quantity": 1, "ts": 1.5}, "ts: must be an int"),
    (
        {"symbol": "BTC/USD", "side": "buy", "quantity": 1, "colour": "red"},
        "order.colour: unknown key",
    ),
    ({1: "x"}, "order: keys must be str"),
]


@pytest.mark.parametrize(("order", "message"), BAD_ORDERS)
def test_bad_orders_raise_value_errors_naming_the_field(order, message):
    e = engine()
    with pytest.raises(ValueError) as info:
        e.submit_order(order)
    assert isinstance(info.value, KernelError)
    assert message in str(info.value)
    assert e.get_stats()["total_orders"] == 0


def test_garbage_never_panics():
    """Random dicts of plausible and absurd values: only ValueError, never a panic."""
    rng = random.Random(9)
    keys = [
        "symbol",
        "side",
        "type",
        "order_type",
        "quantity",
        "price",
        "stop_price",
        "stop_loss",
        "take_profit",
        "trailing_amount",
        "trailing_bps",
        "time_in_force",
        "post_only",
        "reduce_only",
        "ts",
        "client_order_id",
        "stop_limit_price",
    ]
    values = [
        None,
        0,
        -1,
        1,
        2**63,
        -(2**70),
        1e308,
        -1e-308,
        float("nan"),
        0.1,
        "1e-30",
        "1e30",
        "",
        "BTC/USD",
        "ETH/USD",
        "buy",
        "sell",
        "market",
        "limit",
        "stop",
        "stop_limit",
        "trailing_stop",
        "bracket",
        "oco",
        "ioc",
        "fok",
        "post_only",
        True,
        False,
        [],
        {},
        b"bytes",
        Decimal("NaN"),
        Decimal("1.5"),
        Decimal("-0"),
        object(),
    ]
    e = engine(allow_short=True)
    e.on_bar("BTC/USD", 1, 100.0, 101.0, 99.0, 100.0, 1000)
    accepted = 0
    for i in range(3000):
        order = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 8))}
        if rng.random() < 0.7:
            order.update(
                symbol=rng.choice(["BTC/USD", "ETH/USD"]), side=rng.choice(["buy", "sell"])
            )
        try:
            e.submit_order(order)
            accepted += 1
        except ValueError:
            pass
        if i % 100 == 0:
            e.on_bar("BTC/USD", 2 + i, 100.0, 101.0, 99.0, 100.0, 1000)
    assert accepted > 0
    e.get_stats()
    e.balances()
    e.positions()


def test_bad_bars_and_options():
    e = engine()
    e.on_bar("BTC/USD", 5, 100.0, 101.0, 99.0, 100.0)
    with pytest.raises(ValueError, match="not after the previous one"):
        e.on_bar("BTC/USD", 5, 100.0, 101.0, 99.0, 100.0)
    with pytest.raises(ValueError, match="high: must be a finite price > 0"):
        e.on_bar("BTC/USD", 6, 100.0, float("nan"), 99.0, 100.0)
    with pytest.raises(ValueError, match="needs low <= open"):
        e.on_bar("BTC/USD", 6, 100.0, 99.0, 101.0, 100.0)
    with pytest.raises(ValueError, match="bids: levels must be sorted"):
        e.on_book("BTC/USD", 7, [(99, 1), (99.5, 1)], [(101, 1)])
    with pytest.raises(ValueError, match="colour: unknown option"):
        ExecutionEngine(colour="red")
    with pytest.raises(ValueError, match=r"participation: must be in \(0, 1\]"):
        ExecutionEngine(participation=1.5)
    with pytest.raises(ValueError, match=r"instruments\.X/USD\.tick: unknown key"):
        ExecutionEngine(instruments={"X/USD": {"tick": 1}})
    with pytest.raises(ValueError, match=r"slippage\.model"):
        ExecutionEngine(slippage={"model": "magic"})
    with pytest.raises(ValueError, match=r"balances\.USD"):
        ExecutionEngine(balances={"USD": "lots"})


def test_rejections_are_counted_by_code():
    e = engine(rate_limit={"per_second": 1, "burst": 2}, price_band_bps=500)
    e.on_bar("BTC/USD", 1000, 100.0, 101.0, 99.0, 100.0)
    ids = [
        e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 1, "price": 80}),
        e.submit_order({"symbol": "BTC/USD", "side": "sell", "quantity": 1}),
        e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 1}),
    ]
    assert [e.get_order(i)["reason_code"] for i in ids] == [
        "PRICE_BAND",
        "INSUFFICIENT_POSITION",
        "RATE_LIMIT",
    ]
    assert "bps from the last price" in e.get_order(ids[0])["reason"]
    stats = e.get_stats()
    assert stats["rejected"] == 3
    assert stats["rejections"] == {"PRICE_BAND": 1, "INSUFFICIENT_POSITION": 1, "RATE_LIMIT": 1}
    assert stats["p50_execution_time_us"] <= stats["p99_execution_time_us"]


# -- the paper venue's rules: bar_matching="arrival", account_rules="cash", fee_increment -------

PAPER = {
    "balances": {"USD": 1_000},
    "default_instrument": {
        "price_increment": "0.01",
        "size_increment": "0.001",
        "maker_fee": "0.001",
        "taker_fee": "0.002",
        "quote": "USD",
    },
    "bar_matching": "arrival",
    "account_rules": "cash",
    "fee_increment": "0.01",
    "slippage": {"model": "fixed", "bps": 10},
}


def paper(**options):
    return ExecutionEngine(**{**PAPER, **options})


def test_arrival_rounds_bar_prices_against_the_trader_and_slips_the_exact_open():
    e = paper()
    e.on_bar("BTC/USD", 1, 100.0, 100.0, 100.0, 100.0)
    buy = e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 1, "ts": 1})
    sell = e.submit_order({"symbol": "ETH/USD", "side": "sell", "quantity": 1, "ts": 1})
    # The open 100.004 is off the 0.01 grid: 100.004 x 1.001 = 100.104004 -> up to 100.11 for a
    # buy (rounding the open first, 100.01 x 1.001 = 100.11001, would give 100.12).
    (fill,) = e.on_bar("BTC/USD", 2, 100.004, 101.0, 99.0, 100.5)
    assert (fill["order_id"], fill["price"], fill["liquidity"]) == (buy, Decimal("100.11"), "taker")
    # Fee 100.11 x 0.002 = 0.20022 -> up to the 0.01 increment: 0.21.
    assert fill["fee"] == Decimal("0.21")
    assert e.balances()["USD"]["total"] == Decimal("1000") - Decimal("100.11") - Decimal("0.21")
    # A spot sell with nothing held is refused (cash rules still need holdings).
    assert e.get_order(sell)["reason_code"] == "INSUFFICIENT_POSITION"


def test_arrival_limits_fill_at_the_open_or_through_their_limit_as_makers():
    e = paper(balances={"USD": 10_000})
    e.on_bar("BTC/USD", 1, 100.0, 100.0, 100.0, 100.0)
    at_open = e.submit_order(
        {"symbol": "BTC/USD", "side": "buy", "type": "limit", "quantity": 1, "price": 100.0}
    )
    through = e.submit_order(
        {"symbol": "BTC/USD", "side": "buy", "type": "limit", "quantity": 1, "price": 99.0}
    )
    touched = e.submit_order(
        {"symbol": "BTC/USD", "side": "buy", "type": "limit", "quantity": 1, "price": 98.0}
    )
    # Open 99.991 rounds up (a buy; the nearest tick would be 99.99) to 100.00 <= 100: fills
    # at 100, no slippage. The low 98.0 trades through 99 (fills at 99) but only touches 98
    # (no fill without on-touch).
    fills = e.on_bar("BTC/USD", 2, 99.991, 100.5, 98.0, 99.5)
    assert [(f["order_id"], f["price"], f["liquidity"]) for f in fills] == [
        (at_open, Decimal("100"), "maker"),
        (through, Decimal("99"), "maker"),
    ]
    # Maker fee 0.001: 100 x 0.001 = 0.1; 99 x 0.001 = 0.099 -> up to 0.10.
    assert [f["fee"] for f in fills] == [Decimal("0.1"), Decimal("0.1")]
    assert e.get_order(touched)["status"] == "accepted"


def test_cash_rules_cancel_a_gap_up_at_fill_time_with_the_amounts():
    e = paper(balances={"USD": 101})
    e.on_bar("BTC/USD", 1, 100.0, 100.0, 100.0, 100.0)
    # Reserved at the last price: 100 + fee 0.2 <= 101, accepted.
    oid = e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 1})
    assert e.get_order(oid)["status"] == "accepted"
    # Gap up: 110 x 1.001 = 110.11, fee 0.22022 -> 0.23; 110.34 > 101 cash.
    assert e.on_bar("BTC/USD", 2, 110.0, 111.0, 109.0, 110.0) == []
    order = e.get_order(oid)
    assert (order["status"], order["reason_code"]) == ("cancelled", "INSUFFICIENT_BALANCE")
    assert order["reason"] == "insufficient cash at fill: need 110.34 USD, have 101 USD"
    assert e.balances()["USD"]["locked"] == 0


def test_cash_rules_let_a_short_sale_pay_for_a_buy_without_margin():
    e = paper(balances={"USD": 10}, allow_short=True, slippage=None)
    e.on_bar("BTC/USD", 1, 100.0, 100.0, 100.0, 100.0)
    short = e.submit_order({"symbol": "BTC/USD", "side": "sell", "quantity": 1})
    assert e.get_order(short)["status"] == "accepted"  # no margin asked under the cash rules
    (fill,) = e.on_bar("BTC/USD", 2, 100.0, 100.0, 100.0, 100.0)
    assert fill["fee"] == Decimal("0.2")
    assert e.balances()["USD"]["total"] == Decimal("109.8")
    # The proceeds count as cash: a second buy of 1 at 100 (+0.2 fee) is accepted.
    cover = e.submit_order({"symbol": "BTC/USD", "side": "buy", "quantity": 1})
    assert e.get_order(cover)["status"] == "accepted"


def test_restore_fill_and_restore_order_rebuild_an_account():
    e = paper()
    e.restore_fill("BTC/USD", "buy", Decimal("2"), Decimal("100"), Decimal("0.4"))
    e.restore_fill("BTC/USD", "sell", Decimal("0.5"), Decimal("110"), Decimal("0.11"))
    assert e.balances()["USD"]["total"] == Decimal("1000") - 200 - Decimal("0.4") + 55 - Decimal(
        "0.11"
    )
    assert e.positions()["BTC/USD"]["quantity"] == Decimal("1.5")
    # A reduce-only sell larger than the position was accepted before the restart: restored
    # as it was, without the checks (it is trimmed or cancelled when it would fill).
    oid = e.restore_order(
        {"symbol": "BTC/USD", "side": "sell", "quantity": 1.5, "reduce_only": True}
    )
    assert e.get_order(oid)["status"] == "accepted"
    e.set_last_price("ETH/USD", 20.004)
    buy = e.submit_order({"symbol": "ETH/USD", "side": "buy", "quantity": 1})
    assert e.get_order(buy)["status"] == "accepted"
    with pytest.raises(KernelError, match="quantity"):
        e.restore_fill("BTC/USD", "buy", Decimal("0.0001"), Decimal("1"), Decimal("0"))


def test_the_new_options_name_their_values():
    with pytest.raises(KernelError, match="bar_matching"):
        paper(bar_matching="nearest")
    with pytest.raises(KernelError, match="account_rules"):
        paper(account_rules="loose")
    with pytest.raises(KernelError, match="fee_increment"):
        paper(fee_increment="0")
