"""Registers the ``ollama`` LLM provider with DeepAlpha.

Imported whenever the core lists or loads plugins, so it imports nothing heavy: httpx, the openai
client and instructor are imported when a provider is first built.
"""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import LLMProviderSpec

from .options import OllamaOptions


def build(options: OllamaOptions):
    from .provider import OllamaProvider

    return OllamaProvider(options)


@hookimpl
def register_llm_providers():
    return [
        LLMProviderSpec(
            name="ollama",
            factory=build,
            options=OllamaOptions,
            description=(
                "Ollama or any OpenAI-compatible local server by base_url (llama.cpp, vLLM), "
                "structured output by response_format json_schema, never tools"
            ),
        )
    ]
