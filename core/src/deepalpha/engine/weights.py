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

    __slots__ = ("accuracy", "dirty", "effective", "observations", "pending", "updated")

    def __init__(self, base: Mapping[str, float]) -> None:
        #: (close, ((agent, direction), ...)) per bar, oldest first, at most ``horizon`` long.
        self.pending: deque[tuple[float, tuple[tuple[str, int], ...]]] = deque()
        self.accuracy: dict[str, float] = {}
        self.observations: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        #: Agent -> configured weight x multiplier; agents never scored use the configured one.
        self.effective: dict[str, float] = dict(base)
        self.dirty: set[str] = set()


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
        return self.state(symbol).effective if st is None else st.effective

    def observe(self, symbol: str, ts: int, close: float, signals: Sequence[Signal]) -> None:
        """Remember this bar's directional signals and score those made ``horizon`` bars ago."""
        st = self._symbols.get(symbol)
        if st is None:
            st = self.state(symbol)
        pending = st.pending
        votes = tuple((s.agent, int(s.direction)) for s in signals if s.direction)
        pending.append((close, votes))
        if len(pending) <= self.horizon:
            return
        then, old = pending.popleft()
        if not old or close == then or then != then or close != close:  # no move, or NaN
            return
        up = close > then
        alpha = self.alpha
        accuracy = st.accuracy
        observations = st.observations
        effective = st.effective
        for agent, direction in old:
            p = accuracy.get(agent, PRIOR)
            p += alpha * ((1.0 if (direction > 0) == up else 0.0) - p)
            accuracy[agent] = p
            observations[agent] = observations.get(agent, 0) + 1
            st.updated[agent] = ts
            effective[agent] = self.base.get(agent, 1.0) * self.multiplier(p)
            st.dirty.add(agent)

    # -- report and persistence ---------------------------------------------------------------

    def report(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{symbol: {agent: {weight, base_weight, multiplier, accuracy, observations}}}``.

        Lists every agent that has been scored on the symbol and every configured agent (at the
        prior when never scored), sorted, so a report shows the same rows for every symbol.
        """
        out: dict[str, dict[str, dict[str, float]]] = {}
        for symbol in sorted(self._symbols):
            st = self._symbols[symbol]
            agents = sorted({*self.base, *st.accuracy})
            out[symbol] = {a: self.describe(symbol, a) for a in agents}
        return out

    def describe(self, symbol: str, agent: str) -> dict[str, Any]:
        st = self.state(symbol)
        p = st.accuracy.get(agent, PRIOR)
        m = self.multiplier(p)
        base = self.base.get(agent, 1.0)
        return {
            "weight": base * m,
            "base_weight": base,
            "multiplier": m,
            "accuracy": p,
            "observations": st.observations.get(agent, 0),
        }

    def restore(self, rows: Iterable[AgentAccuracy]) -> None:
        """Load accuracies (from the store) into the weights the vote uses."""
        for row in rows:
            st = self.state(row.symbol)
            st.accuracy[row.agent] = min(1.0, max(0.0, row.accuracy))
            st.observations[row.agent] = row.observations
            st.updated[row.agent] = row.ts
            if self.enabled:
                st.effective[row.agent] = self.base.get(row.agent, 1.0) * self.multiplier(
                    st.accuracy[row.agent]
                )

    def take_dirty(self) -> list[AgentAccuracy]:
        """Accuracies changed since the last call (what a save must write)."""
        out = []
        for symbol, st in self._symbols.items():
            for agent in sorted(st.dirty):
                out.append(
                    AgentAccuracy(
                        symbol,
                        agent,
                        st.accuracy[agent],
                        st.observations[agent],
                        st.updated.get(agent, 0),
                    )
                )
            st.dirty.clear()
        return out
