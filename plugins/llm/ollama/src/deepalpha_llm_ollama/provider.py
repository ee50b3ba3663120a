"""The ``ollama`` LLM provider: the openai plugin's ``StructuredChat`` on the JSON-schema path.

Local OpenAI-compatible servers differ most in tool calling: llama.cpp's server rejects the
object form of ``tool_choice`` (``{"type": "function", ...}``) that instructor's ``TOOLS`` mode
sends, and small models often ignore tools. The schema is therefore always sent as
``response_format: {"type": "json_schema", ...}``, which Ollama (0.5 and later) and llama.cpp turn
into a grammar that constrains decoding; no ``tools`` or ``tool_choice`` is ever sent.
"""

from __future__ import annotations

import threading

from deepalpha.llm import LLMAnswer, LLMProvider
from deepalpha_llm_openai.chat import StructuredChat

from .options import OllamaOptions


class OllamaProvider(LLMProvider):
    """Ollama, llama.cpp, vLLM or any other OpenAI-compatible server reached by ``base_url``."""

    name = "ollama"

    def __init__(self, options: OllamaOptions | None = None) -> None:
        self.options = options if options is not None else OllamaOptions()
        self.model = self.options.model
        self._chat: StructuredChat | None = None
        self._setup = threading.Lock()  # agents may ask from several threads at once

    def __repr__(self) -> str:
        return f"OllamaProvider({self.options!r})"

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
                    response_format="json_schema",
                )
            return self._chat

    def close(self) -> None:
        with self._setup:
            if self._chat is not None:
                self._chat.close()
                self._chat = None
