"""Dynamic agent weights: the documented update rule, its bounds, its direction, per symbol."""

from __future__ import annotations

import math

import pytest
from deepalpha.config.schema import DecisionConfig, WeightsConfig
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import DecisionEngine
from deepalpha.engine.weights import AgentWeights
from hypothesis import given
from hypothesis import strategies as st

BTC, ETH = "BTC/USD", "ETH/USD"
H = 3_600_000


def _sig(agent, direction, symbol=BTC):
    return Signal(agent, symbol, 0, Direction(direction), 1.0, 1.0, "r")


def _bar(i, symbol, close):
    return Bar(symbol, i * H, close, close, close, close, 1.0)


configs = st.builds(
    WeightsConfig,
    enabled=st.just(True),
    horizon=st.integers(1, 5),
    half_life=st.floats(0.5, 200),
    floor=st.floats(0.01, 1.0),
    cap=st.floats(1.0, 5.0),
)


@given(
    config=configs,
    steps=st.lists(
        st.tuples(
            st.floats(1.0, 1000.0),  # close
            st.lists(st.sampled_from([-1, 0, 1]), min_size=3, max_size=3),  # a, b, c
            st.sampled_from([BTC, ETH]),
        ),
        max_size=60,
    ),
)
def test_weights_stay_within_floor_and_cap(config, steps) -> None:
    base = {"a": 1.0, "b": 2.0, "c": 0.5}
    weights = AgentWeights(config, base)
    for i, (close, directions, symbol) in enumerate(steps):
        signals = [_sig(n, d, symbol) for n, d in zip("abc", directions, strict=True)]
        weights.observe(symbol, i, close, signals)
        for sym, agents in weights.report().items():
            for agent, info in agents.items():
                assert 0.0 <= info["accuracy"] <= 1.0
                assert config.floor <= info["multiplier"] <= config.cap
                assert info["weight"] == pytest.approx(base[agent] * info["multiplier"])
                assert weights.effective(sym)[agent] == pytest.approx(info["weight"])


@given(config=configs, history=st.lists(st.booleans(), max_size=30), hit=st.booleans())
def test_a_hit_never_lowers_and_a_miss_never_raises_the_weight(config, history, hit) -> None:
    """Feed ``history`` (True: the agent was right), then one more outcome, and compare."""
    weights = AgentWeights(config, {"a": 1.0})
    close, i = 100.0, 0

    def step(correct: bool) -> None:
        nonlocal close, i
        # The agent says long; the close ``horizon`` bars later is higher when it was right.
        weights.observe(BTC, i, close, [_sig("a", 1)])
        i += 1
        for _ in range(config.horizon):
            close = close * (1.01 if correct else 0.99)
            weights.observe(BTC, i, close, [])
            i += 1
        close = 100.0  # each outcome independent of the last

    for outcome in history:
        step(outcome)
    before = weights.effective(BTC)["a"]
    step(hit)
    after = weights.effective(BTC)["a"]
    assert (after >= before) if hit else (after <= before)


def test_the_rule_matches_its_closed_form() -> None:
    """Always right from the prior 0.5: p_k = 1 - 0.5 (1 - alpha)^k, alpha = 1 - 2^(-1/h)."""
    config = WeightsConfig(horizon=2, half_life=4.0, floor=0.25, cap=1.6)
    weights = AgentWeights(config, {"up": 1.5, "down": 1.0})
    closes = [100.0 + i for i in range(12)]  # rising every bar
    for i, close in enumerate(closes):
        weights.observe(BTC, i * H, close, [_sig("up", 1), _sig("down", -1)])
    scored = len(closes) - config.horizon  # the last `horizon` bars are not judged yet
    keep = 2 ** (-1 / 4.0)
    p_up = 1 - 0.5 * keep**scored
    p_down = 0.5 * keep**scored
    report = weights.report()[BTC]
    assert report["up"]["observations"] == scored == 10
    assert report["up"]["accuracy"] == pytest.approx(p_up)
    assert report["down"]["accuracy"] == pytest.approx(p_down)
    assert report["up"]["multiplier"] == pytest.approx(min(1.6, 2 * p_up))
    assert report["down"]["multiplier"] == pytest.approx(max(0.25, 2 * p_down))
    assert report["up"]["weight"] == pytest.approx(1.5 * min(1.6, 2 * p_up))
    # Half-life: after 4 scored signals, a wrong agent's distance from 0 halved from the prior's.
    fresh = AgentWeights(config, {"down": 1.0})
    for i, close in enumerate(closes[: 4 + config.horizon]):
        fresh.observe(ETH, i * H, close, [_sig("down", -1, ETH)])
    assert fresh.report()[ETH]["down"]["accuracy"] == pytest.approx(0.25)


def test_flat_signals_and_unmoved_prices_are_not_scored() -> None:
    weights = AgentWeights(WeightsConfig(horizon=1), {"a": 1.0})
    weights.observe(BTC, 0, 100.0, [_sig("a", 0)])
    weights.observe(BTC, 1, 101.0, [_sig("a", 1)])
    weights.observe(BTC, 2, 101.0, [_sig("a", 1)])  # scores bar 1's long: no move, not scored
    weights.observe(ETH, 0, 100.0, [_sig("a", 1, ETH)])
    weights.observe(ETH, 1, math.nan, [])
    assert weights.report()[BTC]["a"]["observations"] == 0
    assert weights.report()[ETH]["a"]["observations"] == 0


def test_engine_learns_per_symbol_and_the_accurate_agent_wins_the_vote() -> None:
    """BTC rises and ETH falls; "bull" is always long and "bear" always short. Equal configured
    weights tie the vote at first; then each symbol's accurate agent gains weight there only."""
    cfg = DecisionConfig(threshold=0.1, weights=WeightsConfig(horizon=1, half_life=2.0))
    engine = DecisionEngine(cfg, {"bull": 1.0, "bear": 1.0})
    decisions = {BTC: [], ETH: []}
    for i in range(8):
        for symbol, close in ((BTC, 100.0 + i), (ETH, 100.0 - i)):
            signals = [_sig("bull", 1, symbol), _sig("bear", -1, symbol)]
            d = engine.decide(_bar(i, symbol, close), signals, 0)
            if d is not None:
                decisions[symbol].append((i, d))
    report = engine.agent_weights()
    assert report[BTC]["bull"]["weight"] > 1.0 > report[BTC]["bear"]["weight"]
    assert report[ETH]["bear"]["weight"] > 1.0 > report[ETH]["bull"]["weight"]
    # BTC: the bull's weight carries the vote to a buy; ETH (long-only, flat): a sell is no
    # decision point, so ETH decides nothing.
    (i, btc), *_ = decisions[BTC]
    assert btc.action is Action.BUY and decisions[ETH] == []
    used = {s["agent"]: s["weight"] for s in btc.explanation["signals"]}
    # Weights at bar i: the signals of bars 0 .. i-1 are scored (horizon 1, scored before the
    # vote), all right for bull, all wrong for bear.
    keep = 2 ** (-1 / 2.0)
    p_bull = 1 - 0.5 * keep**i
    assert used["bull"] == pytest.approx(min(2.0, 2 * p_bull))
    assert used["bear"] == pytest.approx(max(0.25, 2 * (1 - p_bull)))
    expected = (used["bull"] - used["bear"]) / (used["bull"] + used["bear"])
    assert btc.explanation["vote"]["score"] == pytest.approx(expected)
    assert expected >= 0.1 and i == 1  # tied at bar 0, carried from bar 1 on


def test_disabled_weights_stay_at_the_configured_ones() -> None:
    cfg = DecisionConfig(weights=WeightsConfig(enabled=False))
    engine = DecisionEngine(cfg, {"bull": 2.0, "bear": 1.0})
    for i in range(10):
        for symbol in (BTC, ETH):
            engine.decide(_bar(i, symbol, 100.0 + i), [_sig("bull", 1, symbol)], 0)
    report = engine.agent_weights()
    assert sorted(report) == [BTC, ETH]
    for agents in report.values():
        assert agents["bull"] == {
            "weight": 2.0,
            "base_weight": 2.0,
            "multiplier": 1.0,
            "accuracy": 0.5,
            "observations": 0,
        }
