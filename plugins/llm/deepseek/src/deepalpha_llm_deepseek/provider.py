"""The ``deepseek`` LLM provider: the openai plugin's ``StructuredChat`` in JSON mode.

DeepSeek speaks the OpenAI chat-completions format with three quirks handled here:
``response_format`` may only be ``{"type": "json_object"}`` (no ``json_schema``), so the schema
travels in the system message (instructor's ``Mode.JSON``); the request is refused unless the word
"json" appears in the prompt, so the system message always carries it; and an answer may come
back empty, so it is asked again a bounded number of times (``transport.EmptyRetryTransport``).
"""

from __future__ import annotations

import threading

import httpx
from deepalpha.llm import LLMAnswer, LLMProvider
from deepalpha_llm_openai.chat import StructuredChat

from .options import DeepSeekOptions
from .transport import EmptyRetryTransport

#: Appended to the system message when neither it nor the prompt mentions JSON.
JSON_INSTRUCTION = "Answer with one JSON object only."


def with_json_word(system: str, prompt: str) -> str:
    """``system``, extended so that the request mentions "json" as DeepSeek requires."""
    if "json" in system.lower() or "json" in prompt.lower():
        return system
    return f"{system.rstrip()}\n\n{JSON_INSTRUCTION}" if system.strip() else JSON_INSTRUCTION


class DeepSeekProvider(LLMProvider):
    """DeepSeek's chat-completions API (``deepseek-chat``, ``deepseek-reasoner``...)."""

    name = "deepseek"

    def __init__(self, options: DeepSeekOptions | None = None) -> None:
        self.options = options if options is not None else DeepSeekOptions()
        self.model = self.options.model
        self._chat: StructuredChat | None = None
        self._setup = threading.Lock()  # agents may ask from several threads at once

    def __repr__(self) -> str:
        return f"DeepSeekProvider({self.options!r})"

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        return self._ensure().decide(with_json_word(system, prompt), prompt)

    def _ensure(self) -> StructuredChat:
        with self._setup:
            if self._chat is None:
                opts = self.options
                self._chat = StructuredChat(
                    base_url=opts.base_url,
                    model=opts.model,
                    api_key=opts.api_key,
                    timeout_s=opts.timeout_s,
                    max_retries=opts.max_retries,
                    temperature=opts.temperature,
                    transport=EmptyRetryTransport(httpx.HTTPTransport(), opts.empty_retries),
                    label=self.name,
                    response_format="json_object",
                )
            return self._chat

    def close(self) -> None:
        with self._setup:
            if self._chat is not None:
                self._chat.close()
                self._chat = None
