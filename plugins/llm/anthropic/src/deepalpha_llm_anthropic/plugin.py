"""Registers the ``anthropic`` LLM provider with DeepAlpha.

Imported whenever the core lists or loads plugins, so it imports nothing heavy: httpx is imported
when a provider is first built.
"""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import LLMProviderSpec

from .options import AnthropicOptions


def build(options: AnthropicOptions):
    from .provider import AnthropicProvider

    return AnthropicProvider(options)


@hookimpl
def register_llm_providers():
    return [
        LLMProviderSpec(
            name="anthropic",
            factory=build,
            options=AnthropicOptions,
            description=(
                "Anthropic Messages API (Claude), structured output by a forced tool call, "
                "bounded retries honouring retry-after"
            ),
        )
    ]
