"""The provider's own additions to the shared chat path: the demo label, usage and params.

A stand-in model answers here (no model is loaded); ``test_smollm_model.py`` checks the label
on the real model's answer.
"""

from __future__ import annotations

import json
from typing import Any

from deepalpha.llm import DECISION_SCHEMA, Usage
from deepalpha_llm_openai.chat import StructuredChat
from deepalpha_llm_smollm.options import SmolLMOptions
from deepalpha_llm_smollm.provider import (
    DEMO_LABEL,
    IN_PROCESS_URL,
    SmolLMProvider,
    labelled,
)
from deepalpha_llm_smollm.transport import InProcessTransport

LIMIT = DECISION_SCHEMA["properties"]["rationale"]["maxLength"]


def completion(content: str) -> dict[str, Any]:
    """The shape xllamacpp's ``handle_chat_completions`` returns."""
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1,
        "model": "local.gguf",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 61, "completion_tokens": 23, "total_tokens": 84},
    }


class Loaded:
    loaded = True

    def load(self) -> None:
        pass

    def close(self) -> None:
        pass


def with_stand_in(*contents: str) -> SmolLMProvider:
    """A provider whose model answers ``contents`` in turn."""
    answers = [completion(c) for c in contents]
    llm = SmolLMProvider()
    llm._local = Loaded()  # type: ignore[assignment]
    llm._chat = StructuredChat(
        base_url=IN_PROCESS_URL,
        model=llm.model,
        max_retries=1,
        transport=InProcessTransport(lambda _body: answers.pop(0)),
        label="smollm",
    )
    return llm


def test_rationale_is_labelled_as_the_demo_models() -> None:
    text = json.dumps({"action": "buy", "confidence": 0.6, "rationale": " RSI is rising "})
    llm = with_stand_in(text)
    answer = llm.decide("system", "prompt")
    llm.close()
    assert answer.rationale == "[demo model] RSI is rising"
    assert answer.raw == text  # the model's own text, unlabelled
    assert answer.usage == Usage(1, 61, 23)


def test_usage_counts_a_re_ask() -> None:
    good = json.dumps({"action": "hold", "confidence": 0.5, "rationale": "flat"})
    llm = with_stand_in('{"action": "moon"}', good)
    answer = llm.decide("system", "prompt")
    llm.close()
    assert answer.usage == Usage(2, 122, 46)
    assert answer.rationale == "[demo model] flat"


def test_labelled_text_stays_within_the_schema_limit() -> None:
    assert labelled("") == DEMO_LABEL
    full = "x" * LIMIT
    cut = labelled(full)
    assert cut.startswith(DEMO_LABEL) and cut.endswith("...") and len(cut) == LIMIT
    fits = "y" * (LIMIT - len(DEMO_LABEL))
    assert labelled(fits) == DEMO_LABEL + fits


def test_params_are_the_decoding_settings() -> None:
    assert SmolLMProvider().params() == {
        "temperature": 0.0,
        "response_format": "json_schema",
        "grammar": "json_schema",
        "max_tokens": 384,
        "seed": 42,
    }
    other = SmolLMProvider(SmolLMOptions(seed=7, max_tokens=128)).params()
    assert (other["seed"], other["max_tokens"]) == (7, 128)
    same = SmolLMProvider(SmolLMOptions(n_threads=2, n_ctx=4096, max_retries=3)).params()
    assert same == SmolLMProvider().params()
