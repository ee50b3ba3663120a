"""``sizing``: turns a decision into a quantity, as a fraction of equity per position."""

from __future__ import annotations

import attrs
from deepalpha.domain import OrderIntent, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import WIDE, equity_of, floor_div, reference_price, show
from .options import SizingOptions


class SizingRule(RiskRule):
    """Fill in ``intent.quantity``: enough to bring the position to ``fraction`` x equity.

    - An intent that already has a quantity is left alone: someone sized it on purpose.
    - An exit (``reduce_only``) without a quantity closes the whole position.
    - An intent against an open position (a sell while long) closes that position and is marked
      ``reduce_only``; turning the other way needs a new decision once flat. This keeps a signal
      flip from silently opening a short of arbitrary size.
    - An intent in the direction of an open position tops it up to the target and no further,
      so a repeated buy signal does not pyramid.
    """

    name = "sizing"

    def __init__(self, options: SizingOptions | None = None) -> None:
        self.options = options if options is not None else SizingOptions()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        held = ctx.portfolio.position(intent.symbol).quantity
        against = held * intent.side.sign < 0
        if intent.reduce_only:
            if intent.quantity is not None:
                return Verdict.accept(intent)
            if not against:
                return Verdict.reject(
                    f"sizing: reduce_only {intent.side.value} but the {intent.symbol} "
                    f"position is {show(held)}"
                )
            return Verdict.accept(attrs.evolve(intent, quantity=abs(held)), "sizing: exit all")
        if intent.quantity is not None:
            return Verdict.accept(intent)
        if against:
            closing = attrs.evolve(intent, quantity=abs(held), reduce_only=True)
            return Verdict.accept(closing, f"sizing: closes the {intent.symbol} position")

        price = reference_price(self.name, intent, ctx)
        if isinstance(price, str):
            return Verdict.reject(price)
        if self.options.basis == "initial":
            ctx = attrs.evolve(ctx, equity=ctx.initial_equity)
        equity = equity_of(self.name, ctx)
        if isinstance(equity, str):
            return Verdict.reject(equity)
        target = WIDE.multiply(equity, to_decimal(float(self.options.fraction)))
        missing = WIDE.subtract(target, WIDE.multiply(abs(held), price))
        quantity = floor_div(missing, price, self.options.quantity_step)
        if quantity <= 0:
            return Verdict.reject(
                f"sizing: the {intent.symbol} position ({show(abs(held))} at {show(price)}) "
                f"already reaches its target of {show(round(target, 2))} "
                f"({self.options.fraction:.2%} of equity)"
            )
        return Verdict.accept(
            attrs.evolve(intent, quantity=quantity),
            f"sizing: {show(quantity)} = {self.options.fraction:.2%} of equity at {show(price)}",
        )
