"""LLM governance (``engine/governor.py``): weighted voting between providers, failover, the
circuit breaker, rate limits, deadlines, accounting, budgets and free replays. Decisions run on
two symbols; clocks and sleeps are fakes so nothing waits for real except the deadline test."""

from __future__ import annotations

import threading
import time

import pytest
from deepalpha.config.schema import (
    BudgetConfig,
    DecisionConfig,
    LLMProviderConfig,
    LLMUseConfig,
    PriceConfig,
    WeightsConfig,
)
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import AnswerRecord, DecisionEngine
from deepalpha.engine.governor import CircuitBreaker, Governor, RateLimiter
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer, LLMProvider, Usage

BTC, ETH = "BTC/USD", "ETH/USD"
H = 3_600_000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Fixed(LLMProvider):
    """Always the same answer, with a set usage; counts its calls."""

    def __init__(self, action, confidence, *, model="m", tokens=(0, 0), temperature=0.0):
        self.model = model
        self.answer = (action, confidence)
        self.tokens = tokens
        self.temperature = temperature
        self.calls = 0

    def params(self):
        return {"temperature": self.temperature}

    def decide(self, system, prompt):
        self.calls += 1
        return LLMAnswer(*self.answer, "r", usage=Usage(1, *self.tokens))


class Down(LLMProvider):
    model = "down"

    def __init__(self, retry_after=None):
        self.calls = 0
        self.retry_after = retry_after

    def decide(self, system, prompt):
        self.calls += 1
        raise LLMError("HTTP 503", usage=Usage(1, 10, 0), retry_after=self.retry_after)


def _sig(agent, direction, symbol):
    return Signal(agent, symbol, 0, Direction(direction), 1.0, 1.0, "r")


def _bar(ts, symbol):
    return Bar(symbol, ts, 100.0, 100.0, 100.0, 100.0, 1.0)


def _engine(providers, configs=None, *, record=None, ledger=None, **llm):
    cfg = DecisionConfig(
        weights=WeightsConfig(enabled=False),
        llm=LLMUseConfig(providers=tuple(providers), **llm),
    )
    return DecisionEngine(
        cfg,
        {"a": 1.0},
        providers,
        record,
        provider_configs=configs,
        ledger=ledger,
        run_id="run1",
    )


def _points(engine, n, start=0):
    """``n`` buy decision points per symbol (a hold bar before each so the vote changes)."""
    out = []
    for i in range(start, start + n):
        for symbol in (BTC, ETH):
            engine.decide(_bar(2 * i * H, symbol), [_sig("a", 0, symbol)], 0)
            out.append(engine.decide(_bar((2 * i + 1) * H, symbol), [_sig("a", 1, symbol)], 0))
    return out


def _cfg(name, **kw):
    return LLMProviderConfig(provider=name, **kw)


# -- several providers ------------------------------------------------------------------------


def test_providers_vote_with_their_weights() -> None:
    providers = {
        "openai": Fixed(Action.SELL, 1.0),
        "anthropic": Fixed(Action.BUY, 0.5),
        "deepseek": Fixed(Action.BUY, 1.0),
    }
    configs = {
        "openai": _cfg("openai", weight=0.4),
        "anthropic": _cfg("anthropic", weight=0.3),
        "deepseek": _cfg("deepseek", weight=0.3),
    }
    engine = _engine(providers, configs, role="arbiter")
    for d in _points(engine, 1):
        # (0.4 * -1 + 0.3 * 0.5 + 0.3 * 1) / 1.0 = +0.05: a buy at confidence 0.05.
        assert d.action is Action.BUY and d.confidence == pytest.approx(0.05)
        assert d.explanation["llm"]["score"] == pytest.approx(0.05)
        assert [a["weight"] for a in d.explanation["llm"]["answers"]] == [0.4, 0.3, 0.3]
    assert all(p.calls == 2 for p in providers.values())


def test_a_provider_down_leaves_the_others_voting_and_its_circuit_opens() -> None:
    down = Down()
    up = Fixed(Action.BUY, 0.8)
    configs = {"a": _cfg("a", failure_threshold=2, cooldown_s=600), "b": _cfg("b")}
    engine = _engine({"a": down, "b": up}, configs, role="arbiter")
    decisions = _points(engine, 3)
    assert [d.action for d in decisions] == [Action.BUY] * 6
    assert all(d.confidence == pytest.approx(0.8) for d in decisions)
    # Two failures open the circuit: the four later decisions do not call ``a`` at all.
    assert down.calls == 2 and up.calls == 6
    reasons = [d.explanation["llm"]["unavailable"][0]["reason"] for d in decisions]
    assert reasons[0].startswith("failed (LLMError: HTTP 503")
    assert all(r.startswith("circuit open after 2 consecutive failures") for r in reasons[2:])
    assert engine.stats["llm_failures"] == 2 and engine.stats["llm_skipped"] == 4
    steps = decisions[0].explanation["steps"]
    assert "LLM a gave no answer: failed (LLMError: HTTP 503)" in steps
    assert any(s.startswith("LLM b (asked) said buy 0.80") for s in steps)


def test_all_providers_failing_holds() -> None:
    engine = _engine({"a": Down(), "b": Down()})
    for d in _points(engine, 1):
        assert d.action is Action.HOLD and d.explanation["outcome"] == "llm_failed"
        assert "a failed" in d.rationale and "b failed" in d.rationale


def test_failover_asks_in_order_until_one_answers() -> None:
    first, second, third = Down(), Fixed(Action.BUY, 0.9), Fixed(Action.SELL, 0.9)
    engine = _engine(
        {"first": first, "second": second, "third": third}, combine="failover", role="arbiter"
    )
    for d in _points(engine, 1):
        assert d.action is Action.BUY and d.source == "llm:second"
        assert [u["provider"] for u in d.explanation["llm"]["unavailable"]] == ["first"]
    assert (first.calls, second.calls, third.calls) == (2, 2, 0)


def test_providers_are_asked_concurrently() -> None:
    """Both calls must be in flight at once for the barrier to open (a sequential engine would
    time out at the barrier and hold)."""
    barrier = threading.Barrier(2, timeout=10)

    class Meeting(Fixed):
        def decide(self, system, prompt):
            barrier.wait()
            return super().decide(system, prompt)

    engine = _engine({"a": Meeting(Action.BUY, 1.0), "b": Meeting(Action.BUY, 1.0)})
    for d in _points(engine, 1):
        assert d.explanation["outcome"] == "llm_voter"
        assert len(d.explanation["llm"]["answers"]) == 2


def test_an_answer_after_the_deadline_is_not_used() -> None:
    release = threading.Event()

    class Slow(Fixed):
        def decide(self, system, prompt):
            release.wait(10)
            return super().decide(system, prompt)

    slow = Slow(Action.SELL, 1.0)
    engine = _engine(
        {"slow": slow, "fast": Fixed(Action.BUY, 0.7)},
        {"slow": _cfg("slow", timeout_s=0.05), "fast": _cfg("fast")},
        role="arbiter",
    )
    try:
        for d in _points(engine, 1):
            assert d.action is Action.BUY and d.confidence == pytest.approx(0.7)
            reason = d.explanation["llm"]["unavailable"][0]["reason"]
            assert reason == "no answer within timeout_s=0.05"
    finally:
        release.set()
        engine.close()


# -- the breaker and the limiter ---------------------------------------------------------------


def test_breaker_half_opens_after_the_cooldown_and_honours_retry_after() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2, 30.0, clock)
    breaker.failure()
    assert breaker.blocked() is None  # one failure: still closed
    breaker.failure(retry_after=90.0)  # the server asks for longer than the cooldown
    assert "circuit open" in breaker.blocked()
    clock.now += 60
    assert "circuit open" in breaker.blocked()  # retry-after 90 s outlasts the 30 s cooldown
    clock.now += 31
    assert breaker.blocked() is None  # the trial call
    assert "trial call is in flight" in breaker.blocked()  # only one at a time
    breaker.failure()
    assert "circuit open" in breaker.blocked()  # the trial failed: open again
    clock.now += 31
    assert breaker.blocked() is None
    breaker.success()
    assert breaker.blocked() is None and breaker.failures == 0


def test_rate_limiter_requests_and_tokens_per_minute() -> None:
    clock = Clock()
    requests = RateLimiter(2, None, clock)
    requests.take(0)
    clock.now += 10
    requests.take(0)
    assert requests.wait_s(0) == pytest.approx(50.0)  # the first call leaves the window at 60
    clock.now += 50
    assert requests.wait_s(0) == 0.0
    tokens = RateLimiter(None, 1000, clock)
    slot = tokens.take(100)
    tokens.settle(slot, 800)  # the call used more than expected
    clock.now += 5
    tokens.take(150)
    assert tokens.wait_s(50) == 0.0  # 800 + 150 + 50 fits in 1000
    assert tokens.wait_s(100) == pytest.approx(55.0)  # 1050 does not: until the 800 leave


def test_rate_limited_provider_waits_or_is_skipped() -> None:
    clock = Clock()
    a = Fixed(Action.BUY, 1.0)
    gov = Governor(
        {"a": a},
        {"a": _cfg("a", requests_per_minute=1, max_wait_s=30)},
        LLMUseConfig(providers=("a",), record=False),
        AnswerRecord(None),
        clock=clock,
        sleep=clock.sleep,
    )
    assert gov.consult("s", "p1")[0].answer is not None
    clock.now += 40  # the slot frees at 60: a 20 s wait is within max_wait_s
    assert gov.consult("s", "p2")[0].answer is not None
    assert clock.slept == [pytest.approx(20.0)]
    out = gov.consult("s", "p3")[0]  # the next slot is 60 s away: skipped, not called
    assert out.answer is None and out.reason.startswith("rate limited")
    assert a.calls == 2
    gov.close()


# -- accounting, budgets and replay ------------------------------------------------------------


def test_cost_is_counted_per_decision_and_run_and_the_run_budget_stops_calls(caplog) -> None:
    # 1000 input + 500 output tokens at $2 / $10 per Mtok: $0.002 + $0.005 = $0.007 a call.
    llm = Fixed(Action.BUY, 1.0, tokens=(1000, 500))
    configs = {"x": _cfg("x", price=PriceConfig(input=2.0, output=10.0))}
    engine = _engine({"x": llm}, configs, budget=BudgetConfig(per_run_usd=0.02))
    decisions = _points(engine, 3)
    # Two calls cost $0.014; a third would reach $0.021 > $0.02: it is not made.
    assert llm.calls == 2
    assert [d.action for d in decisions[:2]] == [Action.BUY, Action.BUY]
    assert all(d.action is Action.HOLD for d in decisions[2:])
    assert decisions[0].explanation["llm"]["usage"] == {
        "calls": 1,
        "attempts": 1,
        "input_tokens": 1000,
        "output_tokens": 500,
        "cost_usd": pytest.approx(0.007),
    }
    assert "run budget $0.02 reached" in decisions[2].rationale
    stats = engine.stats
    assert stats["llm_cost_usd"] == pytest.approx(0.014)
    assert (stats["llm_input_tokens"], stats["llm_output_tokens"]) == (2000, 1000)
    assert engine.governor.budget_stop.startswith("run budget $0.02 reached")
    assert caplog.text.count("LLM budget reached") == 1  # logged once, not per decision


def test_failed_calls_are_paid_for_too() -> None:
    engine = _engine({"x": Down()}, {"x": _cfg("x", price=PriceConfig(input=1000.0, output=0.0))})
    _points(engine, 1)
    assert engine.stats["llm_cost_usd"] == pytest.approx(2 * 10 * 1000.0 / 1e6)
    assert engine.stats["llm_failures"] == 2


def test_daily_budget_counts_every_run_in_the_ledger(tmp_path) -> None:
    from deepalpha.storage import Store

    with Store.open(f"sqlite:///{tmp_path}/l.db") as store:
        now = int(time.time() * 1000)
        store.record_llm_usage(
            [{"run_id": "earlier", "ts": now, "provider": "x", "model": "m", "ok": True,
              "cost_usd": 0.95}]
        )  # fmt: skip
        llm = Fixed(Action.BUY, 1.0, tokens=(10_000, 0))  # $0.02 a call at $2/Mtok
        configs = {"x": _cfg("x", price=PriceConfig(input=2.0, output=0.0))}
        engine = _engine({"x": llm}, configs, ledger=store, budget=BudgetConfig(per_day_usd=1.0))
        decisions = _points(engine, 3)
        # $0.95 earlier today + 2 calls ($0.04) = $0.99; a third ($1.01) is over the $1 a day.
        assert llm.calls == 2
        assert "daily budget $1 reached" in engine.governor.budget_stop
        engine.close()
        rows = store.llm_usage(run_id="run1")
        assert sum(r["calls"] for r in rows) == 2
        assert sum(r["cost_usd"] for r in rows) == pytest.approx(0.04)
        assert [d.action for d in decisions].count(Action.HOLD) == 4


def test_replay_is_free_and_keyed_by_generation_params(tmp_path) -> None:
    from deepalpha.storage import Store

    configs = {"x": _cfg("x", price=PriceConfig(input=2.0, output=10.0))}
    with Store.open(f"sqlite:///{tmp_path}/r.db") as store:
        first = _engine(
            {"x": Fixed(Action.BUY, 0.9, tokens=(1000, 100))}, configs, record=AnswerRecord(store)
        )
        original = _points(first, 2)
        first.close()  # the end of a run: every queued record is written
        assert first.stats["llm_calls"] == 4 and first.stats["llm_cost_usd"] > 0
        again_llm = Fixed(Action.SELL, 0.1)
        again = _engine({"x": again_llm}, configs, record=AnswerRecord(store))
        replayed = _points(again, 2)
        assert again_llm.calls == 0 and again.stats["llm_cost_usd"] == 0.0
        assert [(d.action, d.confidence, d.rationale) for d in replayed] == [
            (d.action, d.confidence, d.rationale) for d in original
        ]
        # Another temperature is another question: asked, not replayed.
        hotter = Fixed(Action.SELL, 0.1, temperature=0.7)
        third = _engine({"x": hotter}, configs, record=AnswerRecord(store))
        _points(third, 1)
        third.close()
        assert hotter.calls == 2 and third.stats["llm_replayed"] == 0
        rows = store.llm_records(provider="x", full=True)
        assert {r["input_tokens"] for r in rows} >= {1000}


def test_a_trial_call_not_made_does_not_block_the_provider_for_good() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10.0, clock)
    breaker.failure()
    clock.now += 11
    assert breaker.blocked() is None  # the trial is let through ...
    breaker.release()  # ... but a rate limit kept it from being made
    assert breaker.blocked() is None  # the next trial may go


def test_the_run_budget_counts_every_provider_asked_at_once() -> None:
    # Each call costs $0.01; with $0.025 left for a decision asking three providers at once,
    # only two are called (a third would take the run to $0.03).
    providers = {n: Fixed(Action.BUY, 1.0, tokens=(10_000, 0)) for n in ("a", "b", "c")}
    configs = {n: _cfg(n, price=PriceConfig(input=1.0, output=0.0)) for n in providers}
    engine = _engine(providers, configs, budget=BudgetConfig(per_run_usd=0.035))
    _points(engine, 1)  # BTC: the first decision calls all three ($0.03), ETH: nothing left
    assert [p.calls for p in providers.values()] == [1, 1, 1]
    assert engine.stats["llm_cost_usd"] == pytest.approx(0.03)


def test_a_provider_always_past_its_deadline_opens_its_circuit() -> None:
    release = threading.Event()

    class Slow(Fixed):
        started = 0

        def decide(self, system, prompt):
            self.started += 1
            release.wait(0.2)
            return super().decide(system, prompt)

    slow = Slow(Action.BUY, 1.0)
    engine = _engine(
        {"slow": slow, "ok": Fixed(Action.BUY, 1.0)},
        {"slow": _cfg("slow", timeout_s=0.01, failure_threshold=2, cooldown_s=600), "ok": None},
    )
    try:
        _points(engine, 3)
        # Late answers do not reset the breaker: two deadlines missed, then it is not asked.
        assert slow.started == 2
    finally:
        release.set()
        engine.close()
