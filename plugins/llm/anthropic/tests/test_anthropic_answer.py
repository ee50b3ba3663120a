"""Properties of the tool-input validation, independent of any server."""

from __future__ import annotations

import math

import pytest
from deepalpha.domain import Action
from deepalpha_llm_anthropic.answer import MAX_RATIONALE_CHARS, InvalidAnswer, parse_decision
from hypothesis import given
from hypothesis import strategies as st


@given(
    action=st.sampled_from(["buy", "sell", "hold"]),
    confidence=st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10, 10),
    rationale=st.text(max_size=3000),
)
def test_any_well_formed_input_is_accepted_with_confidence_in_unit_interval(
    action: str, confidence: float, rationale: str
) -> None:
    answer = parse_decision({"action": action, "confidence": confidence, "rationale": rationale})
    assert answer.action is Action(action)
    assert 0.0 <= answer.confidence <= 1.0
    if 0 <= confidence <= 1:
        assert answer.confidence == float(confidence)
    assert answer.rationale == rationale.strip()[:MAX_RATIONALE_CHARS]


@given(action=st.text().filter(lambda a: a not in ("buy", "sell", "hold")))
def test_any_other_action_is_refused(action: str) -> None:
    with pytest.raises(InvalidAnswer, match="action: must be one of"):
        parse_decision({"action": action, "confidence": 0.5, "rationale": ""})


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_confidence_is_refused(value: float) -> None:
    with pytest.raises(InvalidAnswer, match="confidence: must be finite"):
        parse_decision({"action": "buy", "confidence": value, "rationale": ""})


@pytest.mark.parametrize("data", [None, [], "buy", 3])
def test_non_object_input_is_refused(data: object) -> None:
    with pytest.raises(InvalidAnswer, match="tool input must be an object"):
        parse_decision(data)
