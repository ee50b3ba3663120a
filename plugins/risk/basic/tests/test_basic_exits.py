import math
from decimal import Decimal

from deepalpha.domain import OrderType, Side
from deepalpha_risk_basic import StopLossOptions, StopLossRule, TakeProfitOptions, TakeProfitRule
from hypothesis import given, settings
from hypothesis import strategies as st

D = Decimal


def test_a_long_stop_triggers_at_the_threshold(make_bar, make_ctx):
    ctx = make_ctx(held="2", entry="100")
    assert list(StopLossRule().on_bar(make_bar(96, 97, 94, 95.01), ctx)) == []
    (exit_,) = StopLossRule().on_bar(make_bar(96, 97, 94, 95), ctx)
    assert (exit_.side, exit_.quantity, exit_.reduce_only) == (Side.SELL, D(2), True)
    assert exit_.order_type is OrderType.MARKET and exit_.ts == 3_600_000
    assert exit_.reason == "stop_loss: close 95 <= 95 (5.00% below entry 100)"


def test_the_extreme_trigger_reacts_to_wicks(make_bar, make_ctx):
    rule = StopLossRule(StopLossOptions(trigger="extreme"))
    (exit_,) = rule.on_bar(make_bar(99, 100, 94, 99), make_ctx(held="1", entry="100"))
    assert exit_.reason.startswith("stop_loss: extreme 94 <= 95")


def test_a_short_stop_buys_back(make_bar, make_ctx):
    (exit_,) = StopLossRule().on_bar(make_bar(104, 106, 103, 105), make_ctx(held="-3", entry="100"))
    assert (exit_.side, exit_.quantity, exit_.reduce_only) == (Side.BUY, D(3), True)
    assert exit_.reason == "stop_loss: close 105 >= 105 (5.00% above entry 100)"


def test_take_profit_on_longs_and_shorts(make_bar, make_ctx):
    rule = TakeProfitRule()
    assert list(rule.on_bar(make_bar(109, 110, 108, 109.99), make_ctx(held="1", entry="100"))) == []
    (long_exit,) = rule.on_bar(make_bar(109, 111, 108, 110), make_ctx(held="1", entry="100"))
    assert long_exit.side is Side.SELL
    (short_exit,) = rule.on_bar(make_bar(91, 92, 89, 90), make_ctx(held="-1", entry="100"))
    assert short_exit.side is Side.BUY
    wick = TakeProfitRule(TakeProfitOptions(pct=0.1, trigger="extreme"))
    (exit_,) = wick.on_bar(make_bar(101, 112, 100, 101), make_ctx(held="1", entry="100"))
    assert exit_.reason == "take_profit: extreme 112 >= 110 (10.00% above entry 100)"


def test_nothing_happens_without_a_position(make_bar, make_ctx):
    flat = make_ctx(held="0")
    assert list(StopLossRule().on_bar(make_bar(1, 1, 1, 1), flat)) == []
    assert list(TakeProfitRule().on_bar(make_bar(1000, 1000, 1000, 1000), flat)) == []


def test_exit_rules_accept_every_intent(make_intent, make_ctx):
    intent = make_intent(Side.BUY, "1")
    assert StopLossRule().check(intent, make_ctx()).intent == intent
    assert TakeProfitRule().check(intent, make_ctx()).intent == intent


@settings(max_examples=300, deadline=None)
@given(
    entry=st.decimals("0.01", "100000", places=2),
    pct=st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.333]),
    nudge=st.integers(-40, 40),
    stop=st.booleans(),
)
def test_the_float_shortcut_agrees_with_exact_decimals(entry, pct, nudge, stop, make_bar, make_ctx):
    """Prices a few ulps either side of the threshold trigger exactly as Decimal arithmetic says."""
    rule = (
        StopLossRule(StopLossOptions(pct=pct))
        if stop
        else TakeProfitRule(TakeProfitOptions(pct=pct))
    )
    exact_pct = Decimal(repr(pct))
    threshold = entry * (1 - exact_pct) if stop else entry * (1 + exact_pct)
    close = float(threshold)
    for _ in range(abs(nudge)):
        close = math.nextafter(close, math.inf if nudge > 0 else -math.inf)
    ctx = make_ctx(held="1", entry=str(entry))
    fired = bool(list(rule.on_bar(make_bar(close, close, close, close), ctx)))
    price = Decimal(repr(close))
    assert fired == ((price <= threshold) if stop else (price >= threshold))


def _entry(side, *, stop=None, take=None):
    from deepalpha.domain import OrderIntent

    return OrderIntent("BTC/USD", side, 0, stop_loss=stop, take_profit=take)


def test_a_suggested_stop_is_used_when_tighter(make_bar, make_ctx):
    rule = StopLossRule()  # suggested: tighter
    flat = make_ctx()
    rule.check(_entry(Side.BUY, stop=98.0), flat)
    held = make_ctx(held="1", entry="100")
    assert list(rule.on_bar(make_bar(99, 99, 98.5, 98.01), held)) == []
    (exit_,) = rule.on_bar(make_bar(99, 99, 97.5, 98), held)
    assert "level suggested with the entry" in exit_.reason
    # A looser suggestion (90 < 95) leaves the 5% stop in charge.
    loose = StopLossRule()
    loose.check(_entry(Side.BUY, stop=90.0), flat)
    (exit_,) = loose.on_bar(make_bar(96, 97, 94, 95), held)
    assert exit_.reason.endswith("(5.00% below entry 100)")


def test_suggestions_can_be_preferred_or_ignored(make_bar, make_ctx):
    flat, held = make_ctx(), make_ctx(held="1", entry="100")
    prefer = StopLossRule(StopLossOptions(suggested="prefer"))
    prefer.check(_entry(Side.BUY, stop=90.0), flat)
    assert list(prefer.on_bar(make_bar(96, 97, 94, 95), held)) == []  # 90, not 95, now
    assert len(list(prefer.on_bar(make_bar(91, 91, 89, 90), held))) == 1
    ignore = StopLossRule(StopLossOptions(suggested="ignore"))
    ignore.check(_entry(Side.BUY, stop=99.0), flat)
    assert list(ignore.on_bar(make_bar(99, 99, 98, 98.5), held)) == []


def test_a_suggestion_on_the_wrong_side_or_after_the_position_closed_is_dropped(make_bar, make_ctx):
    rule = TakeProfitRule()
    flat, held = make_ctx(), make_ctx(held="1", entry="100")
    rule.check(_entry(Side.BUY, take=99.0), flat)  # a target below a long's entry: unusable
    assert list(rule.on_bar(make_bar(101, 102, 100, 101), held)) == []
    rule.check(_entry(Side.BUY, take=103.0), flat)
    assert list(rule.on_bar(make_bar(100, 100, 100, 100), flat)) == []  # flat: forgotten
    assert list(rule.on_bar(make_bar(103, 104, 102, 103.5), held)) == []  # back to 10%
