"""The ``openai`` LLM provider: the core's ``LLMProvider`` over ``StructuredChat``."""

from __future__ import annotations

import threading

from deepalpha.llm import LLMAnswer, LLMProvider

from .chat import StructuredChat
from .options import OpenAIOptions


class OpenAIProvider(LLMProvider):
    """Any OpenAI-compatible chat-completions server: OpenAI, DeepSeek, vLLM, llama.cpp..."""

    name = "openai"

    def __init__(self, options: OpenAIOptions | None = None) -> None:
        self.options = options if options is not None else OpenAIOptions()
        self.model = self.options.model
        self._chat: StructuredChat | None = None
        self._setup = threading.Lock()  # agents may ask from several threads at once

    def __repr__(self) -> str:
        return f"OpenAIProvider({self.options!r})"

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        return self._ensure().decide(system, prompt)

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
                    seed=opts.seed,
                    label=self.name,
                )
            return self._chat

    def close(self) -> None:
        with self._setup:
            if self._chat is not None:
                self._chat.close()
                self._chat = None
