"""The ``ollama`` LLM provider: the openai plugin's ``StructuredChat`` on the JSON-schema path.

Local OpenAI-compatible servers differ most in tool calling: llama.cpp's server rejects the
object form of ``tool_choice`` (``{"type": "function", ...}``) that instructor's ``TOOLS`` mode
sends, and small models often ignore tools. The schema is therefore always sent as
``response_format: {"type": "json_schema", ...}``, which Ollama (0.5 and later) and llama.cpp turn
into a grammar that constrains decoding; no ``tools`` or ``tool_choice`` is ever sent.
"""

from __future__ import annotations

from typing import Any

from deepalpha_llm_openai.provider import OpenAIProvider

from .options import OllamaOptions


class OllamaProvider(OpenAIProvider):
    """Ollama, llama.cpp, vLLM or any other OpenAI-compatible server reached by ``base_url``."""

    name = "ollama"

    def __init__(self, options: OllamaOptions | None = None) -> None:
        super().__init__(options if options is not None else OllamaOptions())

    def _chat_options(self) -> dict[str, Any]:
        return {**super()._chat_options(), "response_format": "json_schema"}
