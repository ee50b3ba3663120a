"""Property tests: the rules' promises hold for any account, price and order."""

from __future__ import annotations

import decimal
from decimal import Decimal

from deepalpha.domain import Side
from deepalpha_risk_basic import (
    DailyLossRule,
    ExposureOptions,
    ExposureRule,
    MaxDrawdownOptions,
    MaxDrawdownRule,
    SizingOptions,
    SizingRule,
    StopLossRule,
    TakeProfitRule,
)
from hypothesis import given, settings
from hypothesis import strategies as st

equities = st.floats(min_value=1.0, max_value=1e9, allow_nan=False)
prices = st.floats(min_value=0.0001, max_value=1e6, allow_nan=False)
fractions = st.floats(min_value=1e-6, max_value=1.0, exclude_min=False)
holdings = st.decimals(min_value="-1000", max_value="1000", places=4)
quantities = st.decimals(min_value="0.0001", max_value="100000", places=4)
steps = st.sampled_from([Decimal("0.00000001"), Decimal("0.001"), Decimal(1)])
sides = st.sampled_from(Side)


def d(value: float) -> Decimal:
    return Decimal(repr(value))


# The checks below multiply exactly: a 28-digit context would round the very products compared.
exact = decimal.localcontext(prec=100)


@settings(max_examples=300)
@given(equities, prices, fractions, holdings, sides, steps)
def test_sizing_never_exceeds_the_target_and_misses_it_by_less_than_a_step(
    make_intent, make_ctx, equity, price, fraction, held, side, step
):
    rule = SizingRule(SizingOptions(fraction=fraction, quantity_step=step))
    ctx = make_ctx(equity=equity, price=price, held=held, entry="1")
    verdict = rule.check(make_intent(side), ctx)
    if held * side.sign < 0:  # against the position: it closes it, whatever the target
        assert verdict.intent.quantity == abs(held) and verdict.intent.reduce_only
        return
    with exact:
        _check_sizing(verdict, held, d(price), d(equity) * d(fraction), step)


def _check_sizing(verdict, held, price, target, step):
    if not verdict.approved:
        assert (abs(held) + step) * price > target
        return
    quantity = verdict.intent.quantity
    assert quantity > 0 and quantity % step == 0
    assert (abs(held) + quantity) * price <= target
    assert (abs(held) + quantity + step) * price > target


@settings(max_examples=300)
@given(equities, prices, fractions, holdings, quantities, sides, steps)
def test_exposure_keeps_every_accepted_order_under_the_cap(
    make_intent, make_ctx, equity, price, fraction, held, quantity, side, step
):
    rule = ExposureRule(ExposureOptions(max_fraction=fraction, quantity_step=step))
    ctx = make_ctx(equity=equity, price=price, held=held, entry="1")
    verdict = rule.check(make_intent(side, quantity), ctx)
    with exact:
        _check_exposure(verdict, held, d(price), d(equity) * d(fraction), quantity, side, step)


def _check_exposure(verdict, held, price, cap, quantity, side, step):
    before = abs(held) * price
    if verdict.approved:
        accepted = verdict.intent.quantity
        assert 0 < accepted <= quantity
        after = abs(held + side.sign * accepted) * price
        # Within the cap, or at least smaller than before (reducing an over-cap position is fine).
        assert after <= cap or after < before
        if accepted < quantity:  # shrunk as little as the step allows
            assert abs(held + side.sign * (accepted + step)) * price > cap
    else:
        assert abs(held + side.sign * step) * price > cap


@settings(max_examples=300)
@given(
    equity=st.floats(min_value=-1e6, max_value=1e9) | st.just(float("nan")),
    peak=equities,
    day_start=equities,
    price=st.one_of(st.none(), prices),
    held=holdings,
    quantity=st.one_of(st.none(), quantities),
    side=sides,
    ts=st.integers(0, 10**13),
)
def test_exits_are_never_blocked(
    make_intent, make_ctx, equity, peak, day_start, price, held, quantity, side, ts
):
    ctx = make_ctx(equity=equity, peak=peak, day_start=day_start, price=price, held=held, ts=ts)
    exit_ = make_intent(side, quantity, reduce_only=True)
    rules = [
        ExposureRule(ExposureOptions(max_fraction=1e-6)),
        MaxDrawdownRule(MaxDrawdownOptions(max_drawdown=1e-6)),
        DailyLossRule(),
        StopLossRule(),
        TakeProfitRule(),
    ]
    for rule in rules:
        rule.halted(ctx)  # trip the halts first where the account says so
        verdict = rule.check(exit_, ctx)
        assert verdict.approved and verdict.intent == exit_, rule.name


@settings(max_examples=300)
@given(held=holdings, entry=st.decimals("0.01", "100000", places=2), price=prices)
def test_protective_exits_close_exactly_the_position(make_bar, make_ctx, held, entry, price):
    ctx = make_ctx(held=held, entry=entry)
    for rule in (StopLossRule(), TakeProfitRule()):
        for exit_ in rule.on_bar(make_bar(price, price, price, price), ctx):
            assert held != 0 and exit_.reduce_only
            assert exit_.quantity == abs(held)
            assert exit_.side is (Side.SELL if held > 0 else Side.BUY)
            moved = (d(price) - entry) / entry * (1 if held > 0 else -1)
            assert (
                moved <= Decimal("-0.05") if rule.name == "stop_loss" else moved >= Decimal("0.1")
            )
