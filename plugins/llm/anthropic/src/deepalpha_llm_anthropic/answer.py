"""Validates the forced tool call's ``input`` into an ``LLMAnswer``.

The tool's ``input_schema`` is the core's ``DECISION_SCHEMA``, but a schema sent to a model is a
request, not a guarantee, so the input is checked here: ``action`` one of buy/sell/hold,
``confidence`` a finite number (clamped into [0, 1]: models answer ``1.2`` under ``maximum: 1``),
``rationale`` a string (trimmed and bounded), and no other fields.
"""

from __future__ import annotations

import math

from deepalpha.domain import Action
from deepalpha.llm import DECISION_SCHEMA, LLMAnswer

#: Bounds the rationale we keep; a model that rambles must not bloat every stored decision.
MAX_RATIONALE_CHARS = 2000
ACTIONS = ("buy", "sell", "hold")
FIELDS = frozenset(DECISION_SCHEMA["properties"])


class InvalidAnswer(ValueError):
    """The tool input does not match the decision schema; the message says which field."""


def parse_decision(data: object) -> LLMAnswer:
    if not isinstance(data, dict):
        raise InvalidAnswer(f"tool input must be an object, got {type(data).__name__}")
    missing = sorted(FIELDS - data.keys())
    if missing:
        raise InvalidAnswer(f"tool input lacks {', '.join(missing)}")
    extra = sorted(str(k) for k in data.keys() - FIELDS)
    if extra:
        raise InvalidAnswer(f"tool input has unexpected field(s) {', '.join(extra)}")
    action = data["action"]
    if action not in ACTIONS:
        raise InvalidAnswer(f"action: must be one of buy, sell, hold, got {action!r}")
    confidence = data["confidence"]
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise InvalidAnswer(f"confidence: must be a number, got {confidence!r}")
    if not math.isfinite(confidence):
        raise InvalidAnswer(f"confidence: must be finite, got {confidence!r}")
    rationale = data["rationale"]
    if not isinstance(rationale, str):
        raise InvalidAnswer(f"rationale: must be a string, got {type(rationale).__name__}")
    return LLMAnswer(
        action=Action(action),
        confidence=min(1.0, max(0.0, float(confidence))),
        rationale=rationale.strip()[:MAX_RATIONALE_CHARS],
    )
