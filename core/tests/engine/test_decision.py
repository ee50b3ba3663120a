"""The decision engine: weighted vote, decision points, risk priority (veto), shorts, LLM voter and
arbiter, record/replay, failure -> hold, memory and explanations. Every engine test runs two
symbols and checks that one never affects the other."""

from __future__ import annotations

import re

import pytest
from deepalpha.config.schema import (
    MIN_WEIGHT,
    CacheConfig,
    DecisionConfig,
    LLMUseConfig,
    MemoryConfig,
    WeightsConfig,
)
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import AnswerRecord, DecisionEngine
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer, LLMProvider
from hypothesis import given, settings
from hypothesis import strategies as st

BTC, ETH = "BTC/USD", "ETH/USD"
H = 3_600_000


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


def _bar(ts=H, symbol=BTC, close=100.0):
    return Bar(symbol, ts, close, close, close, close, 1.0)


def _sig(agent, direction, strength=1.0, confidence=1.0, *, symbol=BTC, veto=False):
    return Signal(agent, symbol, 0, Direction(direction), strength, confidence, "r", veto=veto)


def _config(threshold=0.1, min_confidence=0.0, **llm):
    return DecisionConfig(
        threshold=threshold,
        min_confidence=min_confidence,
        weights=WeightsConfig(enabled=False),
        llm=LLMUseConfig(**llm),
    )


def _engine(providers=None, weights=None, allow_short=False, **llm):
    cfg = _config(providers=tuple(providers or ()), **llm)
    return DecisionEngine(
        cfg, weights or {"a": 1.0, "b": 1.0}, providers or {}, allow_short=allow_short
    )


BUY = [_sig("a", 1), _sig("b", 1)]
SELL = [_sig("a", -1), _sig("b", -1)]
HOLD = [_sig("a", 0), _sig("b", 0)]


def _on(symbol, signals):
    return [
        Signal(
            s.agent, symbol, s.ts, s.direction, s.strength, s.confidence, s.rationale, veto=s.veto
        )
        for s in signals
    ]


# -- the vote ---------------------------------------------------------------------------------


def test_weighted_vote_matches_hand_computed_numbers_per_symbol() -> None:
    engine = _engine(weights={"a": 3.0, "b": 1.0})
    btc = engine.decide(_bar(H, BTC), [_sig("a", 1, 0.5, 1.0), _sig("b", -1, 1.0, 1.0)], 0)
    eth = engine.decide(
        _bar(H, ETH),
        [_sig("a", -1, 0.5, 0.8, symbol=ETH), _sig("b", 1, 1.0, 0.6, symbol=ETH)],
        1,
    )
    # BTC: (3 * 0.5 - 1 * 1.0) / 4 = 0.125 -> buy;  ETH: (3 * -0.4 + 1 * 0.6) / 4 = -0.15 -> sell
    assert btc.action is Action.BUY and btc.confidence == pytest.approx(0.125)
    assert eth.action is Action.SELL and eth.confidence == pytest.approx(0.15)
    assert btc.explanation["vote"]["score"] == pytest.approx(0.125)
    votes = {s["agent"]: s["vote"] for s in btc.explanation["signals"]}
    assert votes == pytest.approx({"a": 0.375, "b": -0.25})  # share x score: 3/4 x 0.5, 1/4 x -1
    shares = {s["agent"]: s["share"] for s in eth.explanation["signals"]}
    assert shares == pytest.approx({"a": 0.75, "b": 0.25})
    assert btc.rationale == (
        "buy 0.12: weighted vote +0.125 >= +0.100; agents conflict (long: a; short: b)"
    )
    assert eth.rationale == (
        "sell 0.15: weighted vote -0.150 <= -0.100; agents conflict (long: b; short: a)"
    )


def test_configured_vote_without_symbol() -> None:
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


# -- decision points --------------------------------------------------------------------------


def test_decision_points_only_when_the_vote_changes_the_position() -> None:
    engine = _engine()
    for symbol in (BTC, ETH):  # interleaved below: one symbol's vote never masks the other's
        assert engine.decide(_bar(1, symbol), _on(symbol, BUY), 0).action is Action.BUY
    assert engine.decide(_bar(2, BTC), BUY, 0) is None  # same vote: no new decision
    assert engine.decide(_bar(2, ETH), _on(ETH, SELL), 0) is None  # sell while flat, long-only
    assert engine.decide(_bar(3, BTC), SELL, 0) is None
    assert engine.decide(_bar(4, BTC), BUY, 1) is None  # already long
    assert engine.decide(_bar(5, BTC), SELL, 1).action is Action.SELL
    assert engine.decide(_bar(5, ETH), _on(ETH, BUY), 0).action is Action.BUY


def test_abstaining_agents_do_not_count() -> None:
    engine = _engine()
    assert engine.decide(_bar(1, BTC), [], 0) is None
    assert engine.decide(_bar(1, ETH), [], 0) is None


def test_allow_short_sell_while_flat_opens_and_buy_while_short_covers() -> None:
    long_only, short = _engine(), _engine(allow_short=True)
    for symbol in (BTC, ETH):
        assert long_only.decide(_bar(1, symbol), _on(symbol, SELL), 0) is None
        assert short.decide(_bar(1, symbol), _on(symbol, SELL), 0).action is Action.SELL
        # Adding to a short is not a decision point, covering is.
        assert short.decide(_bar(2, symbol), _on(symbol, BUY), -1).action is Action.BUY
        assert short.decide(_bar(3, symbol), _on(symbol, SELL), -1) is None
    assert short.decide(_bar(4, BTC), BUY, 0).explanation["allow_short"] is True


# -- risk priority ----------------------------------------------------------------------------


def test_veto_beats_buy_on_its_symbol_only() -> None:
    engine = _engine(weights={"a": 1.0, "b": 1.0, "risk": 1.0})
    # Two strong buys outvote a mild risk-off (vote +0.6), but the veto holds BTC.
    btc = engine.decide(_bar(1, BTC), [*BUY, _sig("risk", -1, 0.2, 1.0, veto=True)], 0)
    eth = engine.decide(_bar(1, ETH), _on(ETH, BUY), 0)
    assert btc.explanation["vote"]["action"] == "buy"
    assert btc.action is Action.HOLD
    assert btc.explanation["veto"] == {"agents": ["risk"], "blocked": "buy"}
    assert btc.rationale.startswith("hold 1.00: buy blocked by a risk-off veto from risk")
    assert eth.action is Action.BUY
    assert engine.stats["vetoes"] == 1
    # While the veto stands nothing new is decided; once it lifts, the standing buy is decided.
    assert engine.decide(_bar(2, BTC), [*BUY, _sig("risk", -1, 0.2, 1.0, veto=True)], 0) is None
    assert engine.decide(_bar(3, BTC), [*BUY, _sig("risk", 0, 0.0, 1.0)], 0).action is Action.BUY


def test_exits_pass_a_veto() -> None:
    engine = _engine(weights={"a": 1.0, "b": 1.0, "risk": 1.0}, allow_short=True)
    veto_btc = _sig("risk", -1, 1.0, 1.0, veto=True)
    veto_eth = _sig("risk", -1, 1.0, 1.0, veto=True, symbol=ETH)
    assert engine.decide(_bar(1, BTC), [*SELL, veto_btc], 1).action is Action.SELL  # closes long
    assert engine.decide(_bar(1, ETH), [*_on(ETH, BUY), veto_eth], -1).action is Action.BUY
    # ... but with shorts allowed, a sell while flat would open a short: blocked.
    assert engine.decide(_bar(2, BTC), HOLD, 0) is None
    d = engine.decide(_bar(3, BTC), [*SELL, _sig("risk", -1, 1.0, 0.9, veto=True)], 0)
    assert (d.action, d.explanation["veto"]["blocked"]) == (Action.HOLD, "sell")


def test_veto_also_blocks_what_an_llm_turns_into_an_entry() -> None:
    # Agents vote to exit the long; the arbiter says buy (add): the veto holds it.
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 0.9, "dip"), LLMAnswer(Action.SELL, 0.9, "out")])
    engine = _engine({"x": llm}, weights={"a": 1.0, "b": 1.0, "risk": 1.0}, role="arbiter")
    veto = _sig("risk", -1, 1.0, 1.0, veto=True)
    d = engine.decide(_bar(1, BTC), [*SELL, veto], 1)
    assert d.action is Action.HOLD and d.explanation["veto"]["blocked"] == "buy"
    assert d.explanation["llm"]["answers"][0]["action"] == "buy"
    e = engine.decide(_bar(1, ETH), [*_on(ETH, SELL), _sig("risk", -1, veto=True, symbol=ETH)], 1)
    assert e.action is Action.SELL


def test_a_vetoed_entry_asks_no_model() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "yes")])
    engine = _engine({"x": llm}, weights={"a": 1.0, "b": 1.0, "risk": 1.0})
    d = engine.decide(_bar(1, BTC), [*BUY, _sig("risk", -1, 0.1, 1.0, veto=True)], 0)
    assert d.action is Action.HOLD and llm.prompts == []
    assert d.explanation["llm"]["skipped"] == "buy vetoed"
    assert engine.decide(_bar(1, ETH), _on(ETH, BUY), 0).action is Action.BUY
    assert len(llm.prompts) == 1


@given(
    raw=st.lists(
        st.tuples(st.sampled_from([-1, 0, 1]), st.floats(0, 1), st.floats(0, 1), st.booleans()),
        min_size=1,
        max_size=5,
    ),
    position=st.sampled_from([-1, 0, 1]),
    allow_short=st.booleans(),
    answer=st.sampled_from(list(Action)),
    role=st.sampled_from(["voter", "arbiter"]),
)
def test_while_vetoed_nothing_opens_or_adds(raw, position, allow_short, answer, role) -> None:
    signals = [_sig(f"a{i}", d, s, c, veto=v) for i, (d, s, c, v) in enumerate(raw)]
    llm = ScriptedLLM([LLMAnswer(answer, 1.0, "")] * 2)
    engine = _engine({"x": llm}, weights={}, allow_short=allow_short, role=role)
    for symbol in (BTC, ETH):
        d = engine.decide(_bar(1, symbol), _on(symbol, signals), position)
        if d is None or not any(v for *_, v in raw):
            continue
        if position >= 0:
            assert d.action is not Action.BUY
        if position < 0 or (position == 0 and allow_short):
            assert d.action is not Action.SELL


# -- min confidence ---------------------------------------------------------------------------


def test_min_confidence_holds_weak_decisions() -> None:
    engine = DecisionEngine(_config(min_confidence=0.7), {"a": 1.0, "b": 1.0})
    weak = engine.decide(_bar(1, BTC), [_sig("a", 1, 1.0, 0.9), _sig("b", 0, 0.0, 1.0)], 0)
    strong = engine.decide(_bar(1, ETH), _on(ETH, BUY), 0)
    assert weak.action is Action.HOLD and weak.confidence == pytest.approx(0.45)
    assert weak.rationale.startswith("hold 0.45: buy not taken, confidence 0.45 is below")
    assert weak.explanation["min_confidence"] == {"value": 0.7, "passed": False}
    assert strong.action is Action.BUY


def test_seed_flat_keys_map_onto_structured_ones() -> None:
    cfg = DecisionConfig(min_confidence=0.7, cache_duration=300, memory_size=100)
    assert (cfg.cache.ttl, cfg.memory.size) == (300.0, 100)
    assert (cfg.cache_duration, cfg.memory_size) == (None, None)
    with pytest.raises(ValueError, match=r"cache_duration: 60 and cache\.ttl: 120\.0 are both"):
        DecisionConfig(cache_duration=60, cache=CacheConfig(ttl=120.0))


def test_the_seeds_decision_section_loads(tmp_path) -> None:
    from deepalpha.config import load_config
    from deepalpha.errors import ConfigError

    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "decision:\n  min_confidence: 0.7\n  cache_duration: 300  # 5 minutes\n"
        "  memory_size: 100\n",
        encoding="utf-8",
    )
    decision = load_config(seed).decision
    assert (decision.min_confidence, decision.cache.ttl, decision.memory.size) == (0.7, 300, 100)
    both = tmp_path / "both.yaml"
    both.write_text("decision:\n  memory_size: 10\n  memory: {size: 20}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"decision\.memory_size: 10 and memory\.size: 20"):
        load_config(both)


# -- the LLM ----------------------------------------------------------------------------------


def test_llm_voter_and_record_replay() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.SELL, 1.0, "no"), LLMAnswer(Action.BUY, 1.0, "yes")])
    record = AnswerRecord(None)
    cfg = _config(providers=("x",), weight=2.0)
    engine = DecisionEngine(cfg, {"a": 1.0}, {"x": llm}, record)
    d = engine.decide(_bar(H, BTC), [_sig("a", 1, 1.0, 0.6)], 0)
    # (1 * 0.6 + 2 * -1.0) / 3 = -0.467: the LLM outvotes the agent; a sell while flat still
    # resolves to SELL (the engine, being long-only, then opens nothing).
    assert d.action is Action.SELL and d.confidence == pytest.approx(1.4 / 3)
    assert d.source == "llm:x"
    assert d.rationale.startswith("sell 0.47: combined -0.467 <= -0.100: agents +0.600")
    assert "are outvoted by LLM x sell 1.00" in d.rationale
    e = engine.decide(_bar(H, ETH), [_sig("a", 1, 1.0, 0.6, symbol=ETH)], 0)
    assert e.action is Action.BUY  # (0.6 + 2) / 3
    assert engine.stats["llm_calls"] == 2
    # The same question again (a fresh engine, same record) is replayed, not asked.
    engine2 = DecisionEngine(cfg, {"a": 1.0}, {"x": llm}, record)
    d2 = engine2.decide(_bar(H, BTC), [_sig("a", 1, 1.0, 0.6)], 0)
    assert (d2.action, d2.confidence, d2.rationale, d2.source) == (
        d.action,
        d.confidence,
        d.rationale,
        d.source,
    )
    # The explanation differs only in saying the answer was replayed.
    assert d.explanation["llm"]["answers"][0]["replayed"] is False
    assert d2.explanation["llm"]["answers"][0]["replayed"] is True
    stats = engine2.stats
    assert stats["llm_cost_usd"] == 0.0 and stats["llm_attempts"] == 0  # replayed: free
    assert {k: stats[k] for k in list(stats)[:6]} == {
        "decisions": 1,
        "llm_calls": 0,
        "llm_replayed": 1,
        "llm_failures": 0,
        "cache_hits": 0,
        "vetoes": 0,
    }


def test_llm_arbiter_is_final() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.HOLD, 0.9, "wait"), LLMAnswer(Action.BUY, 0.8, "go")])
    engine = _engine({"x": llm}, role="arbiter")
    d = engine.decide(_bar(1, BTC), BUY, 0)
    assert d.action is Action.HOLD
    assert d.rationale.startswith("hold 0.00: LLM arbiter x hold 0.90")
    e = engine.decide(_bar(1, ETH), _on(ETH, BUY), 0)
    assert e.action is Action.BUY and e.confidence == pytest.approx(0.8)


def test_llm_failure_holds() -> None:
    llm = ScriptedLLM([LLMError("timeout"), LLMAnswer(Action.BUY, 1.0, "fine")])
    engine = _engine({"x": llm})
    d = engine.decide(_bar(1, BTC), BUY, 0)
    assert d.action is Action.HOLD
    assert "timeout" in d.rationale and d.rationale.startswith("hold 0.00: LLM x failed")
    assert engine.stats["llm_failures"] == 1
    assert engine.decide(_bar(1, ETH), _on(ETH, BUY), 0).action is Action.BUY


def test_invalid_llm_answer_type_holds() -> None:
    llm = ScriptedLLM([{"action": "buy"}, {"action": "buy"}])
    engine = _engine({"x": llm})
    for symbol in (BTC, ETH):
        assert engine.decide(_bar(1, symbol), _on(symbol, BUY), 0).action is Action.HOLD


def test_replay_only_without_record_holds() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "yes")])
    engine = _engine({"x": llm}, replay_only=True)
    for symbol in (BTC, ETH):
        assert engine.decide(_bar(1, symbol), _on(symbol, BUY), 0).action is Action.HOLD
    assert llm.prompts == []


def test_prompt_is_deterministic_and_lists_signals_and_memory_of_its_symbol() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "ok")] * 2 + [LLMAnswer(Action.SELL, 1.0, "ok")])
    engine = _engine({"x": llm})
    engine.decide(_bar(H, BTC), [_sig("a", 1)], 0)
    engine.decide(_bar(H, ETH), [_sig("a", 1, symbol=ETH)], 0)
    engine.decide(_bar(2 * H, BTC), [_sig("a", -1)], 1)
    first, eth, second = llm.prompts
    assert "- a: long strength 1.00 confidence 1.00: r" in first
    assert "Options: buy, sell, hold." in first
    assert "Recent decisions:" not in eth  # BTC's decision is not ETH's memory
    assert "Recent decisions:\n- 1970-01-01 01:00: buy (1.00)\nOptions" in second


def test_memory_keeps_memory_size_per_symbol_and_shows_llm_memory() -> None:
    cfg = DecisionConfig(
        weights=WeightsConfig(enabled=False),
        memory=MemoryConfig(size=3),
        llm=LLMUseConfig(providers=("x",), memory=2),
    )
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "")] * 20)
    engine = DecisionEngine(cfg, {"a": 1.0}, {"x": llm})
    for i in range(5):  # alternate buy / sell decision points on BTC
        engine.decide(_bar(i * H, BTC), [_sig("a", 1 if i % 2 == 0 else -1)], i % 2)
    engine.decide(_bar(0, ETH), [_sig("a", 1, symbol=ETH)], 0)
    assert [m.ts for m in engine.memory(BTC)] == [2 * H, 3 * H, 4 * H]
    assert [m.ts for m in engine.memory(ETH)] == [0]
    assert llm.prompts[4].count("\n- 1970") == 2  # the newest two of BTC's memory


def test_replay_reads_the_record_in_one_query(tmp_path, monkeypatch) -> None:
    from deepalpha.storage import Store

    with Store.open(f"sqlite:///{tmp_path}/r.db") as store:
        llm = ScriptedLLM([LLMAnswer(Action.BUY, 0.9, "a"), LLMAnswer(Action.SELL, 0.8, "b")])
        cfg = _config(providers=("x",))
        first = DecisionEngine(cfg, {"a": 1.0}, {"x": llm}, AnswerRecord(store))
        first.decide(_bar(H, BTC), [_sig("a", 1)], 0)
        first.decide(_bar(H, ETH), [_sig("a", -1, symbol=ETH)], 1)
        first.close()  # the end of a run: every queued record is written

        def no_single_lookups(key):
            raise AssertionError("replay looked an answer up one by one")

        monkeypatch.setattr(store, "llm_get", no_single_lookups)
        again = DecisionEngine(cfg, {"a": 1.0}, {"x": ScriptedLLM([])}, AnswerRecord(store))
        d1 = again.decide(_bar(H, BTC), [_sig("a", 1)], 0)
        d2 = again.decide(_bar(H, ETH), [_sig("a", -1, symbol=ETH)], 1)
        assert (d1.action, d2.action) == (Action.BUY, Action.SELL)
        assert again.stats["llm_replayed"] == 2 and again.stats["llm_calls"] == 0


# -- explanations agree with decisions --------------------------------------------------------

_COMBINED = re.compile(r"combined ([+-]\d+\.\d+)")
_HEAD = re.compile(r"\b(buy|sell|hold) \d\.\d\d: ")

signal_lists = st.lists(
    st.tuples(
        st.sampled_from([-1, 0, 1]),
        st.floats(0, 1),
        st.floats(0, 1),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)
answers = st.one_of(
    st.builds(LLMAnswer, st.sampled_from(list(Action)), st.floats(0, 1), st.just("")),
    st.just(LLMError("down")),
)


@settings(max_examples=300)
@given(
    raw=signal_lists,
    # The configuration refuses weights in (0, MIN_WEIGHT): a subnormal weight underflows.
    weights=st.lists(st.one_of(st.just(0.0), st.floats(MIN_WEIGHT, 3)), min_size=5, max_size=5),
    position=st.sampled_from([-1, 0, 1]),
    allow_short=st.booleans(),
    llm_answers=st.lists(answers, min_size=0, max_size=2),
    role=st.sampled_from(["voter", "arbiter"]),
    llm_weight=st.floats(0, 2),
    threshold=st.floats(0.01, 0.9),
    min_confidence=st.floats(0, 1),
)
def test_explanation_and_rationale_never_contradict_the_decision(
    raw, weights, position, allow_short, llm_answers, role, llm_weight, threshold, min_confidence
) -> None:
    signals = [_sig(f"a{i}", d, s, c, veto=v) for i, (d, s, c, v) in enumerate(raw)]
    providers = {f"p{i}": ScriptedLLM([a, a]) for i, a in enumerate(llm_answers)}
    cfg = DecisionConfig(
        threshold=threshold,
        min_confidence=min_confidence,
        llm=LLMUseConfig(providers=tuple(providers), role=role, weight=llm_weight),
    )
    engine = DecisionEngine(
        cfg, {f"a{i}": w for i, w in enumerate(weights)}, providers, allow_short=allow_short
    )
    for symbol in (BTC, ETH):
        d = engine.decide(_bar(H, symbol), _on(symbol, signals), position)
        if d is None:
            continue
        expl = d.explanation
        assert expl["action"] == d.action.value and expl["confidence"] == d.confidence
        assert d.rationale.startswith(f"{d.action.value} {d.confidence:.2f}: ")
        assert len(_HEAD.findall(d.rationale)) == 1  # one decision stated, the real one
        assert sum(s["vote"] for s in expl["signals"]) == pytest.approx(
            expl["vote"]["score"], abs=1e-9
        )
        combined = expl["combined"]["score"]
        if d.action is Action.BUY:
            assert combined > 0
        elif d.action is Action.SELL:
            assert combined < 0
        stated = [float(x) for x in _COMBINED.findall(d.rationale)]
        for value in stated:
            assert value == pytest.approx(round(combined, 3), abs=1e-3)
            if d.action is not Action.HOLD:
                assert (value > 0) == (d.action is Action.BUY) or value == 0.0
        if expl["outcome"] in ("vote", "llm_voter", "llm_arbiter"):
            assert expl["combined"]["action"] == d.action.value
        # The LLM's own answers are reported as what it said, not as the decision.
        llm = expl.get("llm") or {}
        for a in [] if llm.get("failed") else llm.get("answers") or []:
            assert f"{a['provider']} {a['action']} {a['confidence']:.2f}" in d.rationale
