"""``stop_loss`` and ``take_profit``: protective exits emitted after each bar.

The rules watch the position's average entry price and, once the bar crossed the threshold, emit
a ``reduce_only`` market intent for the whole position. The threshold is ``pct`` from the entry,
or the level the agents suggested with the entry order (``OrderIntent.stop_loss`` /
``take_profit``) when the ``suggested`` option says so: the rule sees the entry in ``check`` and
keeps its level until the position is closed. The gateway fills it at the next bar's
open, so a gap can fill beyond the threshold, as it would on a venue without resting stop orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from deepalpha.domain import Bar, OrderIntent, OrderType, Side, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import show
from .options import StopLossOptions, TakeProfitOptions

#: Margins around a float threshold beyond which the float comparison cannot disagree with the
#: exact one (a double carries ~1e-16 relative error; prices and thresholds far fewer digits).
_ABOVE = 1 + 1e-9
_BELOW = 1 - 1e-9


class _ExitRule(RiskRule):
    """Shared logic: ``adverse`` is True for a stop (price moved against the position)."""

    adverse: bool

    def __init__(self, options: StopLossOptions | TakeProfitOptions) -> None:
        self.options = options
        self._pct = to_decimal(float(options.pct))
        #: symbol -> ((entry, falling), exact threshold, the same as a float)
        self._thresholds: dict[str, tuple[tuple, Decimal, float]] = {}
        #: symbol -> the level suggested with the entry of the open position
        self._suggested: dict[str, Decimal] = {}

    def reset(self) -> None:
        self._thresholds.clear()
        self._suggested.clear()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if not intent.reduce_only and self.options.suggested != "ignore":
            level = intent.stop_loss if self.adverse else intent.take_profit
            if level:
                self._suggested[intent.symbol] = to_decimal(float(level))
        return Verdict.accept(intent)

    def _level(self, symbol: str, entry: Decimal, falling: bool) -> tuple[Decimal, str]:
        """The exact threshold, and where it comes from (for the exit's reason)."""
        pct = entry * (1 - self._pct) if falling else entry * (1 + self._pct)
        suggested = self._suggested.get(symbol)
        if suggested is None or self.options.suggested == "ignore":
            return pct, ""
        # A usable level lies on the right side of the entry (a stop below a long's entry...).
        if (suggested >= entry) if falling else (suggested <= entry):
            return pct, ""
        if self.options.suggested == "prefer":
            return suggested, "suggested"
        # tighter: the level closer to the entry
        tighter = suggested > pct if falling else suggested < pct
        return (suggested, "suggested") if tighter else (pct, "")

    def on_bar(self, bar: Bar, ctx: RiskContext) -> Iterable[OrderIntent]:
        position = ctx.portfolio.position(bar.symbol)
        if not position.quantity or not position.average_price > 0:
            self._suggested.pop(bar.symbol, None)  # flat: the next entry brings its own level
            return ()
        long = position.quantity > 0
        entry = position.average_price
        # Longs are hurt by falling prices, shorts by rising ones; a stop watches the hurting side.
        falling = long == self.adverse
        cached = self._thresholds.get(bar.symbol)
        key = (entry, falling, self._suggested.get(bar.symbol))
        if cached is None or cached[0] != key:
            exact, source = self._level(bar.symbol, entry, falling)
            cached = (key, exact, float(exact), source)
            self._thresholds[bar.symbol] = cached
        _, threshold, approx, source = cached
        if self.options.trigger == "extreme":
            observed = bar.low if falling else bar.high
        else:
            observed = bar.close
        # This runs on every bar with an open position: decide in floats when the price is
        # clearly on the safe side, and in exact Decimals only near the threshold.
        if (observed > approx * _ABOVE) if falling else (observed < approx * _BELOW):
            return ()
        price = to_decimal(observed)
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
                reason=self._reason(price, threshold, entry, falling, source),
            ),
        )

    def _reason(
        self, price: Decimal, threshold: Decimal, entry: Decimal, falling: bool, source: str = ""
    ) -> str:
        word = "below" if falling else "above"
        sign = "<=" if falling else ">="
        if source:
            return (
                f"{self.name}: {self.options.trigger} {show(price)} {sign} "
                f"{show(round(threshold, 8))} (level suggested with the entry at "
                f"{show(round(entry, 8))})"
            )
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
