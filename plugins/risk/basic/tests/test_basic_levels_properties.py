"""Property tests for the limits and venue checks, over books of two symbols.

- an exit (``reduce_only``, or against the position and no larger) is never blocked nor changed
  by a limit meant for exposure, whatever the limits, losses and book;
- an entry a cap approves leaves the measured value within the cap (or no worse than before);
- precision: the quantity is a multiple of the step, never above the request, less than a step
  below it.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from deepalpha.domain import Side
from deepalpha_risk_basic import (
    AccountOptions,
    AccountRule,
    ExposureRule,
    InstrumentOptions,
    InstrumentRule,
    MaxNotionalOptions,
    MaxNotionalRule,
    PrecisionOptions,
    PrecisionRule,
    RateLimitOptions,
    RateLimitRule,
    StrategyOptions,
    StrategyRule,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

BTC, ETH = "BTC/USDT", "ETH/USDT"

holdings = st.decimals(min_value="-500", max_value="500", places=3)
prices = st.floats(min_value=0.01, max_value=1e5, allow_nan=False)
equities = st.floats(min_value=-1e4, max_value=1e7, allow_nan=False)
fractions = st.floats(min_value=1e-4, max_value=1.0)
leverages = st.floats(min_value=1e-3, max_value=5.0)
steps = st.sampled_from([Decimal("0.00000001"), Decimal("0.001"), Decimal("0.5"), Decimal(1)])
symbols = st.sampled_from([BTC, ETH])


def exposure_rules(fraction: float, leverage: float):
    """Every rule holding an exposure limit, as tight as drawn, plus losses and streaks on."""
    from deepalpha_risk_basic import (
        DailyLossOptions,
        DailyLossRule,
        ExposureOptions,
        MaxDrawdownOptions,
        MaxDrawdownRule,
    )

    return [
        AccountRule(
            AccountOptions(
                max_position=fraction,
                max_leverage=leverage,
                max_daily_loss=fraction,
                max_monthly_drawdown=fraction,
            )
        ),
        StrategyRule(
            StrategyOptions(
                max_position_size=fraction, max_leverage=leverage, max_consecutive_losses=1
            )
        ),
        InstrumentRule(
            InstrumentOptions(
                max_position_per_symbol=fraction,
                max_volume_fraction=fraction,
                max_volatility=fraction,
            )
        ),
        ExposureRule(ExposureOptions(max_fraction=fraction)),
        MaxDrawdownRule(MaxDrawdownOptions(max_drawdown=fraction)),
        DailyLossRule(DailyLossOptions(max_loss=fraction)),
        MaxNotionalRule(MaxNotionalOptions(max_notional="0.01")),
        RateLimitRule(RateLimitOptions(max_orders=1)),
    ]


@settings(max_examples=300, deadline=None)
@given(
    holdings,
    holdings,
    prices,
    prices,
    equities,
    equities,
    fractions,
    leverages,
    symbols,
    st.data(),
)
def test_an_exit_is_never_blocked_by_an_exposure_limit(
    make_book,
    make_order,
    btc,
    eth,
    p_btc,
    p_eth,
    equity,
    day_start,
    fraction,
    leverage,
    symbol,
    data,
):
    held = {BTC: btc, ETH: eth}[symbol]
    assume(held != 0)
    ctx = make_book(
        {BTC: (str(btc), "100", "-5"), ETH: (str(eth), "50", "-7")},
        {BTC: p_btc, ETH: p_eth},
        equity=equity,
        day_start=day_start,
        initial=abs(equity),
        peak=abs(equity) * 10,
    )
    side = Side.SELL if held > 0 else Side.BUY
    marked = data.draw(st.booleans(), label="reduce_only")
    quantity = data.draw(
        st.decimals(min_value="0.001", max_value=str(abs(held)), places=3), label="quantity"
    )
    intent = make_order(symbol, side, quantity, reduce_only=marked)
    for rule in exposure_rules(fraction, leverage):
        rule.check(make_order(symbol, side, "1", reduce_only=True), ctx)  # fill the rate limit
        verdict = rule.check(intent, ctx)
        assert verdict.intent is intent, (rule.name, verdict.reason)


def _values(ctx, extra_symbol=None, extra=Decimal(0)):
    net = gross = Decimal(0)
    with decimal.localcontext(prec=100):
        for symbol, pos in ctx.portfolio.positions.items():
            q = pos.quantity + (extra if symbol == extra_symbol else 0)
            value = q * Decimal(repr(ctx.prices[symbol]))
            net += value
            gross += abs(value)
    return net, gross


@settings(max_examples=300, deadline=None)
@given(holdings, holdings, prices, prices, st.floats(min_value=1.0, max_value=1e7), fractions,
       leverages, symbols, st.sampled_from(Side), st.decimals(min_value="0.001", max_value="1000",
       places=3), steps)  # fmt: skip
def test_an_approved_entry_stays_within_the_account_caps(
    make_book,
    make_order,
    btc,
    eth,
    p_btc,
    p_eth,
    equity,
    fraction,
    leverage,
    symbol,
    side,
    quantity,
    step,
):
    ctx = make_book(
        {BTC: (str(btc), "100"), ETH: (str(eth), "50")}, {BTC: p_btc, ETH: p_eth}, equity=equity
    )
    rule = AccountRule(
        AccountOptions(
            max_position=fraction,
            max_leverage=leverage,
            max_daily_loss=None,
            max_monthly_drawdown=None,
            quantity_step=step,
        )
    )
    held = {BTC: btc, ETH: eth}[symbol]
    if held * side.sign < 0 and quantity <= abs(held):
        return  # an exit: it passes by design (the other property)
    verdict = rule.check(make_order(symbol, side, quantity), ctx)
    if not verdict.approved:
        return
    q = verdict.intent.quantity
    assert 0 < q <= quantity
    net0, gross0 = _values(ctx)
    net1, gross1 = _values(ctx, symbol, q * side.sign)
    with decimal.localcontext(prec=100):
        eq = Decimal(repr(equity))
        net_cap = eq * Decimal(repr(fraction))
        gross_cap = eq * Decimal(repr(leverage))
    # Each cap holds after the order, or the order did not make that measure worse.
    assert abs(net1) <= net_cap or abs(net1) <= abs(net0)
    assert gross1 <= gross_cap or gross1 <= gross0


@settings(max_examples=500, deadline=None)
@given(
    st.decimals(min_value="0.00000001", max_value="1000000", places=8),
    st.sampled_from(["0.00000001", "0.00001", "0.001", "0.25", "1", "10"]),
    symbols,
    st.sampled_from(Side),
    st.booleans(),
)
def test_precision_quantity_is_on_the_grid_and_never_above_the_request(
    make_book, make_order, quantity, step, symbol, side, reduce_only
):
    ctx = make_book({BTC: ("1000000", "100"), ETH: ("-1000000", "50")}, {BTC: 100.0, ETH: 50.0})
    rule = PrecisionRule(PrecisionOptions(quantity_step=step))
    verdict = rule.check(make_order(symbol, side, quantity, reduce_only=reduce_only), ctx)
    step = Decimal(step)
    if not verdict.approved:
        assert quantity < step  # nothing but a sub-step order is refused without minimums
        return
    q = verdict.intent.quantity
    assert q <= quantity
    assert quantity - q < step
    assert q % step == 0
