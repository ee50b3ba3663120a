"""Registers the ``deepseek`` LLM provider with DeepAlpha.

Imported whenever the core lists or loads plugins, so it imports nothing heavy: httpx, the openai
client and instructor are imported when a provider is first built.
"""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import LLMProviderSpec

from .options import DeepSeekOptions


def build(options: DeepSeekOptions):
    from .provider import DeepSeekProvider

    return DeepSeekProvider(options)


@hookimpl
def register_llm_providers():
    return [
        LLMProviderSpec(
            name="deepseek",
            factory=build,
            options=DeepSeekOptions,
            description=(
                "DeepSeek chat completions in JSON mode (json_object, 'json' in the prompt, "
                "empty answers retried), validated with instructor and pydantic"
            ),
        )
    ]
