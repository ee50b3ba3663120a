"""The in-process transport, with a stand-in for the model (no model is loaded here)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import xllamacpp
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import DECISION_SCHEMA
from deepalpha_llm_openai.chat import StructuredChat
from deepalpha_llm_smollm.provider import IN_PROCESS_URL
from deepalpha_llm_smollm.transport import InProcessTransport, prepare


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
        "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
    }


class FakeModel:
    def __init__(self, *results: Any) -> None:
        self.results = list(results)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def chat(model: FakeModel, **kwargs: Any) -> StructuredChat:
    options = {"max_retries": 0, "label": "smollm", **kwargs}
    return StructuredChat(
        base_url=IN_PROCESS_URL, model="local", transport=InProcessTransport(model), **options
    )


def test_schema_becomes_a_grammar_built_from_the_decision_schema() -> None:
    answer = json.dumps({"action": "sell", "confidence": 1.2, "rationale": "down"})
    model = FakeModel(completion(answer))
    client = chat(model, seed=42, extra_body={"max_tokens": 64})
    result = client.decide("system", "prompt")
    client.close()

    assert (result.action, result.confidence, result.rationale) == (Action.SELL, 1.0, "down")
    [body] = model.bodies
    assert "response_format" not in body
    assert body["grammar"] == xllamacpp.json_schema_to_grammar(json.dumps(DECISION_SCHEMA))
    assert body["cache_prompt"] is False
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0, 42, 64)
    assert body["messages"] == [
        {"role": "system", "content": "system"},
        {"role": "user", "content": "prompt"},
    ]


def test_an_explicit_grammar_and_other_formats_are_left_alone() -> None:
    kept = prepare({"grammar": 'root ::= "x"', "response_format": {"type": "json_schema"}})
    assert kept["grammar"] == 'root ::= "x"'
    plain = prepare({"response_format": {"type": "json_object"}, "stream": True})
    assert plain["response_format"] == {"type": "json_object"}
    assert "stream" not in plain and plain["cache_prompt"] is False


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (
            {"error": {"code": 400, "message": "failed to parse grammar"}},
            "HTTP 400: failed to parse",
        ),
        ({"error": {"code": "weird", "message": "boom"}}, "HTTP 500: boom"),
        (ValueError("Expected 'messages' to be an array"), "HTTP 400: Expected 'messages'"),
        (completion("I think you should buy"), "the answer is not valid JSON"),
        (completion('{"action": "buy"}'), "confidence: Field required"),
    ],
)
def test_model_failures_become_llm_errors(result: Any, message: str) -> None:
    client = chat(FakeModel(result))
    with pytest.raises(
        LLMError, match="^" + re.escape("smollm (local at http://smollm.in-process/v1): ")
    ) as info:
        client.decide("s", "p")
    client.close()
    assert message in str(info.value)


def test_only_chat_completions_is_served() -> None:
    transport = InProcessTransport(FakeModel())
    response = transport.handle_request(httpx.Request("GET", IN_PROCESS_URL + "/models"))
    assert response.status_code == 404
    bad = transport.handle_request(
        httpx.Request("POST", IN_PROCESS_URL + "/chat/completions", content=b"[1, 2]")
    )
    assert bad.status_code == 400
