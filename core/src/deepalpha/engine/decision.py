"""The decision engine: weighted voting, conflict detection and LLM consultation.

Agents vote every bar, which is cheap. A *decision point* is a bar where the vote would change the
position (a buy while flat, a sell while long) or where agents conflict; only there is a decision
produced, recorded and, if configured, an LLM consulted. Asking a model on every bar would cost a
second per bar with the local model and make backtests useless.

LLM answers are recorded under a key of (provider, model, system prompt, prompt) and replayed from
the record when the same question comes again, so a repeated backtest never calls the model. Any
failure (transport, invalid answer, no recorded answer in replay-only mode) resolves to ``hold``:
an LLM problem can cost an opportunity, never money.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

from ..config.schema import DecisionConfig
from ..domain import Action, Bar, Decision, Direction, Signal, ms_to_datetime
from ..errors import LLMError
from ..llm import LLMAnswer, LLMProvider

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are the arbiter of a multi-agent crypto trading system. Read the agents' signals and "
    "answer with a JSON object: action (buy, sell or hold), confidence between 0 and 1, and a "
    "one-sentence rationale."
)

_ACTION_SIGN = {Action.BUY: 1, Action.SELL: -1, Action.HOLD: 0}


def _answer(row: dict) -> LLMAnswer:
    return LLMAnswer(Action(row["action"]), row["confidence"], row.get("rationale", ""))


class AnswerRecord:
    """Where LLM answers are recorded and replayed from: a store plus an in-process memo."""

    def __init__(self, store: Any | None) -> None:
        self._store = store
        self._memo: dict[str, LLMAnswer] = {}
        self._loaded: set[tuple[str, str]] = set()

    def preload(self, provider: str, model: str) -> None:
        """Read every recorded answer of ``provider``/``model`` at once (the first time)."""
        if self._store is None or (provider, model) in self._loaded:
            return
        self._loaded.add((provider, model))
        for key, row in self._store.llm_answers(provider, model).items():
            self._memo.setdefault(key, _answer(row))

    def key(self, provider: str, model: str, system: str, prompt: str) -> str:
        if self._store is not None:
            return self._store.llm_key(provider, model, system, prompt)
        return "\x1f".join((provider, model, system, prompt))

    def get(self, key: str) -> LLMAnswer | None:
        if key in self._memo:
            return self._memo[key]
        if self._store is None:
            return None
        row = self._store.llm_get(key)
        if row is None:
            return None
        answer = self._memo[key] = _answer(row)
        return answer

    def put(self, key: str, provider: str, model: str, system: str, prompt: str, answer: LLMAnswer):
        self._memo[key] = answer
        if self._store is not None:
            payload = {
                "action": answer.action.value,
                "confidence": answer.confidence,
                "rationale": answer.rationale,
            }
            self._store.llm_put(key, provider, model, system, prompt, payload)


class DecisionEngine:
    """Resolves the agents' signals for one bar into a ``Decision`` at decision points."""

    def __init__(
        self,
        config: DecisionConfig,
        weights: dict[str, float],
        providers: dict[str, LLMProvider] | None = None,
        record: AnswerRecord | None = None,
    ) -> None:
        self.config = config
        self.weights = weights
        self.providers = providers or {}
        self.record = record or AnswerRecord(None)
        self._memory: dict[str, deque[Decision]] = {}
        self._last_vote: dict[str, Action] = {}
        self.stats = {"decisions": 0, "llm_calls": 0, "llm_replayed": 0, "llm_failures": 0}

    # -- voting -----------------------------------------------------------------------------------

    def vote(self, signals: Sequence[Signal]) -> tuple[Action, float]:
        """Weighted mean of signed scores over agents that did not abstain."""
        total = weight_sum = 0.0
        weights = self.weights
        for sig in signals:
            w = weights.get(sig.agent, 1.0)
            total += w * int(sig.direction) * sig.strength * sig.confidence
            weight_sum += w
        if weight_sum == 0.0:
            return Action.HOLD, 0.0
        score = total / weight_sum
        threshold = self.config.threshold
        if score >= threshold:
            return Action.BUY, score
        if score <= -threshold:
            return Action.SELL, score
        return Action.HOLD, score

    def conflicted(self, signals: Sequence[Signal]) -> bool:
        cc = self.config.conflict_confidence
        long = short = False
        for sig in signals:
            if sig.confidence >= cc:
                if sig.direction is Direction.LONG:
                    long = True
                elif sig.direction is Direction.SHORT:
                    short = True
        return long and short

    # -- deciding ---------------------------------------------------------------------------------

    def decide(self, bar: Bar, signals: Sequence[Signal], position: int) -> Decision | None:
        """A decision if this bar is a decision point for ``bar.symbol``, else ``None``.

        A decision point is a bar whose vote differs from the previous bar's and would change the
        position (``position`` is the sign of the current holding: -1, 0, 1). Requiring a change
        means a vetoed buy is not asked about again on every following bar.
        """
        if not signals:
            return None
        action, score = self.vote(signals)
        previous = self._last_vote.get(bar.symbol)
        self._last_vote[bar.symbol] = action
        if action is previous:
            return None
        changes_position = (action is Action.BUY and position <= 0) or (
            action is Action.SELL and position > 0
        )
        if not changes_position:
            return None
        conflict = self.conflicted(signals)
        llm_cfg = self.config.llm
        ask = bool(self.providers) and (
            llm_cfg.consult == "on_change" or (llm_cfg.consult == "on_conflict" and conflict)
        )
        if ask:
            decision = self._consult(bar, signals, action, score, conflict)
        else:
            decision = Decision(
                bar.symbol,
                bar.ts,
                action,
                min(1.0, abs(score)),
                f"weighted vote {score:+.3f}" + (" (agents conflict)" if conflict else ""),
                "vote",
                tuple(signals),
            )
        if decision.action is not Action.HOLD and decision.confidence < self.config.min_confidence:
            decision = Decision(
                decision.symbol,
                decision.ts,
                Action.HOLD,
                decision.confidence,
                f"confidence {decision.confidence:.2f} below min_confidence "
                f"{self.config.min_confidence:.2f}; was {decision.action.value}: "
                f"{decision.rationale}",
                decision.source,
                decision.signals,
            )
        self._remember(decision)
        self.stats["decisions"] += 1
        return decision

    def _remember(self, decision: Decision) -> None:
        size = self.config.llm.memory
        if size:
            self._memory.setdefault(decision.symbol, deque(maxlen=size)).append(decision)

    def prompt(self, bar: Bar, signals: Sequence[Signal], action: Action, score: float) -> str:
        """The question put to LLM providers; deterministic so that answers can be replayed."""
        lines = [
            f"Symbol: {bar.symbol}",
            f"Bar closed: {ms_to_datetime(bar.ts).strftime('%Y-%m-%d %H:%M')} UTC",
            f"Close: {bar.close:.2f}",
            "Agent signals:",
        ]
        for sig in signals:
            lines.append(
                f"- {sig.agent}: {sig.direction.name.lower()} strength {sig.strength:.2f} "
                f"confidence {sig.confidence:.2f}: {sig.rationale}"
            )
        lines.append(f"Weighted vote: {action.value} (score {score:+.3f})")
        memory = self._memory.get(bar.symbol)
        if memory:
            lines.append("Recent decisions:")
            for past in memory:
                when = ms_to_datetime(past.ts).strftime("%Y-%m-%d %H:%M")
                lines.append(f"- {when}: {past.action.value} ({past.confidence:.2f})")
        lines.append("Options: buy, sell, hold.")
        return "\n".join(lines)

    def _ask(self, name: str, provider: LLMProvider, prompt: str) -> LLMAnswer:
        model = getattr(provider, "model", "") or ""
        self.record.preload(name, model)
        key = self.record.key(name, model, SYSTEM_PROMPT, prompt)
        answer = self.record.get(key) if self.config.llm.record else None
        if answer is not None:
            self.stats["llm_replayed"] += 1
            return answer
        if self.config.llm.replay_only:
            raise LLMError(f"{name}: no recorded answer for this prompt (replay_only)")
        self.stats["llm_calls"] += 1
        answer = provider.decide(SYSTEM_PROMPT, prompt)
        if not isinstance(answer, LLMAnswer):
            raise LLMError(f"{name}: provider returned {type(answer).__name__}, not LLMAnswer")
        if self.config.llm.record:
            self.record.put(key, name, model, SYSTEM_PROMPT, prompt, answer)
        return answer

    def _consult(
        self, bar: Bar, signals: Sequence[Signal], action: Action, score: float, conflict: bool
    ) -> Decision:
        prompt = self.prompt(bar, signals, action, score)
        llm_cfg = self.config.llm
        answers: list[tuple[str, LLMAnswer]] = []
        for name, provider in self.providers.items():
            try:
                answers.append((name, self._ask(name, provider, prompt)))
            except Exception as exc:  # any provider failure holds; never an order
                self.stats["llm_failures"] += 1
                log.warning("LLM provider %s failed, holding: %s", name, exc)
                return Decision(
                    bar.symbol,
                    bar.ts,
                    Action.HOLD,
                    0.0,
                    f"LLM {name} failed ({type(exc).__name__}: {exc}); holding",
                    f"llm:{name}",
                    tuple(signals),
                )
        llm_score = sum(_ACTION_SIGN[a.action] * a.confidence for _, a in answers) / len(answers)
        names = ",".join(name for name, _ in answers)
        said = "; ".join(
            f"{n}: {a.action.value} {a.confidence:.2f} {a.rationale}" for n, a in answers
        )
        if llm_cfg.role == "arbiter":
            final = Action.BUY if llm_score > 0 else Action.SELL if llm_score < 0 else Action.HOLD
            confidence = abs(llm_score)
            rationale = f"arbiter {said}; agents voted {action.value} ({score:+.3f})"
        else:
            agent_weight = sum(self.weights.get(s.agent, 1.0) for s in signals)
            total = agent_weight * score + llm_cfg.weight * llm_score
            combined = total / (agent_weight + llm_cfg.weight)
            threshold = self.config.threshold
            final = (
                Action.BUY
                if combined >= threshold
                else Action.SELL
                if combined <= -threshold
                else Action.HOLD
            )
            confidence = min(1.0, abs(combined))
            rationale = f"vote {score:+.3f} with LLM {said} -> {combined:+.3f}"
        if conflict:
            rationale += " (agents conflict)"
        return Decision(
            bar.symbol, bar.ts, final, confidence, rationale, f"llm:{names}", tuple(signals)
        )
