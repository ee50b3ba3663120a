"""The pydantic model a model's answer must validate against.

instructor sends ``TradingDecision.model_json_schema()`` as the ``response_format`` and parses the
reply with ``model_validate_json``; the schema is the core's ``DECISION_SCHEMA`` verbatim, so every
provider (and the local model's grammar) asks for exactly the same shape.

Numeric bounds are not enforced by every server (the local model once answered
``confidence: 1.2`` under a schema that said ``maximum: 1``), so confidence is validated here: a
finite number is clamped into [0, 1]; anything else (a string, a boolean, NaN, infinity) is an
invalid answer.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Literal

from deepalpha.domain import Action
from deepalpha.llm import DECISION_SCHEMA, LLMAnswer, Usage
from pydantic import BaseModel, ConfigDict, field_validator

#: Bounds the rationale we keep; a model that rambles must not bloat every stored decision.
MAX_RATIONALE_CHARS = 2000


class TradingDecision(BaseModel):
    """A buy/sell/hold decision with a confidence in [0, 1] and a short rationale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["buy", "sell", "hold"]
    confidence: float
    rationale: str

    @field_validator("confidence", mode="before")
    @classmethod
    def _finite_number(cls, value: Any) -> float:
        # Checked before pydantic's float coercion, which would accept "0.5" and True.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"confidence must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"confidence must be finite, got {value!r}")
        return min(1.0, max(0.0, float(value)))

    @field_validator("rationale")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()[:MAX_RATIONALE_CHARS]

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The core's ``DECISION_SCHEMA`` rather than pydantic's rendering of this class."""
        return copy.deepcopy(DECISION_SCHEMA)

    def to_answer(self, *, usage: Usage | None = None, raw: str | None = None) -> LLMAnswer:
        return LLMAnswer(
            action=Action(self.action),
            confidence=self.confidence,
            rationale=self.rationale,
            usage=usage,
            raw=raw,
        )
