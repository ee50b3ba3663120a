"""One test per order path of the paper venue, with amounts worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from deepalpha.domain import OrderStatus, Side
from deepalpha_gateway_paper import GatewayHalted, PaperGateway

D = Decimal
SYMBOL = "BTC/USD"


def test_market_buy_fills_at_next_open_plus_slippage_and_pays_fee(
    make_gateway, make_intent, make_bar
):
    gw, journal = make_gateway()
    assert gw.on_bar(make_bar(1, 100, 101, 99, 100)) == []
    order = gw.submit(make_intent(1, Side.BUY, "1"))
    assert order.status is OrderStatus.OPEN and order.id == "paper-1"
    (fill,) = gw.on_bar(make_bar(2, 100, 102, 98, 101))
    assert fill.price == D("100.05")  # 5 bp above the open
    assert fill.fee == D("0.10005")  # 0.1% of notional
    assert fill.ts == 2 * 3_600_000
    pf = gw.portfolio()
    assert pf.cash == D("10000") - D("100.05") - D("0.10005")
    assert pf.fees_paid == D("0.10005")
    assert pf.position(SYMBOL).quantity == 1
    assert pf.position(SYMBOL).average_price == D("100.05")
    assert gw.open_orders() == []
    final = journal.orders()[-1]
    assert (final.status, final.filled_quantity, final.average_price) == (
        OrderStatus.FILLED,
        D(1),
        D("100.05"),
    )


def test_market_sell_fills_below_the_open_and_books_realized_pnl(
    make_gateway, make_intent, make_bar
):
    gw, _ = make_gateway(fee_rate=0, slippage_bps=10)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "2"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))  # bought at 100.1
    gw.submit(make_intent(2, Side.SELL, "2"))
    (fill,) = gw.on_bar(make_bar(3, 110, 111, 109, 110))
    assert fill.price == D("109.89")  # 10 bp below 110
    pos = gw.portfolio().position(SYMBOL)
    assert pos.quantity == 0
    assert pos.realized_pnl == (D("109.89") - D("100.1")) * 2
    assert gw.portfolio().cash == D(10000) + pos.realized_pnl


def test_no_fill_on_the_bar_the_order_was_placed(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(2, Side.BUY, "1"))  # the engine is at bar 2 already
    assert gw.on_bar(make_bar(2, 100, 100, 100, 100)) == []  # same bar: must not fill
    assert len(gw.on_bar(make_bar(3, 100, 100, 100, 100))) == 1


def test_bars_must_move_forward(make_gateway, make_bar):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(5, 100, 100, 100, 100))
    with pytest.raises(ValueError, match="BTC/USD bar at 14400000 is not after 18000000"):
        gw.on_bar(make_bar(4, 100, 100, 100, 100))


def test_orders_only_match_bars_of_their_symbol(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "1"))
    assert gw.on_bar(make_bar(2, 50, 50, 50, 50, symbol="ETH/USD")) == []
    assert gw.open_orders()[0].status is OrderStatus.OPEN


def test_limit_buy_rests_until_the_bar_trades_through(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(fee_rate=0)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    order = gw.submit(make_intent(1, Side.BUY, "1", limit="95"))
    assert order.status is OrderStatus.OPEN
    assert gw.on_bar(make_bar(2, 99, 100, 96, 97)) == []  # low above the limit
    assert gw.on_bar(make_bar(3, 97, 98, 95, 96)) == []  # touch only: not through
    (fill,) = gw.on_bar(make_bar(4, 96, 97, 94, 95))
    assert fill.price == D(95)


def test_limit_fills_at_the_open_when_it_gaps_beyond(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(fee_rate=0)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "1", limit="95"))
    (fill,) = gw.on_bar(make_bar(2, 90, 92, 89, 91))
    assert fill.price == D(90)  # the open is better than the limit


def test_limit_sell_and_fill_on_touch(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(fee_rate=0, slippage_bps=0, fill_limit_on_touch=True)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "1"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    gw.submit(make_intent(2, Side.SELL, "1", limit="105"))
    (fill,) = gw.on_bar(make_bar(3, 101, 105, 100, 104))  # high touches 105
    assert fill.price == D(105)


def test_maker_fee_applies_to_limit_orders(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(fee_rate="0.002", maker_fee_rate="0.0005")
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "2", limit="100"))
    (fill,) = gw.on_bar(make_bar(2, 100, 100, 100, 100))
    assert fill.fee == D("0.1")


def test_limit_price_is_rounded_to_the_tick_never_looser(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(price_tick="0.5")
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    assert gw.submit(make_intent(1, Side.BUY, "1", limit="99.9")).limit_price == D("99.5")
    gw.submit(make_intent(1, Side.BUY, "1"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    sell = gw.submit(make_intent(2, Side.SELL, "1", limit="100.1"))
    assert sell.status is OrderStatus.OPEN and sell.limit_price == D("100.5")


def test_fees_round_up_to_the_fee_tick(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(fee_rate="0.001", fee_tick="0.01", slippage_bps=0)
    gw.on_bar(make_bar(1, 3, 3, 3, 3))
    gw.submit(make_intent(1, Side.BUY, "1"))
    (fill,) = gw.on_bar(make_bar(2, 3, 3, 3, 3))
    assert fill.fee == D("0.01")  # 0.003 rounded up


@pytest.mark.parametrize(
    ("quantity", "options", "reason"),
    [
        (None, {}, "quantity is not set: a sizing rule must run before the gateway"),
        ("-1", {}, "quantity must be > 0, got -1"),
        ("0.004", {"quantity_step": "0.01"}, "quantity 0.004 is below the venue minimum"),
        ("0.5", {"min_quantity": "1"}, "quantity 0.5 is below the venue minimum"),
        ("200", {}, "insufficient cash: need 20030.01 USD, available 10000 USD"),
    ],
)
def test_refused_orders_are_returned_rejected_and_persisted(
    quantity, options, reason, make_gateway, make_intent, make_bar
):
    gw, journal = make_gateway(**options)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    order = gw.submit(make_intent(1, Side.BUY, quantity))
    assert order.status is OrderStatus.REJECTED
    assert order.reason.startswith(reason)
    assert [o.status for o in journal.orders()] == [OrderStatus.NEW, OrderStatus.REJECTED]
    assert journal.orders()[-1] == order
    assert gw.open_orders() == []
    assert gw.portfolio().cash == gw.options.initial_cash


def test_quantity_is_rounded_down_to_the_step(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(quantity_step="0.01")
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    assert gw.submit(make_intent(1, Side.BUY, "1.239")).quantity == D("1.23")


def test_market_buy_needs_a_price_first(make_gateway, make_intent, make_bar):
    order = make_gateway()[0].submit(make_intent(1, Side.BUY, "1"))
    assert order.reason == "no price for BTC/USD yet: no bar of it was seen"


def test_limit_and_market_price_mistakes_are_rejected(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    no_limit = attrs.evolve(make_intent(1, Side.BUY, "1", limit="1"), limit_price=None)
    assert gw.submit(no_limit).reason == "limit order without limit_price"
    assert (
        gw.submit(make_intent(1, Side.BUY, "1", limit="-5")).reason
        == "limit_price must be > 0, got -5"
    )
    priced_market = attrs.evolve(make_intent(1, Side.BUY, "1"), limit_price=D(100))
    assert gw.submit(priced_market).reason == "market order must not carry a limit_price"


def test_spot_sell_needs_holdings(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    order = gw.submit(make_intent(1, Side.SELL, "1"))
    assert order.status is OrderStatus.REJECTED
    assert order.reason == (
        "insufficient BTC/USD holdings: sell 1, available 0 (short selling is off)"
    )


def test_open_sells_reserve_holdings(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "1"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    assert gw.submit(make_intent(2, Side.SELL, "0.6", limit="200")).status is OrderStatus.OPEN
    second = gw.submit(make_intent(2, Side.SELL, "0.6"))
    assert second.reason.startswith("insufficient BTC/USD holdings: sell 0.6, available 0.4")


def test_open_buys_reserve_cash(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(fee_rate=0, slippage_bps=0)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    assert gw.submit(make_intent(1, Side.BUY, "60", limit="100")).status is OrderStatus.OPEN
    second = gw.submit(make_intent(1, Side.BUY, "50"))
    assert second.reason == "insufficient cash: need 5000 USD, available 4000 USD"


def test_a_gap_up_cancels_a_buy_the_account_cannot_pay(make_gateway, make_intent, make_bar):
    gw, journal = make_gateway(fee_rate=0, slippage_bps=0)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    assert gw.submit(make_intent(1, Side.BUY, "99")).status is OrderStatus.OPEN
    assert gw.on_bar(make_bar(2, 200, 200, 200, 200)) == []
    last = journal.orders()[-1]
    assert last.status is OrderStatus.CANCELED
    assert last.reason == "insufficient cash at fill: need 19800 USD, have 10000 USD"
    assert gw.portfolio().cash == 10000 and gw.open_orders() == []


def test_short_selling_when_allowed(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(allow_short=True, fee_rate=0, slippage_bps=0)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.SELL, "2"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    pf = gw.portfolio()
    assert pf.position(SYMBOL).quantity == -2 and pf.cash == 10200
    gw.submit(make_intent(2, Side.BUY, "2", reduce_only=True))
    gw.on_bar(make_bar(3, 90, 90, 90, 90))
    pos = gw.portfolio().position(SYMBOL)
    assert pos.quantity == 0 and pos.realized_pnl == 20


def test_reduce_only_never_grows_or_flips_a_position(make_gateway, make_intent, make_bar):
    gw, _ = make_gateway(allow_short=True)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    flat = gw.submit(make_intent(1, Side.SELL, "1", reduce_only=True))
    assert flat.reason == "reduce_only sell would not reduce the BTC/USD position of 0"
    gw.submit(make_intent(1, Side.BUY, "1"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    capped = gw.submit(make_intent(2, Side.SELL, "5", reduce_only=True))
    assert capped.status is OrderStatus.OPEN and capped.quantity == 1
    again = gw.submit(make_intent(2, Side.SELL, "1", reduce_only=True))
    assert again.reason == (
        "reduce_only sell: the BTC/USD position of 1 is already covered by open orders"
    )


def test_cancel_a_resting_order(make_gateway, make_intent, make_bar):
    gw, journal = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    order = gw.submit(make_intent(1, Side.BUY, "50", limit="90"))
    canceled = gw.cancel(order.id)
    assert canceled.status is OrderStatus.CANCELED
    assert journal.orders()[-1] == canceled
    assert gw.open_orders() == []
    assert gw.on_bar(make_bar(2, 80, 80, 80, 80)) == []
    # The reservation is released: the whole balance is available again.
    assert gw.submit(make_intent(2, Side.BUY, "99", limit="100")).status is OrderStatus.OPEN


def test_cancel_of_a_finished_order_returns_it_and_unknown_ids_fail(
    make_gateway, make_intent, make_bar
):
    gw, _ = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    order = gw.submit(make_intent(1, Side.BUY, "1"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    assert gw.cancel(order.id).status is OrderStatus.FILLED
    with pytest.raises(KeyError, match="no order 'paper-99'"):
        gw.cancel("paper-99")


def test_ids_are_deterministic_per_instance(make_intent, make_bar, journal_class):
    def run() -> list[str]:
        gw = PaperGateway()
        gw.start(journal_class())
        gw.on_bar(make_bar(1, 100, 100, 100, 100))
        ids = [gw.submit(make_intent(1, Side.BUY, "1")).id for _ in range(3)]
        ids += [f.id for f in gw.on_bar(make_bar(2, 100, 100, 100, 100))]
        return ids

    assert (
        run()
        == run()
        == ["paper-1", "paper-2", "paper-3", "paper-fill-1", "paper-fill-2", "paper-fill-3"]
    )


def test_journal_sees_new_then_open_then_fill_then_filled(make_gateway, make_intent, make_bar):
    gw, journal = make_gateway()
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "1"))
    gw.on_bar(make_bar(2, 100, 100, 100, 100))
    kinds = [kind if kind == "fill" else rec.status.value for kind, rec in journal.events]
    assert kinds == ["new", "open", "fill", "filled"]
    _, (_, position) = journal.events[2]
    assert position == gw.portfolio().position(SYMBOL)


def test_trading_needs_a_journal(make_intent):
    with pytest.raises(RuntimeError, match=r"call start\(journal\) before trading"):
        PaperGateway().submit(make_intent(1, Side.BUY, "1"))


@pytest.mark.parametrize(("fail_on", "fail_after"), [("order", 0), ("order", 1)])
def test_a_failing_journal_stops_the_acknowledgement_and_halts(
    fail_on, fail_after, make_intent, make_bar, journal_class
):
    journal = journal_class(fail_on=fail_on, fail_after=fail_after)
    gw = PaperGateway()
    gw.start(journal)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    with pytest.raises(OSError, match="disk full"):
        gw.submit(make_intent(1, Side.BUY, "1"))
    assert gw.open_orders() == []  # never accepted
    assert all(o.status is OrderStatus.NEW for o in journal.orders())
    with pytest.raises(GatewayHalted, match="journal failure"):
        gw.submit(make_intent(1, Side.BUY, "1"))
    with pytest.raises(GatewayHalted):
        gw.on_bar(make_bar(2, 100, 100, 100, 100))
    assert gw.portfolio().cash == 10000


@pytest.mark.parametrize(("fail_on", "fail_after"), [("fill", 0), ("order", 2)])
def test_a_failing_journal_at_fill_time_books_nothing(
    fail_on, fail_after, make_intent, make_bar, journal_class
):
    journal = journal_class(fail_on=fail_on, fail_after=fail_after)
    gw = PaperGateway()
    gw.start(journal)
    gw.on_bar(make_bar(1, 100, 100, 100, 100))
    gw.submit(make_intent(1, Side.BUY, "1"))  # NEW, OPEN written
    with pytest.raises(OSError):
        gw.on_bar(make_bar(2, 100, 100, 100, 100))
    pf = gw.portfolio()
    assert pf.cash == 10000 and pf.fees_paid == 0 and not pf.positions
    with pytest.raises(GatewayHalted):
        gw.on_bar(make_bar(3, 100, 100, 100, 100))
