"""The ccxt gateway with the real ccxt library against the loopback Binance (REST + WebSocket).

Expected numbers are worked out by hand from the venue's rules (tick 0.01, step 0.00001 BTC /
0.0001 ETH, minimum notional 5 USDT, commission 0.1% in USDT), not from the gateway's code.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from deepalpha.domain import Bar, OrderStatus, Side


def test_limit_orders_on_two_symbols_partial_fills_via_stream(venue, make_gateway, helpers):
    gateway, journal = make_gateway()
    btc = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.002", limit="30000"))
    eth = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.5", limit="2000"))
    assert (btc.status, eth.status) == (OrderStatus.OPEN, OrderStatus.OPEN)
    # Persisted NEW before the venue saw it, then OPEN.
    assert [o.status for o in journal.orders() if o.id == btc.id] == [
        OrderStatus.NEW, OrderStatus.OPEN]  # fmt: skip
    assert venue.posts()[0]["newClientOrderId"] == btc.id

    venue.fill(btc.id, "0.0005", "29999.5")
    venue.fill(eth.id, "0.2")
    helpers.wait_for(lambda: len(journal.fills()) == 2, gateway)
    assert gateway._orders[btc.id].status is OrderStatus.PARTIALLY_FILLED
    venue.fill(btc.id)
    helpers.wait_for(lambda: gateway._orders[btc.id].status is OrderStatus.FILLED, gateway)

    fills = gateway.on_bar(Bar("BTC/USDT", 60_000, 1, 1, 1, 1, 1))
    assert sorted((f.symbol, f.quantity, f.price, f.fee) for f in fills) == sorted([
        ("BTC/USDT", Decimal("0.0005"), Decimal("29999.5"), Decimal("0.01499975")),
        ("ETH/USDT", Decimal("0.2"), Decimal("2000"), Decimal("0.4")),
        ("BTC/USDT", Decimal("0.0015"), Decimal("30000"), Decimal("0.045")),
    ])  # fmt: skip
    assert gateway.on_bar(Bar("BTC/USDT", 120_000, 1, 1, 1, 1, 1)) == []  # reported once
    # Every fill is journaled before its order's new state, and with the position after it.
    events = journal.events
    for i, (kind, record) in enumerate(events):
        if kind == "fill":
            fill, _position = record
            after_kind, after = events[i + 1]
            assert after_kind == "order" and after.id == fill.order_id
            assert after.filled_quantity >= fill.quantity
    pf = gateway.portfolio()
    assert pf.positions["BTC/USDT"].quantity == Decimal("0.002")
    assert pf.positions["ETH/USDT"].quantity == Decimal("0.2")
    # 100000 - 0.0005*29999.5 - 0.0015*30000 - 0.2*2000 - fees (0.01499975 + 0.045 + 0.4)
    assert pf.cash == Decimal("99539.54025025")
    # The venue agrees to the last digit: its free + locked USDT (0.3 ETH x 2000 still locked).
    assert venue.balances["USDT"][1] == Decimal("600")
    assert pf.cash == venue.balances["USDT"][0] + venue.balances["USDT"][1]
    assert gateway.reconcile_venue("check") == []


def test_market_order_fills_at_once_and_stream_duplicate_is_ignored(venue, make_gateway, helpers):
    venue.prices["ETHUSDT"] = Decimal("2500")
    gateway, journal = make_gateway()
    gateway.on_bar(Bar("ETH/USDT", 0, 2500, 2500, 2500, 2500, 1))
    order = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.1"))
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal("0.1") and order.average_price == Decimal("2500")
    helpers.wait_for(lambda: gateway._events.empty() and gateway.stream_connects >= 1, gateway)
    gateway.sync()
    assert len(journal.fills()) == 1  # the stream's copy of the same trade is not booked twice


def test_cancel_after_a_partial_fill(venue, make_gateway, helpers):
    gateway, journal = make_gateway()
    order = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.001", limit="25000"))
    venue.fill(order.id, "0.0004")
    canceled = gateway.cancel(order.id)  # the fill may not have arrived by stream yet
    assert canceled.status is OrderStatus.CANCELED
    assert canceled.filled_quantity == Decimal("0.0004")
    assert [f.quantity for f in journal.fills()] == [Decimal("0.0004")]
    assert venue._find(order.id)["status"] == "CANCELED"
    helpers.wait_for(lambda: gateway._events.empty(), gateway)
    assert len(journal.fills()) == 1
    assert gateway.cancel(order.id) is gateway._orders[order.id]  # finished: unchanged
    assert gateway.open_orders() == []


def test_429_with_retry_after_is_honoured_and_sends_once(venue, make_gateway, helpers):
    sleeps: list[float] = []
    gateway, _ = make_gateway(sleeps=sleeps)
    venue.fail_next(429, method="POST", path="/api/v3/order", retry_after=3)
    order = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.01", limit="1000"))
    assert order.status is OrderStatus.OPEN
    assert sleeps and sleeps[0] >= 3  # Retry-After wins over the 0.01 s backoff
    assert venue.client_ids() == [order.id]  # one order at the venue
    assert gateway.exchange.enableRateLimit is True


def test_dropped_response_is_found_by_client_id_not_sent_twice(venue, make_gateway, helpers):
    gateway, _journal = make_gateway()
    venue.drop_next_response(method="POST", path="/api/v3/order")
    order = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.001", limit="30000"))
    assert order.status is OrderStatus.OPEN
    assert venue.client_ids() == [order.id]
    assert len(venue.posts()) == 1  # looked up by origClientOrderId, never re-sent
    lookups = [p for m, path, p, _ in venue.requests
               if m == "GET" and path == "/api/v3/order"]  # fmt: skip
    assert lookups and lookups[0]["origClientOrderId"] == order.id


def test_fill_while_stream_is_down_is_found_on_reconnect(venue, make_gateway, helpers):
    gateway, journal = make_gateway()
    order = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.3", limit="2000"))
    venue.set_down(True)
    venue.fill(order.id, "0.1")  # nobody hears about this one
    venue.set_down(False)
    helpers.wait_for(lambda: gateway.stream_connects >= 2, gateway)
    missed = gateway.reconciliations_of("missed_fill")
    assert [r.order_id for r in missed] == [order.id]
    assert gateway._orders[order.id].filled_quantity == Decimal("0.1")
    assert [f.quantity for f in journal.fills()] == [Decimal("0.1")]
    # After the reconnect the stream works again.
    venue.fill(order.id)
    helpers.wait_for(lambda: gateway._orders[order.id].status is OrderStatus.FILLED, gateway)
    assert not gateway.reconciliations_of("balance")


def test_fill_while_client_is_down_is_found_on_start(venue, make_gateway, helpers):
    gateway, journal = make_gateway()
    resting = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.001", limit="30000"))
    other = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.1", limit="2000"))
    gateway.close()
    stored_orders = {o.id: o for o in journal.orders()}.values()
    venue.fill(resting.id)  # filled while no client runs
    venue._cancel(venue._find(other.id))  # canceled on the website meanwhile
    venue.place("ETHUSDT", "BUY", "0.01", "1500.00", "web_manual_1")  # not ours

    again, journal2 = make_gateway(stream=False, client_id_prefix=gateway.prefix)
    found = again.reconcile(list(stored_orders), [], {"BTC/USDT": 30000.0})
    # The start (before the engine hands over the stored orders) already takes the venue's
    # balances and sees the foreign order; the resume finds the fill and the cancel.
    kinds = sorted(r.kind for r in again.reconciliations)
    assert "missed_fill" in kinds and "foreign_order" in kinds and "order_state" in kinds
    assert all(isinstance(line, str) for line in found)
    assert again._orders[resting.id].status is OrderStatus.FILLED
    assert again._orders[other.id].status is OrderStatus.CANCELED
    assert [f.order_id for f in journal2.fills()] == [resting.id]
    # The next order continues the sequence: no client id is reused.
    nxt = again.submit(helpers.intent("BTC/USDT", Side.SELL, "0.001", limit="31000"))
    assert nxt.id == f"{gateway.prefix}-3" and nxt.status is OrderStatus.OPEN


def test_order_sent_before_a_crash_is_adopted_on_start(venue, make_gateway, helpers):
    venue.place("BTCUSDT", "BUY", "0.001", "20000.00", "daCRASH-7")
    gateway, journal = make_gateway(stream=False, client_id_prefix="daCRASH")
    assert [r.order_id for r in gateway.reconciliations_of("adopted_order")] == ["daCRASH-7"]
    assert journal.last("daCRASH-7").status is OrderStatus.OPEN
    assert gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.001", "20000")).id == "daCRASH-8"


def test_precision_rounding(venue, make_gateway, helpers):
    gateway, _ = make_gateway(stream=False)
    buy = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.0012345", limit="30000.128"))
    assert (buy.quantity, buy.limit_price) == (Decimal("0.00123"), Decimal("30000.12"))
    sell_venue = venue
    sell_venue.balances["BTC"] = [Decimal("1"), Decimal(0)]
    sell = gateway.submit(helpers.intent("BTC/USDT", Side.SELL, "0.00109", limit="30000.121"))
    # A sell limit never rounds below what was asked.
    assert (sell.quantity, sell.limit_price) == (Decimal("0.00109"), Decimal("30000.13"))
    post = venue.posts()
    assert (post[0]["quantity"], post[0]["price"]) == ("0.00123", "30000.12")


def test_min_notional_and_min_amount_are_persisted_rejections(venue, make_gateway, helpers):
    gateway, journal = make_gateway(stream=False)
    small = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.0001", limit="30000"))
    assert small.status is OrderStatus.REJECTED
    assert "below BTC/USDT's minimum 5 USDT" in small.reason and "notional 3" in small.reason
    dust = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.00001", limit="2000"))
    assert dust.status is OrderStatus.REJECTED and "rounds to 0" in dust.reason
    market = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.01"))
    assert market.status is OrderStatus.REJECTED and "no price" in market.reason
    assert [journal.last(o.id).status for o in (small, dust, market)] == [OrderStatus.REJECTED] * 3
    assert venue.posts() == []  # none reached the venue
    # A refusal by the venue itself is a persisted rejection too.
    venue.balances["USDT"] = [Decimal("10"), Decimal(0)]
    poor = gateway.submit(helpers.intent("ETH/USDT", Side.BUY, "0.01", limit="2000"))
    assert poor.status is OrderStatus.REJECTED and "insufficient balance" in poor.reason


def test_secrets_never_in_logs_errors_or_repr(venue, make_gateway, helpers, caplog):
    caplog.set_level(logging.DEBUG)
    sleeps: list[float] = []
    gateway, _ = make_gateway(sleeps=sleeps, retries=1)
    venue.fail_next(503, method="GET", path="/api/v3/openOrders", times=5)
    from deepalpha_gateway_ccxt import VenueUnavailable

    with pytest.raises(VenueUnavailable) as raised:
        gateway.reconcile_venue("test")
    venue.fail_next(400, method="POST", path="/api/v3/order", retry_after=None)
    rejected = gateway.submit(helpers.intent("BTC/USDT", Side.BUY, "0.001", limit="30000"))
    texts = [caplog.text, str(raised.value), repr(gateway), rejected.reason,
             *(r.line() for r in gateway.reconciliations)]  # fmt: skip
    for text in texts:
        assert helpers.SECRET not in text and helpers.KEY not in text
        assert "signature=" not in text or "signature=***" in text
    assert "api_key='***'" in repr(gateway)
    assert "ccxt gateway" in caplog.text  # something was logged


def test_missing_keys_name_the_variables(helpers):
    from deepalpha.errors import ConfigError
    from deepalpha_gateway_ccxt import CcxtGateway, CcxtGatewayOptions

    with pytest.raises(ConfigError, match="BINANCE_SECRET") as raised:
        CcxtGateway(CcxtGatewayOptions(), environ={"BINANCE_API_KEY": helpers.KEY})
    assert helpers.KEY not in str(raised.value)
