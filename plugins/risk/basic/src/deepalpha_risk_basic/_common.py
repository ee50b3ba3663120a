"""Small helpers the rules share: prices for an intent, and the quantity grid."""

from __future__ import annotations

import decimal
import math
from decimal import ROUND_DOWN, Decimal

import attrs
from deepalpha.domain import OrderIntent, OrderType, to_decimal
from deepalpha.risk import RiskContext, Verdict
from deepalpha.risk_state import is_reducing


def reference_price(rule: str, intent: OrderIntent, ctx: RiskContext) -> Decimal | str:
    """The price an intent is valued at, or the reason there is none.

    A limit order is valued at its limit (what it will pay at worst); a market order at the last
    price the engine saw for the symbol.
    """
    if intent.order_type is OrderType.LIMIT and intent.limit_price is not None:
        if intent.limit_price > 0:
            return intent.limit_price
        return f"{rule}: limit_price must be > 0, got {intent.limit_price}"
    last = ctx.prices.get(intent.symbol)
    if last is None or math.isnan(last) or last <= 0:
        return f"{rule}: no valid last price for {intent.symbol} (got {last!r})"
    return to_decimal(float(last))


def equity_of(rule: str, ctx: RiskContext) -> Decimal | str:
    """Account equity as a Decimal, or the reason it cannot be used for sizing."""
    equity = ctx.equity
    if math.isnan(equity) or math.isinf(equity) or equity <= 0:
        return f"{rule}: equity is {equity!r}; nothing can be sized against it"
    return to_decimal(float(equity))


#: Sizing arithmetic runs in 60 digits: with the default 28, ``amount / price`` can round up across
#: a step boundary and size one step above the limit. The inputs (float-derived prices, equity,
#: steps) have far fewer digits, so a quotient 60 digits wide floors to the right step.
WIDE = decimal.Context(prec=60)


def floor_div(amount: Decimal, price: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of ``step`` whose value at ``price`` does not exceed ``amount``."""
    units = WIDE.divide(amount, WIDE.multiply(price, step))
    return units.to_integral_value(rounding=ROUND_DOWN) * step


def show(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros, for reasons people read."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def reducing(intent: OrderIntent, ctx: RiskContext) -> bool:
    """An exit: marked ``reduce_only``, or against the open position and no larger than it.

    Limits meant for exposure let these through: refusing an exit can only leave more risk on.
    """
    if intent.reduce_only:
        return True
    return is_reducing(intent, ctx.portfolio.position(intent.symbol))


def mark(ctx: RiskContext, symbol: str, fallback: Decimal) -> Decimal:
    """The last price of ``symbol`` as a Decimal, else ``fallback`` (its average entry)."""
    last = ctx.prices.get(symbol)
    if last is None or math.isnan(last) or last <= 0:
        return fallback
    return to_decimal(float(last))


def book_values(ctx: RiskContext) -> tuple[Decimal, Decimal]:
    """``(net, gross)`` value of every open position at the last prices."""
    net = gross = Decimal(0)
    for symbol, position in ctx.portfolio.positions.items():
        if position.quantity:
            value = WIDE.multiply(position.quantity, mark(ctx, symbol, position.average_price))
            net = WIDE.add(net, value)
            gross = WIDE.add(gross, abs(value))
    return net, gross


def room_in_position(cap: Decimal, held: Decimal, sign: int, price: Decimal, step: Decimal):
    """Largest quantity keeping ``|held + sign x q| x price <= cap`` (one symbol's position)."""
    value = WIDE.multiply(abs(held), price)
    allowed = WIDE.add(cap, value) if held * sign < 0 else WIDE.subtract(cap, value)
    return floor_div(max(allowed, Decimal(0)), price, step)


def room_in_net(cap: Decimal, net: Decimal, sign: int, price: Decimal, step: Decimal):
    """Largest quantity keeping ``|net + sign x q x price| <= cap``."""
    return floor_div(max(WIDE.subtract(cap, sign * net), Decimal(0)), price, step)


def room_in_gross(
    cap: Decimal, gross: Decimal, held: Decimal, sign: int, price: Decimal, step: Decimal
):
    """Largest quantity keeping the gross value ``<= cap`` once the order changed ``held``.

    Adding grows the gross one for one; an order against the position first shrinks it (by the
    held quantity) and only what is left over grows it again.
    """
    spare = WIDE.subtract(cap, gross)
    if held * sign >= 0:
        return floor_div(max(spare, Decimal(0)), price, step)
    flipped = floor_div(
        max(WIDE.add(spare, WIDE.multiply(2 * abs(held), price)), Decimal(0)), price, step
    )
    return max(flipped, abs(held))


def fit(rule: str, intent: OrderIntent, room: Decimal, limit: str) -> Verdict:
    """Accept ``intent``, shrunk to ``room`` when larger; reject when nothing fits.

    ``limit`` says what was measured, for the reason: ``"max_leverage 3x: gross 29,000 ..."``.
    """
    if room <= 0:
        return Verdict.reject(f"{rule}: {limit}; no room for {intent.side.value} {intent.symbol}")
    if intent.quantity is not None and intent.quantity > room:
        return Verdict.accept(
            attrs.evolve(intent, quantity=room),
            f"{rule}: shrunk {show(intent.quantity)} -> {show(room)}: {limit}",
        )
    return Verdict.accept(intent)


def money(value: Decimal | float) -> str:
    """``12,345.68``: a value in the quote currency, for reasons."""
    return f"{float(value):,.2f}"
