from decimal import Decimal

from deepalpha.domain import Side
from deepalpha_risk_basic import SizingOptions, SizingRule

D = Decimal


def test_a_new_position_is_a_fraction_of_equity(make_intent, make_ctx):
    verdict = SizingRule().check(make_intent(Side.BUY), make_ctx(equity=10_000, price=100.0))
    assert verdict.approved and verdict.intent.quantity == 2  # 2% of 10,000 at 100
    assert verdict.reason == "sizing: 2 = 2.00% of equity at 100"


def test_quantities_are_rounded_down_to_the_step(make_intent, make_ctx):
    rule = SizingRule(SizingOptions(fraction=0.02, quantity_step="0.001"))
    verdict = rule.check(make_intent(Side.BUY), make_ctx(equity=10_000, price=3.0))
    assert verdict.intent.quantity == D("66.666")  # 200 / 3, never rounded up


def test_a_limit_order_is_sized_at_its_limit(make_intent, make_ctx):
    verdict = SizingRule().check(make_intent(Side.BUY, limit="50"), make_ctx(price=100.0))
    assert verdict.intent.quantity == 4


def test_an_existing_position_is_topped_up_not_pyramided(make_intent, make_ctx):
    rule = SizingRule()
    top_up = rule.check(make_intent(Side.BUY), make_ctx(held="1.5", entry="90", price=100.0))
    assert top_up.intent.quantity == D("0.5")
    full = rule.check(make_intent(Side.BUY), make_ctx(held="2", entry="90", price=100.0))
    assert not full.approved
    assert full.reason == (
        "sizing: the BTC/USD position (2 at 100) already reaches its target of 200 "
        "(2.00% of equity)"
    )


def test_an_intent_against_the_position_closes_it(make_intent, make_ctx):
    verdict = SizingRule().check(make_intent(Side.SELL), make_ctx(held="3", entry="90"))
    assert verdict.intent.quantity == 3 and verdict.intent.reduce_only
    short = SizingRule().check(make_intent(Side.BUY), make_ctx(held="-0.7", entry="90"))
    assert short.intent.quantity == D("0.7") and short.intent.reduce_only


def test_exits_without_quantity_close_everything(make_intent, make_ctx):
    verdict = SizingRule().check(
        make_intent(Side.SELL, reduce_only=True), make_ctx(held="1.25", entry="90")
    )
    assert verdict.intent.quantity == D("1.25") and verdict.intent.reduce_only


def test_exits_and_explicit_quantities_are_left_alone(make_intent, make_ctx):
    exit_ = make_intent(Side.SELL, "0.5", reduce_only=True)
    assert SizingRule().check(exit_, make_ctx(held="1.25", entry="90")).intent == exit_
    explicit = make_intent(Side.BUY, "7")
    assert SizingRule().check(explicit, make_ctx()).intent == explicit


def test_an_exit_with_nothing_to_exit_is_rejected(make_intent, make_ctx):
    verdict = SizingRule().check(make_intent(Side.SELL, reduce_only=True), make_ctx(held="0"))
    assert verdict.reason == "sizing: reduce_only sell but the BTC/USD position is 0"


def test_no_price_or_no_equity_rejects(make_intent, make_ctx):
    rule = SizingRule()
    no_price = rule.check(make_intent(Side.BUY), make_ctx(price=None))
    assert no_price.reason == "sizing: no valid last price for BTC/USD (got None)"
    nan_price = rule.check(make_intent(Side.BUY), make_ctx(price=float("nan")))
    assert not nan_price.approved
    broke = rule.check(make_intent(Side.BUY), make_ctx(equity=0.0))
    assert broke.reason == "sizing: equity is 0.0; nothing can be sized against it"
    dust = rule.check(make_intent(Side.BUY), make_ctx(equity=1e-9, price=60_000.0))
    assert not dust.approved
