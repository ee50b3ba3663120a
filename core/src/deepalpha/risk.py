"""The risk-rule extension point.

Rules form a chain between the decision engine and the gateway. Each sees the order intent left by
the rule before it and either accepts it (possibly changed: a sizing rule fills in the quantity, a
cap shrinks it) or rejects it with a reason. A rule that raises rejects the order: when in doubt,
do not trade. Rules may also emit protective orders on every bar (stop-loss, take-profit) and halt
trading (drawdown, daily loss).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from attrs import frozen

from .domain import Bar, OrderIntent, Portfolio

if TYPE_CHECKING:
    from .history import Market


@frozen
class RiskContext:
    """What a rule may look at: the account now, last prices, and equity milestones."""

    ts: int
    portfolio: Portfolio
    prices: Mapping[str, float]
    equity: float
    peak_equity: float
    day_start_equity: float
    #: Equity when the run started (for sizing against initial capital).
    initial_equity: float = 0.0
    #: Every symbol's bars so far (volume and volatility limits read them); ``None`` when the
    #: engine does not provide them, and rules that need them then refuse new positions.
    market: Market | None = None


@frozen
class Verdict:
    intent: OrderIntent | None
    reason: str = ""

    @property
    def approved(self) -> bool:
        return self.intent is not None

    @classmethod
    def accept(cls, intent: OrderIntent, reason: str = "") -> Verdict:
        return cls(intent, reason)

    @classmethod
    def reject(cls, reason: str) -> Verdict:
        return cls(None, reason)


class RiskRule(abc.ABC):
    name: str = "risk"

    @abc.abstractmethod
    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        """Accept (maybe resized) or reject ``intent``."""

    def on_bar(self, bar: Bar, ctx: RiskContext) -> Iterable[OrderIntent]:
        """Protective orders to send after ``bar`` closed (stops, take-profits). None by default."""
        return ()

    def halted(self, ctx: RiskContext) -> str | None:
        """A reason to stop opening new positions (drawdown, daily loss), or ``None``."""
        return None

    def reset(self) -> None:
        """Forget state between runs."""
