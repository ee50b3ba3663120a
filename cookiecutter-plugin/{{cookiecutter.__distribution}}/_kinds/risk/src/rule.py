"""The ``{{ cookiecutter.plugin_name }}`` risk rule: a limit on the value of one order.

Rules form a chain between the decision engine and the gateway, in the order of the config's
``risk:`` mapping. Each sees the intent the rule before it left (a sizing rule fills in the
quantity) and the ``RiskContext`` (account, last prices, equity milestones), and accepts the
intent, possibly changed, or rejects it with a reason. A rule that raises rejects the order.
"""

from __future__ import annotations

import attrs
from deepalpha.domain import OrderIntent, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from .options import {{ cookiecutter.__class_prefix }}Options


class {{ cookiecutter.__class_prefix }}Rule(RiskRule):
    name = "{{ cookiecutter.plugin_name }}"

    def __init__(self, options: {{ cookiecutter.__class_prefix }}Options | None = None) -> None:
        self.options = options if options is not None else {{ cookiecutter.__class_prefix }}Options()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if intent.reduce_only:
            return Verdict.accept(intent)  # limiting an exit could only leave more risk on
        if intent.quantity is None:
            return Verdict.reject(
                f"{self.name}: the order has no quantity yet; list 'sizing' before "
                f"'{self.name}' under risk:"
            )
        price = intent.limit_price
        if price is None:
            last = ctx.prices.get(intent.symbol)
            if last is None or not last > 0:
                return Verdict.reject(f"{self.name}: no price for {intent.symbol} yet")
            price = to_decimal(last)
        limit = to_decimal(self.options.max_notional)
        if intent.quantity * price <= limit:
            return Verdict.accept(intent)
        step = self.options.quantity_step
        fits = (limit / price // step) * step
        if fits <= 0:
            return Verdict.reject(
                f"{self.name}: one step of {intent.symbol} ({step}) at {price} is worth more "
                f"than max_notional {limit}"
            )
        return Verdict.accept(
            attrs.evolve(intent, quantity=fits),
            f"{self.name}: {intent.quantity} -> {fits} to stay within {limit}",
        )
