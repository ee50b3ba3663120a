"""``stop_loss`` and ``take_profit``: protective exits emitted after each bar.

The rules watch the position's average entry price and, once the bar crossed the threshold, emit
a ``reduce_only`` market intent for the whole position. The gateway fills it at the next bar's
open, so a gap can fill beyond the threshold, as it would on a venue without resting stop orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from deepalpha.domain import Bar, OrderIntent, OrderType, Side, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import show
from .options import StopLossOptions, TakeProfitOptions


class _ExitRule(RiskRule):
    """Shared logic: ``adverse`` is True for a stop (price moved against the position)."""

    adverse: bool

    def __init__(self, options: StopLossOptions | TakeProfitOptions) -> None:
        self.options = options
        self._pct = to_decimal(float(options.pct))

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        return Verdict.accept(intent)

    def on_bar(self, bar: Bar, ctx: RiskContext) -> Iterable[OrderIntent]:
        position = ctx.portfolio.position(bar.symbol)
        if not position.quantity or not position.average_price > 0:
            return ()
        long = position.quantity > 0
        entry = position.average_price
        # Longs are hurt by falling prices, shorts by rising ones; a stop watches the hurting side.
        falling = long == self.adverse
        threshold = entry * (1 - self._pct) if falling else entry * (1 + self._pct)
        if self.options.trigger == "extreme":
            price = to_decimal(bar.low if falling else bar.high)
        else:
            price = to_decimal(bar.close)
        if (price > threshold) if falling else (price < threshold):
            return ()
        return (
            OrderIntent(
                symbol=bar.symbol,
                side=Side.SELL if long else Side.BUY,
                ts=bar.ts,
                quantity=abs(position.quantity),
                order_type=OrderType.MARKET,
                reduce_only=True,
                reason=self._reason(price, threshold, entry, falling),
            ),
        )

    def _reason(self, price: Decimal, threshold: Decimal, entry: Decimal, falling: bool) -> str:
        word = "below" if falling else "above"
        sign = "<=" if falling else ">="
        return (
            f"{self.name}: {self.options.trigger} {show(price)} {sign} {show(round(threshold, 8))} "
            f"({self.options.pct:.2%} {word} entry {show(round(entry, 8))})"
        )


class StopLossRule(_ExitRule):
    """Close a position that lost ``pct`` from its average entry."""

    name = "stop_loss"
    adverse = True

    def __init__(self, options: StopLossOptions | None = None) -> None:
        super().__init__(options if options is not None else StopLossOptions())


class TakeProfitRule(_ExitRule):
    """Close a position that gained ``pct`` from its average entry."""

    name = "take_profit"
    adverse = False

    def __init__(self, options: TakeProfitOptions | None = None) -> None:
        super().__init__(options if options is not None else TakeProfitOptions())
