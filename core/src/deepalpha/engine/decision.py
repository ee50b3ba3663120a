"""The decision engine: weighted voting, risk-priority conflict resolution and LLM consultation.

Called on every bar of every symbol with that bar's signals (``decide``). Per bar it costs a few
microseconds: the agents' dynamic weights learn from the bars (``weights.py``), the signals are
voted, and the engine checks whether the bar is a *decision point*: a bar where the vote (or the
veto) changed and the vote would change the position (a buy while flat or short; a sell while long,
or while flat when shorts are allowed). Only there is a ``Decision`` produced, explained, recorded
and, if configured, an LLM consulted. Asking a model on every bar would cost a second per bar with
the local model and make backtests useless.

At a decision point, in this order (each step lands in the decision's explanation):

1. **vote**: each signal is normalised to a score direction x strength x confidence in [-1, 1];
   the vote is the weighted mean of the scores, with each agent's configured weight times its
   accuracy multiplier on this symbol; ``threshold`` turns it into buy / sell / hold;
2. **conflict**: agents long and short, each with ``conflict_confidence`` at least, are recorded
   (and are when ``llm.consult: on_conflict`` asks the model);
3. **risk priority**: while any signal of the bar has ``veto=True`` (risk-off), an action that
   opens or adds exposure (a buy while flat or long; a sell while flat or short when shorts are
   allowed) becomes ``hold``; exits (a sell while long, a buy while short) go through. A vetoed
   decision point asks no model;
4. **cache**: when a model would be asked, a decision made for the same rounded signals and
   position less than ``cache.ttl`` seconds of bar time ago is reused (``cache.py``);
5. **LLM**: as a voter (its answer is one more weighted vote) or an arbiter (its answer is
   final); the veto is applied again to the result;
6. **min_confidence**: a buy or sell below it becomes ``hold``.

LLM answers are recorded under a key of (provider, model, system prompt, prompt) and replayed from
the record when the same question comes again, so a repeated backtest never calls the model. Any
failure (transport, invalid answer, no recorded answer in replay-only mode) resolves to ``hold``:
an LLM problem can cost an opportunity, never money.

The last ``memory.size`` decisions per symbol are kept (the newest ``llm.memory`` of them go into
the prompt). With a ``store`` and a ``book`` (the name of the account whose state this is, the
same across restarts of a paper run) the weights and the memory are restored at construction and
written by ``save``; without a book nothing is persisted (backtests start fresh every time).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..config.schema import DecisionConfig, LLMProviderConfig
from ..domain import Action, Bar, Decision, Direction, Signal, ms_to_datetime
from ..llm import LLMProvider
from . import explain
from .cache import CachedDecision, DecisionCache, MemoryCache, RedisCache, fingerprint
from .cache import settings_digest as _settings_digest
from .governor import Governor, Outcome
from .record import AnswerRecord

__all__ = ["SYSTEM_PROMPT", "AnswerRecord", "DecisionEngine", "MemoryEntry"]
from .weights import AgentAccuracy, AgentWeights

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are the arbiter of a multi-agent crypto trading system. Read the agents' signals and "
    "answer with a JSON object: action (buy, sell or hold), confidence between 0 and 1, and a "
    "one-sentence rationale."
)

_ACTION_SIGN = {Action.BUY: 1, Action.SELL: -1, Action.HOLD: 0}
_ACTIONS = {a.value: a for a in Action}  # a dict lookup is cheaper than Action(value)
_SHOWN_FIRST = ("llm_calls", "llm_replayed", "llm_failures")
_DIRECTION_NAME = {Direction.LONG: "long", Direction.FLAT: "flat", Direction.SHORT: "short"}


@functools.lru_cache(maxsize=4096)
def _utc_minute(ts: int) -> str:
    """``YYYY-MM-DD HH:MM`` (UTC) of epoch ms; memoised: a remembered decision's time appears in
    several prompts."""
    return ms_to_datetime(ts).strftime("%Y-%m-%d %H:%M")


class MemoryEntry(NamedTuple):
    """One remembered decision (what the prompt shows and the store keeps per book); a named
    tuple because one is made at every decision point, cache hits included."""

    symbol: str
    ts: int
    action: Action
    confidence: float
    rationale: str = ""


class DecisionEngine:
    """Resolves the agents' signals for one bar into a ``Decision`` at decision points.

    ``weights``: configured weight per agent name (agents not listed weigh 1).
    ``providers``: LLM providers by configured name; ``record``: where answers are replayed from.
    ``store`` and ``book``: persist the dynamic weights and the decision memory under ``book``
    (restored here, written by :meth:`save`); either ``None`` keeps them in memory only.
    ``allow_short``: a sell while flat is a decision point (it opens a short).
    ``cache``: a ``DecisionCache`` to use instead of the one ``config.cache`` describes.
    ``provider_configs``: each provider's governance (weight, price, limits, breaker; defaults
    when absent); ``ledger`` and ``run_id``: where every model call's usage is written
    (``governor.py``).
    """

    def __init__(
        self,
        config: DecisionConfig,
        weights: Mapping[str, float],
        providers: Mapping[str, LLMProvider] | None = None,
        record: AnswerRecord | None = None,
        *,
        store: Any = None,
        book: str | None = None,
        allow_short: bool = False,
        cache: DecisionCache | None = None,
        provider_configs: Mapping[str, LLMProviderConfig] | None = None,
        ledger: Any = None,
        run_id: str | None = None,
    ) -> None:
        self.config = config
        self.weights = dict(weights)
        self.providers = dict(providers or {})
        self.record = record or AnswerRecord(None)
        self.allow_short = bool(allow_short)
        self.book = book
        self._store = store if book else None
        self._agent_weights = AgentWeights(config.weights, self.weights)
        self._learn = config.weights.enabled
        self._threshold = config.threshold
        self._memory_size = config.memory.size
        self._memory: dict[str, deque[MemoryEntry]] = {}
        self._unsaved: list[MemoryEntry] = []
        self._last: dict[str, tuple[Action, bool]] = {}
        self.governor = Governor(
            self.providers,
            provider_configs,
            config.llm,
            self.record,
            ledger=ledger,
            run_id=run_id,
        )
        self._counts = {"decisions": 0, "cache_hits": 0, "vetoes": 0}
        self.cache = cache if cache is not None else self._build_cache()
        if self._store is not None:
            self._restore()

    @property
    def stats(self) -> dict[str, Any]:
        """Decisions, cache hits and vetoes, and the governor's model-call accounting."""
        llm = self.governor.stats
        return {
            "decisions": self._counts["decisions"],
            "llm_calls": llm["llm_calls"],
            "llm_replayed": llm["llm_replayed"],
            "llm_failures": llm["llm_failures"],
            "cache_hits": self._counts["cache_hits"],
            "vetoes": self._counts["vetoes"],
            **{k: v for k, v in llm.items() if k not in _SHOWN_FIRST},
        }

    # -- construction -----------------------------------------------------------------------------

    def _build_cache(self) -> DecisionCache | None:
        cfg = self.config.cache
        if cfg.ttl <= 0 or not self.providers or self.config.llm.consult == "never":
            return None  # the cache stands in front of the LLM; without one it saves nothing
        if cfg.url is None:
            return MemoryCache(cfg.ttl)
        llm = self.config.llm
        digest = _settings_digest(
            self.config.threshold,
            self.config.min_confidence,
            self.config.conflict_confidence,
            llm.role,
            llm.weight,
            sorted((n, getattr(p, "model", "")) for n, p in self.providers.items()),
            sorted(self.weights.items()),
            self.allow_short,
        )
        # Without a book every engine gets a namespace of its own: runs never share entries.
        namespace = f"{self.book or 'run-' + uuid.uuid4().hex}:{digest}"
        return RedisCache(cfg.url, cfg.ttl, namespace)

    def _restore(self) -> None:
        weights, memory = self._store.load_decision_state(self.book, self._memory_size)
        self._agent_weights.restore(
            AgentAccuracy(r["symbol"], r["agent"], r["accuracy"], r["observations"], r["ts"])
            for r in weights
        )
        for r in memory:
            entry = MemoryEntry(
                r["symbol"], r["ts"], Action(r["action"]), r["confidence"], r["rationale"]
            )
            self._remember(entry, save=False)

    # -- voting -----------------------------------------------------------------------------------

    def vote(self, signals: Sequence[Signal], symbol: str | None = None) -> tuple[Action, float]:
        """Weighted mean of signed scores over agents that did not abstain.

        ``symbol`` picks that symbol's dynamic weights; without it the configured weights count.
        """
        weights = self._agent_weights.effective(symbol) if symbol is not None else self.weights
        total = weight_sum = 0.0
        for sig in signals:
            w = weights.get(sig.agent, 1.0)
            total += w * int(sig.direction) * sig.strength * sig.confidence
            weight_sum += w
        if weight_sum == 0.0:
            return Action.HOLD, 0.0
        return self._threshold_action(total / weight_sum), total / weight_sum

    def _threshold_action(self, score: float) -> Action:
        threshold = self._threshold
        if score >= threshold:
            return Action.BUY
        if score <= -threshold:
            return Action.SELL
        return Action.HOLD

    def conflicted(self, signals: Sequence[Signal]) -> bool:
        long, short = self._conflict(signals)
        return bool(long and short)

    def _conflict(self, signals: Sequence[Signal]) -> tuple[list[str], list[str]]:
        cc = self.config.conflict_confidence
        long = [s.agent for s in signals if s.confidence >= cc and s.direction is Direction.LONG]
        short = [s.agent for s in signals if s.confidence >= cc and s.direction is Direction.SHORT]
        return long, short

    def _adds_exposure(self, action: Action, position: int) -> bool:
        """Whether ``action`` at ``position`` opens or adds exposure (what a veto blocks)."""
        if action is Action.BUY:
            return position >= 0
        if action is Action.SELL:
            return position < 0 or (position == 0 and self.allow_short)
        return False

    # -- deciding ---------------------------------------------------------------------------------

    def decide(self, bar: Bar, signals: Sequence[Signal], position: int) -> Decision | None:
        """A decision if this bar is a decision point for ``bar.symbol``, else ``None``.

        Call on every bar of every symbol, with the signals of that bar (possibly none) and the
        sign of the current holding (-1, 0, 1): the dynamic weights learn from every bar. A
        decision point is a bar whose vote or veto differs from the previous bar's and whose vote
        would change the position. Requiring a change means a hold (from the LLM, the veto or
        min_confidence) is not asked about again on every following bar; a veto lifting while the
        vote still says buy makes a new decision point.
        """
        symbol = bar.symbol
        agent_weights = self._agent_weights
        if self._learn:
            agent_weights.observe(symbol, bar.ts, bar.close, signals)
        if not signals:
            return None
        weights = agent_weights.effective(symbol)
        total = weight_sum = 0.0
        veto = False
        get = weights.get
        for sig in signals:
            w = get(sig.agent, 1.0)
            # Direction is an IntEnum: float * IntEnum is a float, without an int() call.
            total += w * sig.direction * sig.strength * sig.confidence
            weight_sum += w
            if sig.veto:
                veto = True
        score = total / weight_sum if weight_sum else 0.0
        threshold = self._threshold
        action = (
            Action.BUY
            if score >= threshold
            else Action.SELL
            if score <= -threshold
            else Action.HOLD
        )
        state = (action, veto)
        if self._last.get(symbol) == state:
            return None
        self._last[symbol] = state
        if action is Action.BUY:
            if position > 0:
                return None
        elif action is Action.SELL:
            if position < 0 or (position == 0 and not self.allow_short):
                return None
        else:
            return None
        return self._decide_point(bar, signals, position, action, score, weights, veto)

    def _decide_point(
        self,
        bar: Bar,
        signals: Sequence[Signal],
        position: int,
        action: Action,
        score: float,
        weights: Mapping[str, float],
        veto: bool,
    ) -> Decision:
        signals = tuple(signals)
        llm_cfg = self.config.llm
        consult = llm_cfg.consult
        conflict = None
        if not self.providers or consult == "never":
            ask = False
        elif consult == "on_change":
            ask = True
        else:
            conflict = self._conflict(signals)
            ask = bool(conflict[0] and conflict[1])
        vetoed = veto and self._adds_exposure(action, position)

        # The cache first: a hit costs a lookup and one Decision, nothing else.
        key = None
        if ask and not vetoed and self.cache is not None:
            key = fingerprint(signals, position)
            hit = self.cache.get(bar.symbol, key, bar.ts)
            if hit is not None:
                return self._finish(self._from_cache(bar, signals, hit))

        long, short = conflict or self._conflict(signals)
        expl: dict[str, Any] = {
            "action": None,
            "confidence": 0.0,
            "outcome": "vote",
            "position": position,
            "allow_short": self.allow_short,
            "signals": self._explain_signals(bar.symbol, signals, weights),
            "vote": {"score": score, "threshold": self._threshold, "action": action.value},
            "conflict": {
                "present": bool(long and short),
                "at_confidence": self.config.conflict_confidence,
                "long": long,
                "short": short,
            },
            "veto": {
                "agents": [s.agent for s in signals if s.veto] if veto else [],
                "blocked": None,
            },
            "llm": None,
            "combined": {"score": score, "action": action.value},
            "min_confidence": {"value": self.config.min_confidence, "passed": True},
            "cache": {"hit": False},
        }
        if vetoed:
            # Risk priority: nothing can be opened or added, whatever a model would say.
            if ask:
                expl["llm"] = {"skipped": f"{action.value} vetoed", "answers": None}
            return self._finish(self._vetoed(bar, signals, action, expl, "vote"))

        if ask:
            final, confidence, source = self._consult(bar, signals, action, score, weights, expl)
        else:
            final, confidence, source = action, min(1.0, abs(score)), "vote"

        if final is not Action.HOLD and veto and self._adds_exposure(final, position):
            decision = self._vetoed(bar, signals, final, expl, source)
        else:
            mc = self.config.min_confidence
            if final is not Action.HOLD and confidence < mc:
                expl["min_confidence"]["passed"] = False
                expl["outcome"] = "min_confidence"
                final = Action.HOLD
            expl["action"] = final.value
            expl["confidence"] = confidence
            expl["steps"] = explain.steps(expl)
            decision = Decision(
                bar.symbol,
                bar.ts,
                final,
                confidence,
                explain.rationale(expl),
                source,
                signals,
                expl,
            )
        if key is not None and expl["outcome"] != "llm_failed":
            self.cache.put(
                bar.symbol,
                key,
                CachedDecision(
                    bar.ts,
                    decision.action.value,
                    decision.confidence,
                    decision.rationale,
                    decision.source,
                    expl,
                ),
            )
        return self._finish(decision)

    def _vetoed(
        self,
        bar: Bar,
        signals: tuple[Signal, ...],
        blocked: Action,
        expl: dict[str, Any],
        source: str,
    ) -> Decision:
        self._counts["vetoes"] += 1
        confidence = max(s.confidence for s in signals if s.veto)
        expl["veto"]["blocked"] = blocked.value
        expl["outcome"] = "veto"
        expl["action"] = Action.HOLD.value
        expl["confidence"] = confidence
        expl["steps"] = explain.steps(expl)
        return Decision(
            bar.symbol,
            bar.ts,
            Action.HOLD,
            confidence,
            explain.rationale(expl),
            source,
            signals,
            expl,
        )

    def _from_cache(self, bar: Bar, signals: tuple[Signal, ...], hit: CachedDecision) -> Decision:
        self._counts["cache_hits"] += 1
        age = bar.ts - hit.ts
        expl = dict(hit.explanation or {})
        expl["cache"] = {"hit": True, "decided_ts": hit.ts, "age_ms": age}
        steps = expl.get("steps")
        if steps:
            expl["steps"] = [steps[0], explain.cache_step(age), *steps[1:]]
        return Decision(
            bar.symbol,
            bar.ts,
            _ACTIONS[hit.action],
            hit.confidence,
            f"{hit.rationale} [cache hit: decided {age / 1000:g} s earlier]",
            hit.source,
            signals,
            expl,
        )

    def _finish(self, decision: Decision) -> Decision:
        self._counts["decisions"] += 1
        if self._memory_size:
            self._remember(
                MemoryEntry(
                    decision.symbol,
                    decision.ts,
                    decision.action,
                    decision.confidence,
                    decision.rationale,
                )
            )
        return decision

    def _explain_signals(
        self, symbol: str, signals: Sequence[Signal], weights: Mapping[str, float]
    ) -> list[dict[str, Any]]:
        weight_sum = sum(weights.get(s.agent, 1.0) for s in signals) or 1.0
        base = self.weights
        accuracy = self._agent_weights.accuracy
        out = []
        for s in signals:
            agent = s.agent
            w = weights.get(agent, 1.0)
            b = base.get(agent, 1.0)
            p, n = accuracy(symbol, agent)
            sc = int(s.direction) * s.strength * s.confidence
            out.append(
                {
                    "agent": agent,
                    "direction": _DIRECTION_NAME[s.direction],
                    "strength": s.strength,
                    "confidence": s.confidence,
                    "veto": s.veto,
                    "score": sc,
                    "base_weight": b,
                    "multiplier": w / b if b else 1.0,
                    "accuracy": p,
                    "observations": n,
                    "weight": w,
                    "share": w / weight_sum,
                    "vote": w / weight_sum * sc,
                    "rationale": s.rationale,
                }
            )
        return out

    # -- memory -----------------------------------------------------------------------------------

    def _remember(self, entry: MemoryEntry, save: bool = True) -> None:
        memory = self._memory.get(entry.symbol)
        if memory is None:
            memory = self._memory[entry.symbol] = deque(maxlen=self._memory_size)
        memory.append(entry)
        if save and self._store is not None:
            self._unsaved.append(entry)

    def memory(self, symbol: str) -> list[MemoryEntry]:
        """The remembered decisions of ``symbol``, oldest first."""
        return list(self._memory.get(symbol, ()))

    # -- weights ----------------------------------------------------------------------------------

    def agent_weights(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per symbol, per agent: ``weight`` (used in the vote), ``base_weight`` (configured),
        ``multiplier``, ``accuracy`` (weighted hit rate) and ``observations`` (signals scored).
        For the run report; symbols the engine has not seen are absent."""
        return self._agent_weights.report()

    # -- persistence ------------------------------------------------------------------------------

    def save(self) -> None:
        """Write the weights changed and decisions remembered since the last save (one
        transaction). A no-op without a store and a book. Call it where the pipeline flushes
        its decisions and at the end of a run."""
        if self._store is None:
            return
        weights = self._agent_weights.take_dirty()
        memory, self._unsaved = self._unsaved, []
        if weights or memory:
            self._store.save_decision_state(self.book, weights, memory, self._memory_size)

    def close(self) -> None:
        """Save, stop the model-call threads, then release the cache (a Redis connection)."""
        self.save()
        self.governor.close()
        if self.cache is not None:
            self.cache.close()

    # -- the LLM ----------------------------------------------------------------------------------

    def prompt(self, bar: Bar, signals: Sequence[Signal], action: Action, score: float) -> str:
        """The question put to LLM providers; deterministic so that answers can be replayed."""
        lines = [
            f"Symbol: {bar.symbol}",
            f"Bar closed: {_utc_minute(bar.ts)} UTC",
            f"Close: {bar.close:.2f}",
            "Agent signals:",
        ]
        for sig in signals:
            lines.append(
                f"- {sig.agent}: {_DIRECTION_NAME[sig.direction]} strength {sig.strength:.2f} "
                f"confidence {sig.confidence:.2f}: {sig.rationale}"
            )
        lines.append(f"Weighted vote: {action.value} (score {score:+.3f})")
        memory = self._memory.get(bar.symbol)
        shown = self.config.llm.memory
        if memory and shown:
            lines.append("Recent decisions:")
            for i in range(max(0, len(memory) - shown), len(memory)):
                past = memory[i]
                lines.append(
                    f"- {_utc_minute(past.ts)}: {past.action.value} ({past.confidence:.2f})"
                )
        lines.append("Options: buy, sell, hold.")
        return "\n".join(lines)

    def _consult(
        self,
        bar: Bar,
        signals: Sequence[Signal],
        action: Action,
        score: float,
        weights: Mapping[str, float],
        expl: dict[str, Any],
    ) -> tuple[Action, float, str]:
        """Ask the providers (through the governor); fill ``expl`` in; return (action,
        confidence, source). Providers that answered count with their ``weight``; with none
        answering the decision holds."""
        prompt = self.prompt(bar, signals, action, score)
        llm_cfg = self.config.llm
        agent_weight = sum(weights.get(s.agent, 1.0) for s in signals)
        outcomes = self.governor.consult(SYSTEM_PROMPT, prompt)
        answered = [o for o in outcomes if o.answer is not None]
        info: dict[str, Any] = {
            "role": llm_cfg.role,
            "weight": llm_cfg.weight,
            "combine": llm_cfg.combine,
            "agent_weight": agent_weight,
            "answers": [_answer_entry(o) for o in answered],
            "unavailable": [
                {"provider": o.provider, "reason": o.reason, **_usage_entry(o)}
                for o in outcomes
                if o.answer is None
            ],
            "usage": _decision_usage(outcomes),
            "score": 0.0,
            "failed": None,
            "skipped": None,
        }
        expl["llm"] = info
        for o in outcomes:
            if o.answer is None and not o.reason.startswith(("not asked", "circuit open")):
                log.warning("LLM provider %s %s", o.provider, o.reason)
        provider_weight = sum(o.weight for o in answered)
        if not answered or provider_weight <= 0:
            info["failed"] = "; ".join(f"{o.provider} {o.reason}" for o in outcomes) or (
                "no provider answered"
            )
            expl["outcome"] = "llm_failed"
            expl["combined"] = {"score": 0.0, "action": Action.HOLD.value}
            return Action.HOLD, 0.0, "llm:" + ",".join(o.provider for o in outcomes)
        llm_score = sum(a["counted"] * a["weight"] for a in info["answers"]) / provider_weight
        info["score"] = llm_score
        names = ",".join(o.provider for o in answered)
        if llm_cfg.role == "arbiter":
            combined = llm_score
            final = Action.BUY if combined > 0 else Action.SELL if combined < 0 else Action.HOLD
            expl["outcome"] = "llm_arbiter"
        else:
            total = agent_weight + llm_cfg.weight
            combined = (agent_weight * score + llm_cfg.weight * llm_score) / total if total else 0.0
            final = self._threshold_action(combined)
            expl["outcome"] = "llm_voter"
        expl["combined"] = {"score": combined, "action": final.value}
        return final, min(1.0, abs(combined)), f"llm:{names}"


def _usage_entry(o: Outcome) -> dict[str, Any]:
    u = o.usage
    return {
        "attempts": u.attempts if u else 0,
        "input_tokens": u.input_tokens if u else 0,
        "output_tokens": u.output_tokens if u else 0,
        "cost_usd": o.cost_usd,
        "latency_ms": o.latency_ms,
    }


def _answer_entry(o: Outcome) -> dict[str, Any]:
    answer = o.answer
    return {
        "provider": o.provider,
        "model": o.model,
        "weight": o.weight,
        "action": answer.action.value,
        "confidence": answer.confidence,
        "counted": _ACTION_SIGN[answer.action] * answer.confidence,
        "replayed": o.replayed,
        "rationale": answer.rationale,
        **_usage_entry(o),
    }


def _decision_usage(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """What asking cost this decision, over every provider (replayed answers cost nothing)."""
    out = {"calls": 0, "attempts": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
    for o in outcomes:
        if o.usage is None:
            continue
        out["calls"] += 1
        out["attempts"] += o.usage.attempts
        out["input_tokens"] += o.usage.input_tokens
        out["output_tokens"] += o.usage.output_tokens
        out["cost_usd"] += o.cost_usd
    return out
