"""Registers the ``openai`` LLM provider with DeepAlpha.

Imported whenever the core lists or loads plugins, so it imports nothing heavy: the openai
client and instructor are imported when a provider is first built.
"""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import LLMProviderSpec

from .options import OpenAIOptions


def build(options: OpenAIOptions):
    from .provider import OpenAIProvider

    return OpenAIProvider(options)


@hookimpl
def register_llm_providers():
    return [
        LLMProviderSpec(
            name="openai",
            factory=build,
            options=OpenAIOptions,
            description=(
                "OpenAI-compatible chat completions (OpenAI, DeepSeek, local servers by "
                "base_url), answers validated with instructor and pydantic"
            ),
        )
    ]
