"""Pre-trade checks every order passes before a venue sees it.

- ``precision``: the venue's grid and minimums (lot size, minimum quantity and notional, tick);
- ``max_notional``: a fat-finger cap on one order's value;
- ``price_band``: a limit price too far from the last close;
- ``rate_limit``: orders per window of the bar clock.

Place them after ``sizing`` and the limits (they judge the final quantity), ``rate_limit`` last:
it counts the orders it lets through.
"""

from __future__ import annotations

import math
from collections import deque
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import attrs
from deepalpha.domain import OrderIntent, OrderType, Side, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import WIDE, floor_div, money, reducing, reference_price, show
from .options import (
    MaxNotionalOptions,
    PrecisionOptions,
    PriceBandOptions,
    RateLimitOptions,
)


@attrs.frozen
class _Grid:
    quantity_step: Decimal
    min_quantity: Decimal
    min_notional: Decimal
    price_tick: Decimal | None


class PrecisionRule(RiskRule):
    """Round the quantity down to the step and the limit price to the tick; refuse what is left
    below the minimum quantity or notional. Applies to exits too: the venue refuses them alike."""

    name = "precision"

    def __init__(self, options: PrecisionOptions | None = None) -> None:
        self.options = options if options is not None else PrecisionOptions()
        o = self.options
        self._default = _Grid(o.quantity_step, o.min_quantity, o.min_notional, o.price_tick)
        self._grids = {
            symbol: _Grid(
                o.quantity_step if s.quantity_step is None else s.quantity_step,
                o.min_quantity if s.min_quantity is None else s.min_quantity,
                o.min_notional if s.min_notional is None else s.min_notional,
                o.price_tick if s.price_tick is None else s.price_tick,
            )
            for symbol, s in o.symbols.items()
        }

    def grid(self, symbol: str) -> _Grid:
        return self._grids.get(symbol, self._default)

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if intent.quantity is None:
            return Verdict.reject("precision: the intent has no quantity yet; list 'sizing' first")
        grid = self.grid(intent.symbol)
        notes = []
        if (
            grid.price_tick is not None
            and intent.order_type is OrderType.LIMIT
            and intent.limit_price is not None
        ):
            # Away from the market: a buy never pays more, a sell never takes less than asked.
            rounding = ROUND_FLOOR if intent.side is Side.BUY else ROUND_CEILING
            ticks = WIDE.divide(intent.limit_price, grid.price_tick).to_integral_value(rounding)
            price = ticks * grid.price_tick
            if price <= 0:
                return Verdict.reject(
                    f"precision: limit price {show(intent.limit_price)} rounds to {show(price)} "
                    f"on the tick {show(grid.price_tick)}"
                )
            if price != intent.limit_price:
                notes.append(f"limit {show(intent.limit_price)} -> {show(price)}")
                intent = attrs.evolve(intent, limit_price=price)
        step = grid.quantity_step
        quantity = WIDE.divide(intent.quantity, step).to_integral_value(ROUND_FLOOR) * step
        if quantity != intent.quantity:
            notes.append(f"quantity {show(intent.quantity)} -> {show(quantity)}")
        if quantity <= 0 or quantity < grid.min_quantity:
            return Verdict.reject(
                f"precision: {intent.symbol} quantity {show(intent.quantity)} rounds down to "
                f"{show(quantity)} (step {show(step)}), below the minimum quantity "
                f"{show(max(grid.min_quantity, step))}"
            )
        if grid.min_notional > 0:
            price = reference_price(self.name, intent, ctx)
            if isinstance(price, str):
                return Verdict.reject(price)
            notional = WIDE.multiply(quantity, price)
            if notional < grid.min_notional:
                return Verdict.reject(
                    f"precision: {intent.symbol} order value {show(quantity)} x {show(price)} = "
                    f"{show(notional)} is below the minimum notional {show(grid.min_notional)}"
                )
        if not notes:
            return Verdict.accept(intent)
        return Verdict.accept(
            attrs.evolve(intent, quantity=quantity), f"precision: {', '.join(notes)}"
        )


class MaxNotionalRule(RiskRule):
    """Refuse (or shrink) an order worth more than ``max_notional``; exits pass."""

    name = "max_notional"

    def __init__(self, options: MaxNotionalOptions | None = None) -> None:
        self.options = options if options is not None else MaxNotionalOptions()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if reducing(intent, ctx):
            return Verdict.accept(intent)
        if intent.quantity is None:
            return Verdict.reject(
                "max_notional: the intent has no quantity yet; list 'sizing' first"
            )
        price = reference_price(self.name, intent, ctx)
        if isinstance(price, str):
            return Verdict.reject(price)
        cap = self.options.max_notional
        notional = WIDE.multiply(intent.quantity, price)
        if notional <= cap:
            return Verdict.accept(intent)
        what = (
            f"{intent.symbol} order value {show(intent.quantity)} x {show(price)} = "
            f"{money(notional)} is above max_notional {money(cap)}"
        )
        if self.options.action == "reject":
            return Verdict.reject(f"max_notional: {what}")
        room = floor_div(cap, price, self.options.quantity_step)
        if room <= 0:
            return Verdict.reject(f"max_notional: {what}; not one step fits")
        return Verdict.accept(
            attrs.evolve(intent, quantity=room),
            f"max_notional: shrunk {show(intent.quantity)} -> {show(room)}: {what}",
        )


class PriceBandRule(RiskRule):
    """Refuse a limit order priced more than ``max_deviation`` away from the last close."""

    name = "price_band"

    def __init__(self, options: PriceBandOptions | None = None) -> None:
        self.options = options if options is not None else PriceBandOptions()
        self._band = to_decimal(float(self.options.max_deviation))

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if intent.order_type is not OrderType.LIMIT or intent.limit_price is None:
            return Verdict.accept(intent)
        last = ctx.prices.get(intent.symbol)
        if last is None or math.isnan(last) or last <= 0:
            return Verdict.reject(
                f"price_band: no last close for {intent.symbol} to check the limit price against"
            )
        close = to_decimal(float(last))
        low = WIDE.multiply(close, 1 - self._band)
        high = WIDE.multiply(close, 1 + self._band)
        price = intent.limit_price
        if low <= price <= high:
            return Verdict.accept(intent)
        off = WIDE.divide(price, close) - 1
        return Verdict.reject(
            f"price_band: {intent.symbol} {intent.side.value} limit {show(price)} is "
            f"{float(off):+.2%} from the last close {show(close)} (band "
            f"{self.options.max_deviation:.2%}: {show(round(low, 8))} to {show(round(high, 8))})"
        )


class RateLimitRule(RiskRule):
    """At most ``max_orders`` orders in any ``window_seconds`` of the bar clock (``ctx.ts``).

    Exits always pass (and count). List it last: it counts the orders it lets through.
    """

    name = "rate_limit"

    def __init__(self, options: RateLimitOptions | None = None) -> None:
        self.options = options if options is not None else RateLimitOptions()
        self._window_ms = round(self.options.window_seconds * 1000)
        self._sent: deque[int] = deque()

    def reset(self) -> None:
        self._sent.clear()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        sent = self._sent
        while sent and sent[0] <= ctx.ts - self._window_ms:
            sent.popleft()
        if len(sent) >= self.options.max_orders and not reducing(intent, ctx):
            return Verdict.reject(
                f"rate_limit: {len(sent)} orders in the last {self.options.window_seconds:g}s "
                f"of the bar clock (limit {self.options.max_orders}); {intent.side.value} "
                f"{intent.symbol} refused"
            )
        sent.append(ctx.ts)
        return Verdict.accept(intent)
