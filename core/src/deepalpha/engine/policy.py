"""The trading policy: the one place where a decision becomes an order intent.

A decision says buy, sell or hold; what that means for the account depends on what is held and on
``trading.direction``:

=================  ===================================  =====================================
held               buy                                  sell
=================  ===================================  =====================================
flat               open a long (risk rules size it)     long_short: open a short; else nothing
long               add to it (sizing tops it up)        close ``exit_fraction`` of it
short              cover ``exit_fraction`` of it        add to it (long_short only)
=================  ===================================  =====================================

Exits carry their quantity, so no risk rule has to guess how much to close. Entries carry the
stop-loss / take-profit the agreeing agents suggested (the tightest of them), for risk rules that
choose to use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from ..config.schema import TradingConfig
from ..domain import Action, Decision, Direction, OrderIntent, Side, Signal
from ..errors import ConfigError


class TradingPolicy:
    """Maps ``(decision, held quantity)`` to an order intent, or to nothing."""

    def __init__(self, config: TradingConfig, *, gateway_allows_short: bool) -> None:
        if config.direction == "long_short" and not gateway_allows_short:
            raise ConfigError(
                "trading.direction: long_short needs a gateway that books short positions; the "
                "configured gateway does not (for paper: gateway.options.allow_short: true)"
            )
        self.config = config
        self.allow_short = config.direction == "long_short"
        self._fraction = Decimal(repr(config.exit_fraction))

    def intent(self, decision: Decision, held: Decimal) -> OrderIntent | None:
        action = decision.action
        if action is Action.HOLD:
            return None
        reason = decision.rationale[:200]
        symbol, ts = decision.symbol, decision.ts
        if action is Action.BUY:
            if held < 0:
                return self._exit(symbol, Side.BUY, ts, -held, reason)
            return self._entry(symbol, Side.BUY, ts, decision.signals, reason)
        if held > 0:
            return self._exit(symbol, Side.SELL, ts, held, reason)
        if not self.allow_short:
            return None  # long-only: a sell while flat opens nothing
        return self._entry(symbol, Side.SELL, ts, decision.signals, reason)

    def _exit(self, symbol: str, side: Side, ts: int, held: Decimal, reason: str) -> OrderIntent:
        quantity = held
        if self._fraction != 1:
            # Never more than is held; a remainder too small to quantise closes the position.
            part = (held * self._fraction).quantize(held, rounding=ROUND_DOWN)
            quantity = part if part > 0 else held
        return OrderIntent(symbol, side, ts, quantity=quantity, reduce_only=True, reason=reason)

    def _entry(
        self, symbol: str, side: Side, ts: int, signals: Sequence[Signal], reason: str
    ) -> OrderIntent:
        stop, take = suggested_levels(
            signals, Direction.LONG if side is Side.BUY else Direction.SHORT
        )
        return OrderIntent(symbol, side, ts, reason=reason, stop_loss=stop, take_profit=take)


def suggested_levels(
    signals: Sequence[Signal], direction: Direction
) -> tuple[float | None, float | None]:
    """The tightest stop-loss and nearest take-profit among signals pointing in ``direction``.

    For a long the tightest stop is the highest one and the nearest target the lowest; for a short
    the reverse. Signals pointing elsewhere do not get a say in where this position exits.
    """
    stops = [s.stop_loss for s in signals if s.direction is direction and s.stop_loss]
    takes = [s.take_profit for s in signals if s.direction is direction and s.take_profit]
    if direction is Direction.LONG:
        return (max(stops) if stops else None), (min(takes) if takes else None)
    return (min(stops) if stops else None), (max(takes) if takes else None)
