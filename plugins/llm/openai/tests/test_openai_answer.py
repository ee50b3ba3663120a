"""The pydantic answer model: schema, validation and clamping."""

from __future__ import annotations

import json
import math

import pydantic
import pytest
from deepalpha.domain import Action
from deepalpha.llm import DECISION_SCHEMA
from deepalpha_llm_openai.answer import MAX_RATIONALE_CHARS, TradingDecision
from hypothesis import given
from hypothesis import strategies as st


def parse(payload: dict) -> TradingDecision:
    return TradingDecision.model_validate_json(json.dumps(payload))


def test_schema_is_the_core_decision_schema() -> None:
    assert TradingDecision.model_json_schema() == DECISION_SCHEMA
    schema = TradingDecision.model_json_schema()
    schema["required"].append("mutated")
    assert "mutated" not in DECISION_SCHEMA["required"]  # a copy, never the core's dict


@given(
    action=st.sampled_from(["buy", "sell", "hold"]),
    confidence=st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6),
    rationale=st.text(max_size=50),
)
def test_any_finite_confidence_is_clamped_into_unit_interval(action, confidence, rationale) -> None:
    decision = parse({"action": action, "confidence": confidence, "rationale": rationale})
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.confidence == min(1.0, max(0.0, float(confidence)))
    answer = decision.to_answer()
    assert answer.action is Action(action)
    assert answer.confidence == decision.confidence
    assert answer.rationale == rationale.strip()


def test_tiny_model_overshoot_is_clamped() -> None:
    assert parse({"action": "buy", "confidence": 1.2, "rationale": "x"}).confidence == 1.0


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"action": "strong_buy", "confidence": 0.5, "rationale": "x"}, "action"),
        ({"action": "BUY", "confidence": 0.5, "rationale": "x"}, "action"),
        ({"confidence": 0.5, "rationale": "x"}, "action"),
        ({"action": "buy", "rationale": "x"}, "confidence"),
        ({"action": "buy", "confidence": 0.5}, "rationale"),
        ({"action": "buy", "confidence": "0.5", "rationale": "x"}, "confidence"),
        ({"action": "buy", "confidence": True, "rationale": "x"}, "confidence"),
        ({"action": "buy", "confidence": None, "rationale": "x"}, "confidence"),
        ({"action": "buy", "confidence": 0.5, "rationale": "x", "size": 3}, "size"),
    ],
)
def test_schema_violations_are_rejected(payload: dict, where: str) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        parse(payload)
    assert where in {str(err["loc"][0]) for err in info.value.errors()}


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_confidence_is_rejected(value: float) -> None:
    with pytest.raises(pydantic.ValidationError, match="confidence must be finite"):
        TradingDecision(action="hold", confidence=value, rationale="x")


def test_long_rationale_is_cut() -> None:
    decision = parse({"action": "hold", "confidence": 0.1, "rationale": "y" * 10_000})
    assert len(decision.rationale) == MAX_RATIONALE_CHARS
