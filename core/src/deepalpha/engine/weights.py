"""Dynamic agent weights: each agent's realised accuracy, per symbol, as a bounded multiplier.

The rule (documented in docs/configuration.md, ``decision.weights``):

1. Every signal with a direction (long or short) is remembered with the symbol's close at that
   bar. ``horizon`` bars of the same symbol later it is *scored*: a hit when the direction agrees
   with the sign of the close-to-close return over those bars, a miss otherwise. A flat signal, or
   a return of exactly zero, is not scored. Scoring needs only closes the engine has already seen,
   so it never looks ahead.
2. Each (symbol, agent) keeps an exponentially weighted hit rate ``p``, starting at the prior 0.5:
   ``p += alpha * (hit - p)`` with ``alpha = 1 - 2 ** (-1 / half_life)``, so an outcome
   ``half_life`` scored signals old counts half as much as the newest.
3. The multiplier is ``clamp(2 * p, floor, cap)``: 1 for a coin flip, up to ``cap`` for an agent
   that is always right, down to ``floor`` for one that is always wrong. The weight used in the
   vote is the agent's configured weight times that multiplier.

Because ``p`` stays in [0, 1] (a convex combination of values in [0, 1]) the multiplier always lies
in [floor, cap], and a hit never lowers it while a miss never raises it. State is per symbol: the
accuracy an agent earns on BTC never changes its weight on ETH.

The per-bar cost is a deque append and, once the horizon has passed, one update per directional
signal of the bar being scored; the weights the vote reads are kept in a plain dict per symbol and
changed only when an accuracy changes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..config.schema import WeightsConfig
from ..domain import Signal

PRIOR = 0.5


@attrs.frozen
class AgentAccuracy:
    """What the engine knows of one agent on one symbol (also the persisted shape)."""

    symbol: str
    agent: str
    #: Exponentially weighted hit rate in [0, 1].
    accuracy: float = PRIOR
    #: Signals scored so far.
    observations: int = 0
    #: ``ts`` of the bar at which the last signal was scored (0 before the first).
    ts: int = 0


class _SymbolWeights:
    """One symbol's pending signals, accuracies and the effective weights the vote reads."""

    __slots__ = ("dirty", "effective", "pending", "records")

    def __init__(self, base: Mapping[str, float]) -> None:
        #: (close, signals) per bar, oldest first, at most ``horizon + 1`` long.
        self.pending: deque[tuple[float, Sequence[Signal]]] = deque()
        #: Agent -> [accuracy, observations, ts of the last scoring]: one lookup per update.
        self.records: dict[str, list] = {}
        #: Agent -> configured weight x multiplier; agents never scored use the configured one.
        self.effective: dict[str, float] = dict(base)
        #: Something changed since the last ``take_dirty``.
        self.dirty = False


class AgentWeights:
    """Per-symbol accuracy tracking and the weights the vote uses; see the module docstring."""

    def __init__(self, config: WeightsConfig, base: Mapping[str, float]) -> None:
        self.config = config
        self.base = dict(base)
        self.enabled = config.enabled
        self.horizon = config.horizon
        self.alpha = 1.0 - 2.0 ** (-1.0 / config.half_life)
        self.floor = config.floor
        self.cap = config.cap
        self._symbols: dict[str, _SymbolWeights] = {}

    # -- the rule -------------------------------------------------------------------------------

    def multiplier(self, accuracy: float) -> float:
        """``clamp(2 * accuracy, floor, cap)``."""
        m = 2.0 * accuracy
        return self.floor if m < self.floor else self.cap if m > self.cap else m

    def base_weight(self, agent: str) -> float:
        return self.base.get(agent, 1.0)

    # -- per bar --------------------------------------------------------------------------------

    def state(self, symbol: str) -> _SymbolWeights:
        st = self._symbols.get(symbol)
        if st is None:
            st = self._symbols[symbol] = _SymbolWeights(self.base)
        return st

    def effective(self, symbol: str) -> dict[str, float]:
        """Agent -> weight used in the vote on ``symbol`` (the dict itself; do not modify)."""
        st = self._symbols.get(symbol)
        return (st or self.state(symbol)).effective

    def observe(self, symbol: str, ts: int, close: float, signals: Sequence[Signal]) -> None:
        """Remember this bar's signals and score those made ``horizon`` bars ago.

        The hot path of the rule: the bar's signals are kept as they are (a tuple), and only the
        bar that leaves the window is looked at, once.
        """
        st = self._symbols.get(symbol)
        if st is None:
            st = self.state(symbol)
        pending = st.pending
        pending.append((close, tuple(signals)))
        if len(pending) <= self.horizon:
            return
        then, old = pending.popleft()
        if not old or close == then or then != then or close != close:  # no move, or NaN
            return
        up = close > then
        alpha = self.alpha
        floor, cap = self.floor, self.cap
        records = st.records
        effective = st.effective
        base = self.base
        scored = False
        for sig in old:
            direction = sig.direction
            if not direction:
                continue
            agent = sig.agent
            rec = records.get(agent)
            if rec is None:
                rec = records[agent] = [PRIOR, 0, 0]
            p = rec[0]
            p += alpha * (((direction > 0) is up) - p)
            rec[0] = p
            rec[1] += 1
            rec[2] = ts
            m = 2.0 * p
            effective[agent] = base.get(agent, 1.0) * (
                floor if m < floor else cap if m > cap else m
            )
            scored = True
        if scored:
            st.dirty = True

    # -- report and persistence ---------------------------------------------------------------

    def report(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{symbol: {agent: {weight, base_weight, multiplier, accuracy, observations}}}``.

        Lists every agent that has been scored on the symbol and every configured agent (at the
        prior when never scored), sorted, so a report shows the same rows for every symbol.
        """
        out: dict[str, dict[str, dict[str, float]]] = {}
        for symbol in sorted(self._symbols):
            st = self._symbols[symbol]
            agents = sorted({*self.base, *st.records})
            out[symbol] = {a: self.describe(symbol, a) for a in agents}
        return out

    def describe(self, symbol: str, agent: str) -> dict[str, Any]:
        st = self.state(symbol)
        rec = st.records.get(agent)
        p, n = (PRIOR, 0) if rec is None else (rec[0], rec[1])
        m = self.multiplier(p)
        base = self.base.get(agent, 1.0)
        return {
            "weight": base * m,
            "base_weight": base,
            "multiplier": m,
            "accuracy": p,
            "observations": n,
        }

    def accuracy(self, symbol: str, agent: str) -> tuple[float, int]:
        """(hit rate, signals scored) of ``agent`` on ``symbol``; the prior when never scored."""
        st = self._symbols.get(symbol)
        rec = None if st is None else st.records.get(agent)
        return (PRIOR, 0) if rec is None else (rec[0], rec[1])

    def restore(self, rows: Iterable[AgentAccuracy]) -> None:
        """Load accuracies (from the store) into the weights the vote uses."""
        for row in rows:
            st = self.state(row.symbol)
            p = min(1.0, max(0.0, row.accuracy))
            st.records[row.agent] = [p, row.observations, row.ts]
            if self.enabled:
                st.effective[row.agent] = self.base.get(row.agent, 1.0) * self.multiplier(p)

    def take_dirty(self) -> list[AgentAccuracy]:
        """Accuracies of the symbols that changed since the last call (what a save writes)."""
        out = []
        for symbol, st in self._symbols.items():
            if not st.dirty:
                continue
            st.dirty = False
            for agent in sorted(st.records):
                p, n, ts = st.records[agent]
                out.append(AgentAccuracy(symbol, agent, p, n, ts))
        return out
