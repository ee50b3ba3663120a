"""Pre-trade venue checks: precision, max_notional, price_band, rate_limit.

Expected numbers are worked out by hand in the comments, not taken from the rules' code.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import Side
from deepalpha_risk_basic import (
    MaxNotionalOptions,
    MaxNotionalRule,
    PrecisionOptions,
    PrecisionRule,
    PriceBandOptions,
    PriceBandRule,
    RateLimitOptions,
    RateLimitRule,
)

BTC, ETH = "BTC/USDT", "ETH/USDT"
PRICES = {BTC: 100.0, ETH: 50.0}


@pytest.fixture
def flat(make_book):
    return make_book({}, PRICES)


# -- precision ---------------------------------------------------------------------------------


def test_precision_rounds_the_quantity_down_to_the_step(make_order, flat):
    rule = PrecisionRule(PrecisionOptions(quantity_step="0.001"))
    verdict = rule.check(make_order(BTC, Side.BUY, "1.23456"), flat)
    assert verdict.intent.quantity == Decimal("1.234")
    assert verdict.reason == "precision: quantity 1.23456 -> 1.234"


def test_precision_leaves_an_order_on_the_grid_alone(make_order, flat):
    intent = make_order(BTC, Side.BUY, "1.234")
    verdict = PrecisionRule(PrecisionOptions(quantity_step="0.001")).check(intent, flat)
    assert verdict.intent is intent and verdict.reason == ""


def test_precision_refuses_below_the_minimum_quantity(make_order, flat):
    # 0.0099 on a 0.001 grid is 0.009, under the minimum 0.01.
    rule = PrecisionRule(PrecisionOptions(quantity_step="0.001", min_quantity="0.01"))
    verdict = rule.check(make_order(BTC, Side.BUY, "0.0099"), flat)
    assert not verdict.approved
    assert verdict.reason.startswith("precision: BTC/USDT quantity 0.0099 rounds down to 0.009")
    assert "minimum quantity 0.01" in verdict.reason


def test_precision_refuses_a_quantity_that_rounds_to_nothing(make_order, flat):
    verdict = PrecisionRule(PrecisionOptions(quantity_step="1")).check(
        make_order(BTC, Side.BUY, "0.5"), flat
    )
    assert not verdict.approved and "rounds down to 0" in verdict.reason


def test_precision_refuses_below_the_minimum_notional(make_order, flat):
    # 0.099 x 100 = 9.9 < 10; 0.1 x 100 = 10 is enough.
    rule = PrecisionRule(PrecisionOptions(quantity_step="0.001", min_notional=10))
    verdict = rule.check(make_order(BTC, Side.BUY, "0.099"), flat)
    assert not verdict.approved
    assert "0.099 x 100 = 9.9 is below the minimum notional 10" in verdict.reason
    assert rule.check(make_order(BTC, Side.BUY, "0.1"), flat).approved


def test_precision_values_a_limit_order_at_its_limit(make_order, flat):
    # A limit buy at 90: 0.11 x 90 = 9.9 < 10, though at the last close (100) it would be 11.
    rule = PrecisionRule(PrecisionOptions(quantity_step="0.01", min_notional=10))
    verdict = rule.check(make_order(BTC, Side.BUY, "0.11", limit="90"), flat)
    assert not verdict.approved and "= 9.9 is below" in verdict.reason


def test_precision_per_symbol_grids(make_order, flat):
    # Written as in the configuration file, through the core's config converter.
    options = {
        "quantity_step": "0.00001",
        "symbols": {ETH: {"quantity_step": "0.01", "min_notional": 20}},
    }
    rule = PrecisionRule(_structured(options))
    assert rule.check(make_order(BTC, Side.BUY, "0.123456"), flat).intent.quantity == Decimal(
        "0.12345"
    )
    assert rule.check(make_order(ETH, Side.BUY, "0.456"), flat).intent.quantity == Decimal("0.45")
    # ETH: 0.39 x 50 = 19.5 < 20; BTC has no minimum.
    assert not rule.check(make_order(ETH, Side.BUY, "0.39"), flat).approved
    assert rule.check(make_order(BTC, Side.BUY, "0.001"), flat).approved


def _structured(options: dict) -> PrecisionOptions:
    from deepalpha.config.converter import structure

    return structure(options, PrecisionOptions, "risk.precision.options")


def test_precision_puts_limit_prices_on_the_tick_away_from_the_market(make_order, flat):
    rule = PrecisionRule(PrecisionOptions(quantity_step="1", price_tick="0.5"))
    buy = rule.check(make_order(BTC, Side.BUY, "1", limit="100.7"), flat)
    sell = rule.check(make_order(BTC, Side.SELL, "1", limit="100.2"), flat)
    assert buy.intent.limit_price == Decimal("100.5")  # a buy never pays more than asked
    assert sell.intent.limit_price == Decimal("100.5")  # a sell never takes less
    assert buy.reason == "precision: limit 100.7 -> 100.5"


def test_precision_rounds_exits_too(make_book, make_order):
    ctx = make_book({BTC: ("1.2345", "100")}, PRICES)
    rule = PrecisionRule(PrecisionOptions(quantity_step="0.01"))
    verdict = rule.check(make_order(BTC, Side.SELL, "1.2345", reduce_only=True), ctx)
    assert verdict.intent.quantity == Decimal("1.23") and verdict.intent.reduce_only


def test_precision_options_are_checked():
    with pytest.raises(ValueError, match=r"^min_notional: must be >= 0, got -1$"):
        PrecisionOptions(min_notional=-1)
    with pytest.raises(ValueError, match=r"^price_tick: must be > 0, got 0$"):
        PrecisionOptions(price_tick=0)


# -- max_notional ------------------------------------------------------------------------------


def test_max_notional_rejects_an_order_worth_more(make_order, flat):
    # 10.5 x 100 = 1,050 > 1,000; 10 x 100 = 1,000 is allowed.
    rule = MaxNotionalRule(MaxNotionalOptions(max_notional=1000))
    verdict = rule.check(make_order(BTC, Side.BUY, "10.5"), flat)
    assert not verdict.approved
    assert verdict.reason == (
        "max_notional: BTC/USDT order value 10.5 x 100 = 1,050.00 is above max_notional 1,000.00"
    )
    assert rule.check(make_order(BTC, Side.BUY, "10"), flat).approved


def test_max_notional_can_shrink_instead(make_order, flat):
    rule = MaxNotionalRule(
        MaxNotionalOptions(max_notional=1000, action="shrink", quantity_step="0.3")
    )
    # 1,000 / 100 = 10 -> largest multiple of 0.3 is 9.9.
    verdict = rule.check(make_order(BTC, Side.BUY, "10.5"), flat)
    assert verdict.intent.quantity == Decimal("9.9")


def test_max_notional_lets_exits_through(make_book, make_order):
    ctx = make_book({BTC: ("20", "100")}, PRICES)
    rule = MaxNotionalRule(MaxNotionalOptions(max_notional=1000))
    intent = make_order(BTC, Side.SELL, "20")  # 2,000 but closes the position
    assert rule.check(intent, ctx).intent is intent


# -- price_band ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "limit", "ok"),
    [
        (Side.BUY, "105", True),  # exactly 5% above
        (Side.BUY, "105.01", False),
        (Side.BUY, "95", True),
        (Side.SELL, "94.99", False),
        (Side.SELL, "104", True),
    ],
)
def test_price_band_against_the_last_close(make_order, flat, side, limit, ok):
    verdict = PriceBandRule(PriceBandOptions(max_deviation=0.05)).check(
        make_order(BTC, side, "1", limit=limit), flat
    )
    assert verdict.approved is ok


def test_price_band_reason_names_the_numbers(make_order, flat):
    verdict = PriceBandRule(PriceBandOptions(max_deviation=0.05)).check(
        make_order(ETH, Side.BUY, "1", limit="60"), flat
    )
    # ETH closed at 50: 60 is +20%, the band is 47.5 to 52.5.
    assert verdict.reason == (
        "price_band: ETH/USDT buy limit 60 is +20.00% from the last close 50 "
        "(band 5.00%: 47.5 to 52.5)"
    )


def test_price_band_ignores_market_orders_and_needs_a_close(make_book, make_order, flat):
    rule = PriceBandRule()
    assert rule.check(make_order(BTC, Side.BUY, "1"), flat).approved
    no_close = make_book({}, {})
    verdict = rule.check(make_order(BTC, Side.BUY, "1", limit="100"), no_close)
    assert not verdict.approved and "no last close" in verdict.reason


# -- rate_limit ------------------------------------------------------------------------------


def test_rate_limit_counts_orders_on_the_bar_clock(make_book, make_order):
    rule = RateLimitRule(RateLimitOptions(max_orders=2, window_seconds=60))

    def at(ts, side=Side.BUY, symbol=BTC, **kw):
        ctx = make_book({ETH: ("1", "50")}, PRICES, ts=ts)
        return rule.check(make_order(symbol, side, "1", ts=ts, **kw), ctx)

    assert at(0).approved
    assert at(10_000, symbol=ETH).approved  # two symbols share one budget
    third = at(59_999)
    assert not third.approved
    assert third.reason == (
        "rate_limit: 2 orders in the last 60s of the bar clock (limit 2); buy BTC/USDT refused"
    )
    assert at(59_999, side=Side.SELL, symbol=ETH).approved  # an exit passes (and counts)
    # At 60,000 the order of time 0 has left the window; 10,000 and 59,999 remain.
    assert not at(60_000).approved
    assert at(70_000).approved  # 10,000 left too: 59,999 alone remains
    rule.reset()
    assert at(70_001).approved
