"""Where a simulated order fills, given the bar after it was placed.

Pure functions, kept apart from the gateway's state so each price rule can be tested on its own.
Bar prices are floats; they become ``Decimal`` through ``to_decimal`` (``repr``, so 101.1 stays
101.1) and are then rounded to the venue's tick *against the trader*: a buy rounds up, a sell
down. Whatever the float noise, the simulator never books a price better than the bar allowed.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_UP, Decimal

from deepalpha.domain import Bar, Order, OrderType, Side, to_decimal

_BPS = Decimal(10_000)


def to_tick(price: Decimal, tick: Decimal, side: Side) -> Decimal:
    """``price`` on the tick grid, rounded up for a buy and down for a sell."""
    rounding = ROUND_CEILING if side is Side.BUY else ROUND_FLOOR
    return (price / tick).to_integral_value(rounding=rounding) * tick


def fee_for(notional: Decimal, rate: Decimal, tick: Decimal) -> Decimal:
    """The fee on ``notional``, rounded up to ``tick``."""
    return (notional * rate / tick).to_integral_value(rounding=ROUND_UP) * tick


def market_price(open_: float, side: Side, slippage_bps: Decimal, tick: Decimal) -> Decimal:
    """Fill price of a market order at a bar's open: slippage makes buys dearer, sells cheaper."""
    factor = 1 + side.sign * slippage_bps / _BPS
    return to_tick(to_decimal(open_) * factor, tick, side)


def limit_price(order: Order, bar: Bar, tick: Decimal, on_touch: bool) -> Decimal | None:
    """Fill price of a resting limit order on ``bar``, or ``None`` if the bar did not reach it.

    If the bar opens already at or beyond the limit, the order fills at the open (the better price
    the venue offered first); otherwise it fills at the limit once the bar trades through it.
    """
    limit = order.limit_price
    assert limit is not None and order.order_type is OrderType.LIMIT
    side = order.side
    open_ = to_tick(to_decimal(bar.open), tick, side)
    if side is Side.BUY:
        if open_ <= limit:
            return open_
        low = to_decimal(bar.low)
        return limit if low < limit or (on_touch and low == limit) else None
    if open_ >= limit:
        return open_
    high = to_decimal(bar.high)
    return limit if high > limit or (on_touch and high == limit) else None
