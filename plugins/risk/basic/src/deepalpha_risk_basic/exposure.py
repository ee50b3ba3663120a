"""``exposure``: caps the value of one symbol's position as a fraction of equity."""

from __future__ import annotations

import attrs
from deepalpha.domain import ZERO, OrderIntent, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import WIDE, equity_of, floor_div, reducing, reference_price, show
from .options import ExposureOptions


class ExposureRule(RiskRule):
    """Shrink an order that would take the symbol's position beyond the cap; reject it if nothing
    fits. Exits (``reduce_only``, or against the position and no larger than it) always pass:
    capping an exit could only leave more risk on.

    Place it after ``sizing``: it needs a quantity to judge.
    """

    name = "exposure"

    def __init__(self, options: ExposureOptions | None = None) -> None:
        self.options = options if options is not None else ExposureOptions()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if reducing(intent, ctx):
            return Verdict.accept(intent)
        if intent.quantity is None:
            return Verdict.reject(
                "exposure: the intent has no quantity yet; list 'sizing' before 'exposure'"
            )
        price = reference_price(self.name, intent, ctx)
        if isinstance(price, str):
            return Verdict.reject(price)
        equity = equity_of(self.name, ctx)
        if isinstance(equity, str):
            return Verdict.reject(equity)
        cap = WIDE.multiply(equity, to_decimal(float(self.options.max_fraction)))
        held = ctx.portfolio.position(intent.symbol).quantity
        # The largest quantity keeping |held + signed quantity| x price <= cap: in the position's
        # direction, what is left under the cap; against it, closing it all and then the cap.
        against = held * intent.side.sign < 0
        value = WIDE.multiply(abs(held), price)
        allowed = WIDE.add(cap, value) if against else WIDE.subtract(cap, value)
        room = floor_div(max(allowed, ZERO), price, self.options.quantity_step)
        percent = f"{self.options.max_fraction:.2%} of equity"
        if room <= 0:
            return Verdict.reject(
                f"exposure: {intent.symbol} is already at its cap of {show(round(cap, 2))} "
                f"({percent})"
            )
        if intent.quantity > room:
            return Verdict.accept(
                attrs.evolve(intent, quantity=room),
                f"exposure: shrunk {show(intent.quantity)} -> {show(room)} to stay within "
                f"{show(round(cap, 2))} ({percent})",
            )
        return Verdict.accept(intent)
