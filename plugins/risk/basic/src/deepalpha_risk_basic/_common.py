"""Small helpers the rules share: prices for an intent, and the quantity grid."""

from __future__ import annotations

import decimal
import math
from decimal import ROUND_DOWN, Decimal

from deepalpha.domain import OrderIntent, OrderType, to_decimal
from deepalpha.risk import RiskContext


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
