"""The ``deepseek`` LLM provider: the openai plugin's ``StructuredChat`` in JSON mode.

DeepSeek speaks the OpenAI chat-completions format with three quirks handled here:
``response_format`` may only be ``{"type": "json_object"}`` (no ``json_schema``), so the schema
travels in the system message (instructor's ``Mode.JSON``); the request is refused unless the word
"json" appears in the prompt, so the system message always carries it; and an answer may come
back empty, so it is asked again a bounded number of times (``transport.EmptyRetryTransport``).
"""

from __future__ import annotations

from typing import Any

from deepalpha.llm import LLMAnswer
from deepalpha_llm_openai.provider import OpenAIProvider

from .options import DeepSeekOptions
from .transport import EmptyRetryTransport

#: Appended to the system message when neither it nor the prompt mentions JSON.
JSON_INSTRUCTION = "Answer with one JSON object only."


def with_json_word(system: str, prompt: str) -> str:
    """``system``, extended so that the request mentions "json" as DeepSeek requires."""
    if "json" in system.lower() or "json" in prompt.lower():
        return system
    return f"{system.rstrip()}\n\n{JSON_INSTRUCTION}" if system.strip() else JSON_INSTRUCTION


class DeepSeekProvider(OpenAIProvider):
    """DeepSeek's chat-completions API (``deepseek-chat``, ``deepseek-reasoner``...)."""

    name = "deepseek"

    def __init__(self, options: DeepSeekOptions | None = None) -> None:
        super().__init__(options if options is not None else DeepSeekOptions())

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        return super().decide(with_json_word(system, prompt), prompt)

    def _chat_options(self) -> dict[str, Any]:
        empty_retries = self.options.empty_retries
        return {
            **super()._chat_options(),
            # Layered above the meter, so every re-sent empty answer counts as an attempt.
            "layer": lambda metered: EmptyRetryTransport(metered, empty_retries),
            "response_format": "json_object",
        }
