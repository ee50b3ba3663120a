"""The LLM provider extension point.

The core writes the prompt (from the agents' signals), records every call and decides when to ask;
a provider only carries one prompt to a model and returns a validated ``LLMAnswer``. Anything that
goes wrong (transport, timeout, invalid JSON, out-of-range values) is raised as ``LLMError`` and the
engine holds: an LLM failure never produces an order.
"""

from __future__ import annotations

import abc

from attrs import field, frozen

from .domain import Action

#: The JSON schema every provider asks its model to follow (used for grammars and for
#: ``response_format``); ``confidence`` bounds are enforced by validation, not trusted to the model.
DECISION_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["buy", "sell", "hold"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        # Bounded so a grammar-constrained local model cannot ramble past its token budget.
        "rationale": {"type": "string", "maxLength": 240},
    },
    "required": ["action", "confidence", "rationale"],
    "additionalProperties": False,
}


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


@frozen
class LLMAnswer:
    action: Action
    confidence: float = field(converter=_clamp)
    rationale: str = ""


class LLMProvider(abc.ABC):
    name: str = "llm"
    #: Model identifier; part of the record key, so changing models never replays old answers.
    model: str = ""

    @abc.abstractmethod
    def decide(self, system: str, prompt: str) -> LLMAnswer:
        """Ask the model for a trading decision; raise ``LLMError`` on any failure."""

    def close(self) -> None:
        """Release clients, servers or model memory."""
