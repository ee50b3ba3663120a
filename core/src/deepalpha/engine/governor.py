"""LLM governance: every model call the decision engine makes goes through here.

The decision engine decides *when* to ask and how to combine the answers; the ``Governor`` owns
*how* models are asked, for every provider alike:

* **replay first**: a recorded answer (same provider, model, prompt and generation parameters)
  is used without a call, costs $0 and passes no limit, breaker or budget;
* **several providers**: ``vote`` asks every provider concurrently (a decision waits about as long
  as the slowest provider, not the sum); ``failover`` asks them one after another in the
  configured order until one answers;
* **circuit breaker** per provider: ``failure_threshold`` consecutive failures open it for
  ``cooldown_s`` (or the server's ``retry-after``, when longer); then one trial call decides;
* **rate limits** per provider: requests and tokens per rolling minute; a call waits for a slot
  up to ``max_wait_s``, else the provider is skipped for this decision;
* **deadline** per provider (``timeout_s``): an answer later than that is not used (the call is
  still accounted when it ends); retries with backoff that honour ``retry-after`` happen inside
  the providers, which see the HTTP responses;
* **accounting**: every real call's attempts, tokens and dollars (``llm_models``), per provider,
  per decision (in its explanation) and per run, written to the store's ``llm_usage`` ledger,
  which also answers the day's spend; records and ledger rows are written behind the decision
  by ``llm_writer.py``;
* **budget**: before a call, the run's and the day's spend plus what the call is expected to cost
  (the provider's mean so far) must stay within ``decision.llm.budget``; otherwise no model is
  called (the decision then holds) and the run says so once in the log and in its stats.

Failures never raise out of here: each becomes an ``Outcome`` with its reason, and the engine
holds when no provider answered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, date, datetime
from typing import Any

from attrs import frozen

from ..config.schema import LLMProviderConfig, LLMUseConfig
from ..llm import LLMAnswer, LLMProvider, Usage
from ..llm_models import ModelFacts, facts
from .llm_writer import BackgroundWriter
from .record import AnswerRecord

log = logging.getLogger(__name__)

#: Longest error text kept per failure (explanations, the ledger).
MAX_REASON_CHARS = 300
_MINUTE_S = 60.0


class CircuitBreaker:
    """Closed -> open after ``threshold`` consecutive failures -> one trial after the cooldown."""

    def __init__(self, threshold: int, cooldown_s: float, clock: Callable[[], float]) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self.failures = 0
        self.open_until: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    def blocked(self) -> str | None:
        """Why the provider must not be called now, or ``None`` (a trial call is let through)."""
        with self._lock:
            if self.open_until is None:
                return None
            left = self.open_until - self._clock()
            if left > 0 or self._trial:
                why = "a trial call is in flight" if left <= 0 else f"{left:.0f} s left"
                return f"circuit open after {self.failures} consecutive failures ({why})"
            self._trial = True  # half-open: this one call decides
            return None

    def release(self) -> None:
        """The trial call let through was not made after all (rate limit, budget)."""
        with self._lock:
            self._trial = False

    def success(self) -> None:
        with self._lock:
            self.failures = 0
            self.open_until = None
            self._trial = False

    def failure(self, retry_after: float | None = None) -> None:
        with self._lock:
            self.failures += 1
            self._trial = False
            if self.failures >= self.threshold:
                wait = max(self.cooldown_s, retry_after or 0.0)
                self.open_until = self._clock() + wait


class RateLimiter:
    """Requests and tokens per rolling minute; ``None`` limits are unlimited."""

    def __init__(
        self, requests: float | None, tokens: float | None, clock: Callable[[], float]
    ) -> None:
        self.requests = requests
        self.tokens = tokens
        self._clock = clock
        self._calls: deque[list[float]] = deque()  # [start time, tokens]
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        while self._calls and self._calls[0][0] <= now - _MINUTE_S:
            self._calls.popleft()

    def wait_s(self, tokens: float) -> float:
        """Seconds until a call expected to use ``tokens`` fits in both limits."""
        if self.requests is None and self.tokens is None:
            return 0.0
        with self._lock:
            now = self._clock()
            self._prune(now)
            wait = 0.0
            if self.requests is not None and len(self._calls) >= self.requests:
                # The oldest calls must leave the window until one slot is free.
                over = len(self._calls) - int(self.requests) + 1
                wait = self._calls[over - 1][0] + _MINUTE_S - now
            if self.tokens is not None:
                used = sum(c[1] for c in self._calls)
                for start, spent in self._calls:
                    if used + tokens <= self.tokens:
                        break
                    used -= spent
                    wait = max(wait, start + _MINUTE_S - now)
            return max(0.0, wait)

    def take(self, tokens: float) -> list[float]:
        """Count a call starting now; the returned entry's tokens are corrected afterwards."""
        entry = [self._clock(), float(tokens)]
        with self._lock:
            self._calls.append(entry)
        return entry

    def settle(self, entry: list[float], tokens: float) -> None:
        with self._lock:
            entry[1] = float(tokens)


@frozen
class Outcome:
    """What one provider contributed to one decision."""

    provider: str
    model: str
    weight: float
    answer: LLMAnswer | None = None
    replayed: bool = False
    #: Why there is no answer (failure, circuit open, rate limit, budget, deadline).
    reason: str | None = None
    usage: Usage | None = None
    cost_usd: float = 0.0
    latency_ms: float | None = None


class ProviderGuard:
    """One provider with its breaker, limiter, facts and running totals."""

    def __init__(
        self,
        name: str,
        provider: LLMProvider,
        config: LLMProviderConfig | None,
        clock: Callable[[], float],
    ) -> None:
        cfg = config if config is not None else LLMProviderConfig(provider=name)
        self.name = name
        self.provider = provider
        self.config = cfg
        self.weight = cfg.weight
        self.breaker = CircuitBreaker(cfg.failure_threshold, cfg.cooldown_s, clock)
        self.limiter = RateLimiter(cfg.requests_per_minute, cfg.tokens_per_minute, clock)
        self.totals = {
            "calls": 0,
            "failures": 0,
            "replayed": 0,
            "skipped": 0,
            "attempts": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost_usd": 0.0,
        }
        self._params: dict[str, Any] | None = None

    @property
    def model(self) -> str:
        return getattr(self.provider, "model", "") or ""

    def params(self) -> dict[str, Any]:
        if self._params is None:
            params = getattr(self.provider, "params", None)
            self._params = dict(params()) if callable(params) else {}
        return self._params

    def facts(self) -> ModelFacts:
        cfg = self.config
        price = (cfg.price.input, cfg.price.output) if cfg.price is not None else None
        cutoff = date.fromisoformat(cfg.cutoff) if cfg.cutoff else None
        return facts(self.model, price=price, cutoff=cutoff)

    def expected_cost(self) -> float:
        """The mean cost of this provider's calls so far (0 before the first)."""
        calls = self.totals["calls"] + self.totals["failures"]
        return self.totals["cost_usd"] / calls if calls else 0.0

    def expected_tokens(self, prompt: str) -> float:
        calls = self.totals["calls"] + self.totals["failures"]
        if calls:
            return (self.totals["input_tokens"] + self.totals["output_tokens"]) / calls
        return len(prompt) / 4 + 100  # about four characters a token, plus the answer


class Governor:
    """Asks the configured providers under the rules above; see the module docstring.

    ``ledger``: a store with ``record_llm_usage`` and ``llm_spend_since`` (``None``: no ledger,
    and the day's budget counts this run only). ``clock`` (monotonic seconds: deadlines,
    latency, breakers, rate limits), ``sleep`` and ``wall`` (epoch seconds: the ledger, the UTC
    day) are replaced in tests.
    """

    def __init__(
        self,
        providers: Mapping[str, LLMProvider],
        configs: Mapping[str, LLMProviderConfig] | None,
        use: LLMUseConfig,
        record: AnswerRecord,
        *,
        ledger: Any = None,
        run_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        configs = configs or {}
        self.use = use
        self.record = record
        self.guards = [
            ProviderGuard(name, provider, configs.get(name), clock)
            for name, provider in providers.items()
        ]
        self._ledger = ledger
        self.run_id = run_id
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()  # totals, spend and the pending ledger rows
        self._pending: list[dict[str, Any]] = []
        self._writer = BackgroundWriter()
        self._unwritten_usd = 0.0
        self.spent_usd = 0.0
        self.budget_stop: str | None = None
        self.stats = {
            "llm_calls": 0,
            "llm_replayed": 0,
            "llm_failures": 0,
            "llm_skipped": 0,
            "llm_attempts": 0,
            "llm_input_tokens": 0,
            "llm_output_tokens": 0,
            "llm_cost_usd": 0.0,
            "llm_unpriced_calls": 0,
        }

    # -- asking -----------------------------------------------------------------------------------

    def consult(self, system: str, prompt: str) -> list[Outcome]:
        """Every provider's outcome for this question, in the configured order (``failover``
        stops at the first answer; providers after it are not listed)."""
        self.flush()
        keyed = []
        for guard in self.guards:
            model = guard.model
            self.record.preload(guard.name, model)
            params = guard.params()
            key = self.record.key(guard.name, model, system, prompt, params)
            keyed.append((guard, key))
        if self.use.combine == "failover":
            out = []
            for guard, key in keyed:
                outcome = self._replayed(guard, key) or self._call_now(guard, key, system, prompt)
                out.append(outcome)
                if outcome.answer is not None:
                    break
            return out
        outcomes: list[Outcome | None] = [self._replayed(g, k) for g, k in keyed]
        todo = [i for i, o in enumerate(outcomes) if o is None]
        if todo:
            started = {}
            reserved = 0.0
            for i in todo:
                guard, key = keyed[i]
                refused = self._refusal(guard, reserved)
                if refused is not None:
                    outcomes[i] = refused
                else:
                    reserved += guard.expected_cost()
                    started[i] = (self._clock(), self._submit(guard, system, prompt))
            for i, (t0, future) in started.items():
                guard, key = keyed[i]
                outcomes[i] = self._collect(guard, key, system, prompt, future, t0)
        return [o for o in outcomes if o is not None]

    def _replayed(self, guard: ProviderGuard, key: str) -> Outcome | None:
        answer = self.record.get(key, guard.name, guard.model) if self.use.record else None
        if answer is not None:
            with self._lock:
                self.stats["llm_replayed"] += 1
                guard.totals["replayed"] += 1
            return Outcome(guard.name, guard.model, guard.weight, answer, replayed=True)
        if self.use.replay_only:
            return self._skip(guard, "no recorded answer for this prompt (replay_only)")
        return None

    def _skip(self, guard: ProviderGuard, reason: str) -> Outcome:
        with self._lock:
            self.stats["llm_skipped"] += 1
            guard.totals["skipped"] += 1
        return Outcome(guard.name, guard.model, guard.weight, reason=reason)

    def _refusal(self, guard: ProviderGuard, reserved: float = 0.0) -> Outcome | None:
        """An outcome when ``guard`` must not be called now (budget, breaker), else ``None``.
        ``reserved``: the expected cost of calls this decision is already making."""
        over = self._over_budget(guard.expected_cost() + reserved)
        if over is not None:
            if self.budget_stop is None:
                self.budget_stop = over
                log.warning("LLM budget reached: %s; no more model calls, decisions hold", over)
            return self._skip(guard, f"not asked: {over}")
        blocked = guard.breaker.blocked()
        if blocked is not None:
            return self._skip(guard, blocked)
        return None

    def _call_now(self, guard: ProviderGuard, key: str, system: str, prompt: str) -> Outcome:
        refused = self._refusal(guard)
        if refused is not None:
            return refused
        t0 = self._clock()
        return self._collect(guard, key, system, prompt, self._submit(guard, system, prompt), t0)

    def _submit(self, guard: ProviderGuard, system: str, prompt: str) -> Future:
        if self._pool is None:
            # Two threads per provider: a call past its deadline keeps one busy until it ends.
            self._pool = ThreadPoolExecutor(
                max_workers=max(2, 2 * len(self.guards)), thread_name_prefix="deepalpha-llm"
            )
        return self._pool.submit(self._run_call, guard, system, prompt, self._clock())

    def _run_call(
        self, guard: ProviderGuard, system: str, prompt: str, submitted: float
    ) -> Outcome:
        """In a worker thread: wait for a rate-limit slot, call, account (even if the engine
        stopped waiting for this answer)."""
        expected = guard.expected_tokens(prompt)
        wait = guard.limiter.wait_s(expected)
        if wait > guard.config.max_wait_s:
            guard.breaker.release()
            return self._skip(
                guard,
                f"rate limited: a slot frees in {wait:.1f} s > max_wait_s="
                f"{guard.config.max_wait_s:g}",
            )
        if wait > 0:
            self._sleep(wait)
        slot = guard.limiter.take(expected)
        t0 = self._clock()
        answer: LLMAnswer | None = None
        reason = None
        retry_after = None
        try:
            answer = guard.provider.decide(system, prompt)
            if not isinstance(answer, LLMAnswer):
                reason = f"provider returned {type(answer).__name__}, not LLMAnswer"
                answer = None
            usage = (answer.usage if answer is not None else None) or Usage()
        except Exception as exc:  # any provider failure is an outcome; the engine holds
            usage = getattr(exc, "usage", None)
            usage = usage if isinstance(usage, Usage) else Usage()
            retry_after = getattr(exc, "retry_after", None)
            reason = f"failed ({type(exc).__name__}: {exc})"
        latency_ms = (self._clock() - t0) * 1000.0
        guard.limiter.settle(slot, usage.input_tokens + usage.output_tokens)
        model_facts = guard.facts()
        cost = model_facts.cost(usage.input_tokens, usage.output_tokens)
        if self._clock() - submitted > guard.config.timeout_s:
            pass  # the engine stopped waiting and counted the failure; a late answer is no cure
        elif reason is None:
            guard.breaker.success()
        else:
            guard.breaker.failure(retry_after)
            reason = reason if len(reason) <= MAX_REASON_CHARS else reason[:297] + "..."
        self._account(guard, usage, cost, latency_ms, reason, model_facts.priced)
        return Outcome(
            guard.name,
            guard.model,
            guard.weight,
            answer,
            reason=reason,
            usage=usage,
            cost_usd=cost,
            latency_ms=latency_ms,
        )

    def _collect(
        self,
        guard: ProviderGuard,
        key: str,
        system: str,
        prompt: str,
        future: Future,
        t0: float,
    ) -> Outcome:
        left = guard.config.timeout_s - (self._clock() - t0)
        try:
            outcome = future.result(timeout=max(0.0, left))
        except FutureTimeout:
            guard.breaker.failure()
            return Outcome(
                guard.name,
                guard.model,
                guard.weight,
                reason=f"no answer within timeout_s={guard.config.timeout_s:g}",
            )
        if outcome.answer is not None and self.use.record:
            self.record.put(
                key,
                guard.name,
                guard.model,
                system,
                prompt,
                outcome.answer,
                params=guard.params(),
                cost_usd=outcome.cost_usd,
                latency_ms=outcome.latency_ms,
                write=self._writer.submit,
            )
        return outcome

    # -- accounting -------------------------------------------------------------------------------

    def _account(
        self,
        guard: ProviderGuard,
        usage: Usage,
        cost: float,
        latency_ms: float,
        reason: str | None,
        priced: bool,
    ) -> None:
        with self._lock:
            stats, totals = self.stats, guard.totals
            if reason is None:
                stats["llm_calls"] += 1
                totals["calls"] += 1
            else:
                stats["llm_failures"] += 1
                totals["failures"] += 1
            if not priced:
                stats["llm_unpriced_calls"] += 1
            stats["llm_attempts"] += usage.attempts
            stats["llm_input_tokens"] += usage.input_tokens
            stats["llm_output_tokens"] += usage.output_tokens
            stats["llm_cost_usd"] += cost
            totals["attempts"] += usage.attempts
            totals["input_tokens"] += usage.input_tokens
            totals["output_tokens"] += usage.output_tokens
            totals["cost_usd"] += cost
            self.spent_usd += cost
            self._pending.append(
                {
                    "run_id": self.run_id,
                    "ts": int(self._wall() * 1000),
                    "provider": guard.name,
                    "model": guard.model,
                    "ok": reason is None,
                    "attempts": usage.attempts,
                    "input_tokens": usage.input_tokens,
                    "output_tokens": usage.output_tokens,
                    "cost_usd": cost,
                    "latency_ms": latency_ms,
                    "error": reason,
                }
            )

    def flush(self) -> None:
        """Queue the ledger rows of calls that ended since the last flush for the writer."""
        with self._lock:
            rows, self._pending = self._pending, []
            cost = sum(r["cost_usd"] for r in rows)
            if rows and self._ledger is not None:
                self._unwritten_usd += cost
        if rows and self._ledger is not None:
            self._writer.submit(self._write_rows, rows, cost)

    def _write_rows(self, rows: list[dict[str, Any]], cost: float) -> None:
        try:
            self._ledger.record_llm_usage(rows)
        finally:
            with self._lock:
                self._unwritten_usd -= cost

    def _day_spent(self) -> float:
        """Today's (UTC) spend of every run: the ledger's, plus this run's calls still queued."""
        if self._ledger is None:
            return self.spent_usd
        self.flush()
        midnight = datetime.fromtimestamp(self._wall(), UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        with self._lock:
            queued = self._unwritten_usd
        return float(self._ledger.llm_spend_since(int(midnight.timestamp() * 1000))) + queued

    def _over_budget(self, expected: float) -> str | None:
        budget = self.use.budget
        if budget.per_run_usd is not None and self.spent_usd + expected > budget.per_run_usd:
            return (
                f"run budget ${budget.per_run_usd:g} reached "
                f"(${self.spent_usd:.4f} spent, next call ~${expected:.4f})"
            )
        if budget.per_day_usd is not None:
            day = self._day_spent()
            if day + expected > budget.per_day_usd:
                return (
                    f"daily budget ${budget.per_day_usd:g} reached "
                    f"(${day:.4f} spent today UTC, next call ~${expected:.4f})"
                )
        return None

    def usage(self) -> dict[str, dict[str, Any]]:
        """Per provider: model, weight, price, cutoff and totals (for the run's summary)."""
        out = {}
        for guard in self.guards:
            f = guard.facts()
            out[guard.name] = {
                "model": guard.model,
                "weight": guard.weight,
                "price_per_mtok": ([f.input_per_mtok, f.output_per_mtok] if f.priced else None),
                "cutoff": f.cutoff.isoformat() if f.cutoff else None,
                **guard.totals,
            }
        return out

    def close(self) -> None:
        """Stop the call threads (a call still running is not waited for), then write every
        queued record and ledger row."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self.flush()
        self._writer.drain()
