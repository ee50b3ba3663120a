from decimal import Decimal

from deepalpha.domain import Side
from deepalpha_risk_basic import ExposureOptions, ExposureRule

D = Decimal


def test_an_order_within_the_cap_passes_unchanged(make_intent, make_ctx):
    order = make_intent(Side.BUY, "10")  # 1,000 = exactly 10% of 10,000
    verdict = ExposureRule().check(order, make_ctx(equity=10_000, price=100.0))
    assert verdict.approved and verdict.intent == order


def test_an_order_beyond_the_cap_is_shrunk(make_intent, make_ctx):
    verdict = ExposureRule().check(
        make_intent(Side.BUY, "4"), make_ctx(held="8", entry="100", price=100.0)
    )
    assert verdict.intent.quantity == 2
    assert verdict.reason == "exposure: shrunk 4 -> 2 to stay within 1000 (10.00% of equity)"


def test_a_full_symbol_rejects(make_intent, make_ctx):
    verdict = ExposureRule().check(
        make_intent(Side.BUY, "1"), make_ctx(held="10", entry="100", price=100.0)
    )
    assert verdict.reason == "exposure: BTC/USD is already at its cap of 1000 (10.00% of equity)"


def test_shorts_count_as_exposure_too(make_intent, make_ctx):
    rule = ExposureRule(ExposureOptions(max_fraction=0.5))
    flip = rule.check(make_intent(Side.SELL, "100"), make_ctx(held="20", entry="100", price=100.0))
    assert flip.intent.quantity == 70  # close 20, then short up to 5,000 / 100 = 50
    more_short = rule.check(
        make_intent(Side.SELL, "40"), make_ctx(held="-30", entry="100", price=100.0)
    )
    assert more_short.intent.quantity == 20


def test_exits_always_pass(make_intent, make_ctx):
    exit_ = make_intent(Side.SELL, "1000", reduce_only=True)
    verdict = ExposureRule().check(exit_, make_ctx(held="50", entry="100", equity=1.0))
    assert verdict.intent == exit_


def test_exposure_needs_a_sized_intent(make_intent, make_ctx):
    verdict = ExposureRule().check(make_intent(Side.BUY), make_ctx())
    assert verdict.reason == (
        "exposure: the intent has no quantity yet; list 'sizing' before 'exposure'"
    )
