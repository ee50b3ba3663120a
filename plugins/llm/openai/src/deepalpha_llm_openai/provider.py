"""The ``openai`` LLM provider: the core's ``LLMProvider`` over ``StructuredChat``."""

from __future__ import annotations

import threading
from typing import Any

from deepalpha.llm import LLMAnswer, LLMProvider

from .chat import StructuredChat, generation_params
from .options import OpenAIOptions


class OpenAIProvider(LLMProvider):
    """Any OpenAI-compatible chat-completions server: OpenAI, DeepSeek, vLLM, llama.cpp...

    Providers for servers with quirks (``deepseek``, ``ollama``) subclass it and change only how
    the chat is built (:meth:`_chat_options`) and, where needed, the question asked.
    """

    name = "openai"

    def __init__(self, options: OpenAIOptions | None = None) -> None:
        self.options = options if options is not None else OpenAIOptions()
        self.model = self.options.model
        self._chat: StructuredChat | None = None
        self._setup = threading.Lock()  # agents may ask from several threads at once

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r})"

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        return self._ensure().decide(system, prompt)

    def params(self) -> dict[str, Any]:
        """Temperature, seed (when set), response format and extra request fields; never the
        endpoint, key, timeouts or retry counts. Computed without building the client."""
        chat = self._chat_options()
        return generation_params(
            temperature=chat.get("temperature", 0.0),
            seed=chat.get("seed"),
            response_format=chat.get("response_format", "json_schema"),
            extra_body=chat.get("extra_body"),
        )

    def _chat_options(self) -> dict[str, Any]:
        """The keyword arguments of this provider's ``StructuredChat`` (built on first use).

        ``response_format`` comes from the options; ``json_schema`` chosen there is strict
        (OpenAI's structured outputs). Subclasses whose options have no ``response_format``
        (``deepseek``, ``ollama``) set the format here themselves and are not strict: Ollama and
        llama.cpp ignore ``strict`` but use the schema's bounds in their grammar.
        """
        opts = self.options
        response_format = getattr(opts, "response_format", None)
        return {
            "base_url": opts.base_url,
            "model": opts.model,
            "api_key": opts.api_key,
            "timeout_s": opts.timeout_s,
            "max_retries": opts.max_retries,
            "temperature": opts.temperature,
            "seed": getattr(opts, "seed", None),
            "label": self.name,
            "response_format": response_format or "json_schema",
            "strict": response_format == "json_schema",
        }

    def _ensure(self) -> StructuredChat:
        with self._setup:
            if self._chat is None:
                self._chat = StructuredChat(**self._chat_options())
            return self._chat

    def close(self) -> None:
        with self._setup:
            if self._chat is not None:
                self._chat.close()
                self._chat = None
