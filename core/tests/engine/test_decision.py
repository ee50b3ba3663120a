"""Weighted voting, decision points, LLM consultation, record/replay, failure -> hold."""

from __future__ import annotations

from deepalpha.config.schema import DecisionConfig, LLMUseConfig
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import AnswerRecord, DecisionEngine
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer, LLMProvider
from hypothesis import given
from hypothesis import strategies as st


class ScriptedLLM(LLMProvider):
    name = "scripted"
    model = "m1"

    def __init__(self, answers):
        self.answers = list(answers)
        self.prompts = []

    def decide(self, system, prompt):
        self.prompts.append(prompt)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _bar(ts=3_600_000, close=100.0):
    return Bar("BTC/USD", ts, close, close, close, close, 1.0)


def _sig(agent, direction, strength=1.0, confidence=1.0, ts=3_600_000):
    return Signal(agent, "BTC/USD", ts, Direction(direction), strength, confidence, "r")


def _engine(providers=None, weights=None, **llm):
    cfg = DecisionConfig(threshold=0.1, llm=LLMUseConfig(providers=tuple(providers or ()), **llm))
    return DecisionEngine(cfg, weights or {"a": 1.0, "b": 1.0}, providers or {})


def test_weighted_vote() -> None:
    engine = _engine(weights={"a": 3.0, "b": 1.0})
    action, score = engine.vote([_sig("a", 1, 0.5, 1.0), _sig("b", -1, 1.0, 1.0)])
    assert action is Action.BUY
    assert score == (3 * 0.5 - 1.0) / 4


@given(
    st.lists(
        st.tuples(st.sampled_from([-1, 0, 1]), st.floats(0, 1), st.floats(0, 1)),
        min_size=1,
        max_size=6,
    )
)
def test_vote_score_is_bounded_and_follows_its_sign(raw) -> None:
    signals = [_sig(f"a{i}", d, s, c) for i, (d, s, c) in enumerate(raw)]
    action, score = _engine(weights={}).vote(signals)
    assert -1.0 <= score <= 1.0
    assert (action is Action.BUY) == (score >= 0.1)
    assert (action is Action.SELL) == (score <= -0.1)


def test_decision_points_only_when_the_vote_changes_the_position() -> None:
    engine = _engine()
    buy = [_sig("a", 1), _sig("b", 1)]
    assert engine.decide(_bar(1), buy, position=0).action is Action.BUY
    assert engine.decide(_bar(2), buy, position=0) is None  # same vote: no new decision
    assert engine.decide(_bar(3), [_sig("a", -1), _sig("b", -1)], position=0) is None  # flat
    d = engine.decide(_bar(4), buy, position=1)
    assert d is None  # already long
    assert engine.decide(_bar(5), [_sig("a", -1), _sig("b", -1)], position=1).action is Action.SELL


def test_abstaining_agents_do_not_count() -> None:
    engine = _engine()
    assert engine.decide(_bar(), [], position=0) is None


def test_llm_voter_and_record_replay(tmp_path) -> None:
    llm = ScriptedLLM([LLMAnswer(Action.SELL, 1.0, "no")])
    record = AnswerRecord(None)
    cfg = DecisionConfig(threshold=0.1, llm=LLMUseConfig(providers=("x",), weight=2.0))
    engine = DecisionEngine(cfg, {"a": 1.0}, {"x": llm}, record)
    d = engine.decide(_bar(), [_sig("a", 1, 1.0, 0.6)], position=0)
    # (1 * 0.6 + 2 * -1.0) / 3 = -0.467: the LLM outvotes the agent; a sell while flat still
    # resolves to SELL (the engine, being long-only, then opens nothing).
    assert d.action is Action.SELL
    assert d.source == "llm:x"
    assert engine.stats["llm_calls"] == 1
    # The same question again (a fresh engine, same record) is replayed, not asked.
    engine2 = DecisionEngine(cfg, {"a": 1.0}, {"x": llm}, record)
    d2 = engine2.decide(_bar(), [_sig("a", 1, 1.0, 0.6)], position=0)
    assert d2 == d
    assert engine2.stats == {"decisions": 1, "llm_calls": 0, "llm_replayed": 1, "llm_failures": 0}


def test_llm_arbiter_is_final() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.HOLD, 0.9, "wait")])
    engine = _engine({"x": llm}, role="arbiter")
    d = engine.decide(_bar(), [_sig("a", 1), _sig("b", 1)], position=0)
    assert d.action is Action.HOLD


def test_llm_failure_holds() -> None:
    llm = ScriptedLLM([LLMError("timeout")])
    engine = _engine({"x": llm})
    d = engine.decide(_bar(), [_sig("a", 1), _sig("b", 1)], position=0)
    assert d.action is Action.HOLD
    assert "timeout" in d.rationale
    assert engine.stats["llm_failures"] == 1


def test_invalid_llm_answer_type_holds() -> None:
    llm = ScriptedLLM([{"action": "buy"}])
    engine = _engine({"x": llm})
    assert engine.decide(_bar(), [_sig("a", 1)], position=0).action is Action.HOLD


def test_replay_only_without_record_holds() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "yes")])
    engine = _engine({"x": llm}, replay_only=True)
    assert engine.decide(_bar(), [_sig("a", 1)], position=0).action is Action.HOLD
    assert llm.prompts == []


def test_prompt_is_deterministic_and_lists_signals_and_memory() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "ok"), LLMAnswer(Action.SELL, 1.0, "ok")])
    engine = _engine({"x": llm})
    engine.decide(_bar(3_600_000), [_sig("a", 1)], position=0)
    engine.decide(_bar(7_200_000), [_sig("a", -1)], position=1)
    first, second = llm.prompts
    assert "- a: long strength 1.00 confidence 1.00: r" in first
    assert "Options: buy, sell, hold." in first
    assert "Recent decisions:" in second and "1970-01-01 01:00: buy" in second


def test_replay_reads_the_record_in_one_query(tmp_path, monkeypatch) -> None:
    from deepalpha.storage import Store

    with Store.open(f"sqlite:///{tmp_path}/r.db") as store:
        llm = ScriptedLLM([LLMAnswer(Action.BUY, 0.9, "a"), LLMAnswer(Action.SELL, 0.8, "b")])
        cfg = DecisionConfig(threshold=0.1, llm=LLMUseConfig(providers=("x",)))
        first = DecisionEngine(cfg, {"a": 1.0}, {"x": llm}, AnswerRecord(store))
        first.decide(_bar(3_600_000), [_sig("a", 1)], position=0)
        first.decide(_bar(7_200_000), [_sig("a", -1)], position=1)

        def no_single_lookups(key):
            raise AssertionError("replay looked an answer up one by one")

        monkeypatch.setattr(store, "llm_get", no_single_lookups)
        again = DecisionEngine(cfg, {"a": 1.0}, {"x": ScriptedLLM([])}, AnswerRecord(store))
        d1 = again.decide(_bar(3_600_000), [_sig("a", 1)], position=0)
        d2 = again.decide(_bar(7_200_000), [_sig("a", -1)], position=1)
        assert (d1.action, d2.action) == (Action.BUY, Action.SELL)
        assert again.stats["llm_replayed"] == 2 and again.stats["llm_calls"] == 0
