"""Registers the embedded ``smollm`` provider; imports neither the model runtime nor httpx."""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import LLMProviderSpec

from .options import SmolLMOptions


def build(options: SmolLMOptions):
    from .provider import SmolLMProvider

    return SmolLMProvider(options)


@hookimpl
def register_llm_providers():
    return [
        LLMProviderSpec(
            name="smollm",
            factory=build,
            options=SmolLMOptions,
            offline=True,
            description=(
                "Embedded SmolLM2-135M-Instruct run in-process by llama.cpp: no key, no network, "
                "deterministic. A demo model with no trading judgement, for offline runs and tests"
            ),
        )
    ]
