"""``max_drawdown`` and ``daily_loss``: stop opening positions when losses pile up.

Both only ever block *new* exposure: ``check`` lets every exit through (``reduce_only``, or against
the position and no larger than it), because
refusing an exit while losing is the one thing a loss limit must never do.
"""

from __future__ import annotations

import math

from deepalpha.domain import OrderIntent
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import reducing
from .options import DailyLossOptions, MaxDrawdownOptions

_DAY_MS = 86_400_000


class _HaltRule(RiskRule):
    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if reducing(intent, ctx):
            return Verdict.accept(intent)
        reason = self.halted(ctx)
        return Verdict.reject(reason) if reason else Verdict.accept(intent)


def _below(equity: float, reference: float, fraction: float) -> bool:
    """True when ``equity`` is under ``reference x (1 - fraction)``; unknown values never trip."""
    if math.isnan(equity) or math.isnan(reference) or reference <= 0:
        return False
    return equity < reference * (1 - fraction)


class MaxDrawdownRule(_HaltRule):
    """Halt when equity falls ``max_drawdown`` below its peak; by default it stays halted."""

    name = "max_drawdown"

    def __init__(self, options: MaxDrawdownOptions | None = None) -> None:
        self.options = options if options is not None else MaxDrawdownOptions()
        self._tripped: str | None = None

    def halted(self, ctx: RiskContext) -> str | None:
        if self._tripped is not None:
            return self._tripped
        limit = self.options.max_drawdown
        if not _below(ctx.equity, ctx.peak_equity, limit):
            return None
        reason = (
            f"max_drawdown: equity {ctx.equity:.2f} is "
            f"{1 - ctx.equity / ctx.peak_equity:.2%} below its peak {ctx.peak_equity:.2f} "
            f"(limit {limit:.2%})"
        )
        if self.options.latch:
            self._tripped = reason + "; halted for the rest of the run"
            return self._tripped
        return reason

    def reset(self) -> None:
        self._tripped = None


class DailyLossRule(_HaltRule):
    """Halt for the rest of the UTC day once equity falls ``max_loss`` below the day's start."""

    name = "daily_loss"

    def __init__(self, options: DailyLossOptions | None = None) -> None:
        self.options = options if options is not None else DailyLossOptions()
        self._day: int | None = None
        self._reason = ""

    def halted(self, ctx: RiskContext) -> str | None:
        day = ctx.ts // _DAY_MS
        if self._day == day:
            return self._reason
        limit = self.options.max_loss
        if not _below(ctx.equity, ctx.day_start_equity, limit):
            return None
        self._day = day
        self._reason = (
            f"daily_loss: equity {ctx.equity:.2f} is "
            f"{1 - ctx.equity / ctx.day_start_equity:.2%} below the day's start "
            f"{ctx.day_start_equity:.2f} (limit {limit:.2%}); halted until 00:00 UTC"
        )
        return self._reason

    def reset(self) -> None:
        self._day = None
        self._reason = ""
