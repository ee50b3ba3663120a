"""The LLM provider extension point.

The core writes the prompt (from the agents' signals), records every call and decides when to ask;
a provider only carries one prompt to a model and returns a validated ``LLMAnswer``. Anything that
goes wrong (transport, timeout, invalid JSON, out-of-range values) is raised as ``LLMError`` and the
engine holds: an LLM failure never produces an order.

A provider also says what each call cost: the answer (or the ``LLMError``) carries a ``Usage``
counting every HTTP attempt and every token, retries and re-asks included, because each of them
is paid for. The engine prices it (``llm_models.py``), charges it to the run's and the day's
budget and records it with the answer.
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
class Usage:
    """What one ``decide`` spent: HTTP attempts (retries and re-asks included) and tokens.

    A provider that cannot count tokens (a server that does not report them) leaves them at 0;
    the engine then charges nothing for that call and says so in the run's accounting.
    """

    attempts: int = 1
    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.attempts + other.attempts,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
        )


@frozen
class LLMAnswer:
    action: Action
    confidence: float = field(converter=_clamp)
    rationale: str = ""
    #: What the call cost; ``None`` when the provider does not say (counted as one attempt).
    usage: Usage | None = field(default=None, eq=False)
    #: The model's raw output (the JSON text or tool input it sent), stored with the record.
    raw: str | None = field(default=None, eq=False, repr=False)


class LLMProvider(abc.ABC):
    name: str = "llm"
    #: Model identifier; part of the record key, so changing models never replays old answers.
    model: str = ""

    @abc.abstractmethod
    def decide(self, system: str, prompt: str) -> LLMAnswer:
        """Ask the model for a trading decision; raise ``LLMError`` on any failure.

        Attach a ``Usage`` to the answer (and to the ``LLMError``) when the server reports tokens.
        """

    def params(self) -> dict[str, object]:
        """The generation parameters that change the answer (temperature, seed, max_tokens,
        output format...). They are part of the record key: a recorded answer is replayed only
        for the same provider, model, prompt *and* parameters."""
        return {}

    def close(self) -> None:
        """Release clients, servers or model memory."""
