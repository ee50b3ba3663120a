"""Structured output modes, refusals and the token limit, against the loopback server.

Every captured request is checked against the official SDK's request type, and every reply the
server sends against its ``ChatCompletion`` model, so the loopback server speaks the real wire
format in both directions.
"""

from __future__ import annotations

import json

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import DECISION_SCHEMA, Usage
from deepalpha_llm_openai.chat import StructuredChat, strict_response_format, strict_schema
from deepalpha_llm_openai.options import OpenAIOptions
from deepalpha_llm_openai.provider import OpenAIProvider
from deepalpha_llm_openai.testing import (
    ChatServer,
    Reply,
    completion,
    decision,
    refusal,
)
from openai.types.chat import ChatCompletion
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter

SYSTEM = "You are a cautious trading assistant."
PROMPT = "BTC/USD 1h: EMA trend up, RSI 41, MACD crossing up. Answer buy, sell or hold."

#: The official SDK's type of a chat-completions request; it ignores keys it does not know, so
#: the tests compare the fields they expect as well.
REQUEST = TypeAdapter(CompletionCreateParamsNonStreaming)

#: What the strict form sends: the core's schema, bounds left out, every object closed.
STRICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "TradingDecision",
        "schema": {
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["buy", "sell", "hold"]},
                "confidence": {"type": "number"},
                "rationale": {"type": "string"},
            },
            "required": ["action", "confidence", "rationale"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def sdk_valid(body: dict) -> dict:
    """Raises unless ``body`` is a request the openai SDK's own types accept."""
    checked = REQUEST.validate_python(body)
    list(checked["messages"])  # iterables are validated lazily
    return checked


def sdk_replies(server: ChatServer) -> list[ChatCompletion]:
    """Every successful reply the server sent, parsed by the SDK's response model."""
    return [ChatCompletion.model_validate_json(r.body) for r in server.sent if r.status == 200]


def provider(server: ChatServer, **overrides) -> OpenAIProvider:
    opts = {"base_url": server.base_url, "model": "test-model", "max_retries": 0, **overrides}
    return OpenAIProvider(OpenAIOptions(**opts))


def ask(server: ChatServer, *replies: Reply, **overrides):
    server.queue(*replies)
    llm = provider(server, **overrides)
    try:
        return llm.decide(SYSTEM, PROMPT)
    finally:
        llm.close()


def fail(server: ChatServer, *replies: Reply, **overrides) -> LLMError:
    with pytest.raises(LLMError) as info:
        ask(server, *replies, **overrides)
    return info.value


def sent_usage(server: ChatServer) -> Usage:
    total = Usage(attempts=0)
    for reply in server.sent:
        usage = json.loads(reply.body).get("usage") or {}
        total += Usage(1, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    return total


# --- json_schema: strict structured output -------------------------------------------------


def test_json_schema_mode_sends_the_strict_response_format(chat_server: ChatServer) -> None:
    answer = ask(chat_server, decision("buy", 0.8, "breakout"))
    assert (answer.action, answer.confidence, answer.rationale) == (Action.BUY, 0.8, "breakout")
    [request] = chat_server.requests
    checked = sdk_valid(request.body)
    assert request.body["response_format"] == STRICT_FORMAT
    assert checked["response_format"]["json_schema"]["strict"] is True
    assert request.body["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": PROMPT},
    ]
    assert not {"tools", "tool_choice"} & set(request.body)


def test_the_strict_schema_is_strict_compatible() -> None:
    schema = STRICT_FORMAT["json_schema"]["schema"]
    assert strict_schema(DECISION_SCHEMA) == schema
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(schema["properties"])
    bounds = {"minimum", "maximum", "maxLength", "minLength", "pattern", "format"}
    assert not bounds & {key for prop in schema["properties"].values() for key in prop}
    assert strict_response_format("TradingDecision", DECISION_SCHEMA) == STRICT_FORMAT
    assert DECISION_SCHEMA["properties"]["rationale"]["maxLength"] == 240  # not mutated


def test_strict_schema_closes_nested_objects_and_refuses_optional_properties() -> None:
    nested = {
        "type": "object",
        "properties": {
            "legs": {
                "type": "array",
                "maxItems": 3,
                "items": {
                    "type": "object",
                    "properties": {"qty": {"type": "integer", "minimum": 1}},
                    "required": ["qty"],
                },
            }
        },
        "required": ["legs"],
    }
    assert strict_schema(nested) == {
        "type": "object",
        "properties": {
            "legs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"qty": {"type": "integer"}},
                    "required": ["qty"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["legs"],
        "additionalProperties": False,
    }
    optional = {"type": "object", "properties": {"a": {"type": "string"}}, "required": []}
    with pytest.raises(ValueError, match=r"every property must be required, not \['a'\]"):
        strict_schema(optional)


def test_bounds_left_out_of_the_schema_are_still_enforced(chat_server: ChatServer) -> None:
    assert ask(chat_server, decision("sell", 1.7)).confidence == 1.0  # clamped by pydantic
    err = fail(chat_server, decision("sell", "very"))
    assert "confidence: Value error, confidence must be a number" in str(err)


def test_a_re_ask_keeps_the_strict_response_format(chat_server: ChatServer) -> None:
    answer = ask(chat_server, decision("maybe"), decision("hold", 0.4), max_retries=1)
    assert answer.action is Action.HOLD
    first, second = chat_server.requests
    for request in (first, second):
        sdk_valid(request.body)
        assert request.body["response_format"] == STRICT_FORMAT
    assert len(second.body["messages"]) > len(first.body["messages"])


def test_a_plain_structured_chat_is_not_strict(chat_server: ChatServer) -> None:
    # What ``ollama`` and the in-process ``smollm`` use: the full schema, bounds included,
    # which local servers turn into a grammar.
    chat_server.queue(decision())
    chat = StructuredChat(base_url=chat_server.base_url, model="m", max_retries=0)
    chat.decide(SYSTEM, PROMPT)
    chat.close()
    body = chat_server.requests[0].body
    sdk_valid(body)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "TradingDecision", "schema": DECISION_SCHEMA},
    }


# --- json_object: JSON mode -----------------------------------------------------------------


def test_json_object_mode_end_to_end(chat_server: ChatServer) -> None:
    answer = ask(chat_server, decision("sell", 0.55, "lower highs"), response_format="json_object")
    assert (answer.action, answer.confidence, answer.rationale) == (
        Action.SELL,
        0.55,
        "lower highs",
    )
    assert json.loads(answer.raw) == {
        "action": "sell",
        "confidence": 0.55,
        "rationale": "lower highs",
    }
    [request] = chat_server.requests
    sdk_valid(request.body)
    assert request.body["response_format"] == {"type": "json_object"}
    system, user = request.body["messages"]
    assert system["role"] == "system" and system["content"].startswith(SYSTEM)
    # The schema travels in the system message, bounds and all, and so does the word JSON
    # that OpenAI's JSON mode requires somewhere in the conversation.
    assert json.dumps(DECISION_SCHEMA, indent=2) in system["content"]
    assert "json" in system["content"].lower()
    assert user == {"role": "user", "content": PROMPT}


def test_json_object_mode_re_asks_an_invalid_answer(chat_server: ChatServer) -> None:
    answer = ask(
        chat_server,
        completion("buy it"),
        decision("buy", 0.6),
        response_format="json_object",
        max_retries=1,
    )
    assert answer.action is Action.BUY
    formats = [r.body["response_format"] for r in chat_server.requests]
    assert formats == [{"type": "json_object"}] * 2


def test_response_format_option_and_params() -> None:
    base = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}
    assert OpenAIOptions(**base).response_format == "json_schema"
    json_mode = OpenAIProvider(OpenAIOptions(**base, response_format="json_object"))
    assert json_mode.params() == {"temperature": 0.0, "response_format": "json_object"}
    assert json_mode.params() != OpenAIProvider(OpenAIOptions(**base)).params()
    with pytest.raises(ValueError, match=r"^response_format: must be one of json_schema, json_"):
        OpenAIOptions(**base, response_format="tools")
    # The options' list (import-light) and the chat's modes name the same formats.
    from deepalpha_llm_openai import chat, options

    assert set(options.RESPONSE_FORMATS) == set(chat.RESPONSE_FORMATS)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("response_format", ["json_schema", "json_object"])
def test_a_refusal_fails_at_once_without_a_re_ask(
    chat_server: ChatServer, response_format: str
) -> None:
    err = fail(
        chat_server,
        refusal("I can't help with trading decisions.", prompt_tokens=40, completion_tokens=9),
        decision("buy"),
        decision("buy"),
        max_retries=2,
        response_format=response_format,
    )
    assert len(chat_server.requests) == 1  # a refusal is not re-asked (that would be paid for)
    assert str(err) == (
        f"openai (test-model at {chat_server.base_url}): "
        "the model refused: I can't help with trading decisions."
    )
    assert err.usage == Usage(1, 40, 9) == sent_usage(chat_server)
    [reply] = sdk_replies(chat_server)
    assert reply.choices[0].message.content is None
    assert reply.choices[0].message.refusal == "I can't help with trading decisions."


def test_a_long_refusal_is_shortened_to_one_line(chat_server: ChatServer) -> None:
    words = "I must decline.\n" + "This request is outside what I can help with. " * 20
    text = str(fail(chat_server, refusal(words)))
    reason = text.split("): ", 1)[1]
    assert reason.startswith("the model refused: I must decline. This request")
    assert reason.endswith("...") and "\n" not in reason
    assert len(reason) <= len("the model refused: ") + 160
    assert len(text) <= 300


def test_an_empty_refusal_field_is_not_a_refusal(chat_server: ChatServer) -> None:
    body = json.dumps({"action": "hold", "confidence": 0.5, "rationale": "flat"})
    answer = ask(chat_server, completion(body, refusal=""))
    assert answer.action is Action.HOLD


# --- finish_reason: length --------------------------------------------------------------------


def test_length_cut_off_fails_with_its_usage_and_is_not_re_asked(chat_server: ChatServer) -> None:
    cut = completion(
        '{"action": "buy", "confidence": 0.7, "rationale": "the trend',
        finish_reason="length",
        prompt_tokens=50,
        completion_tokens=64,
    )
    err = fail(chat_server, cut, decision("buy"), max_retries=1)
    assert str(err) == (
        f"openai (test-model at {chat_server.base_url}): "
        "the answer was cut off by the token limit before the JSON ended"
    )
    assert len(chat_server.requests) == 1
    assert err.usage == Usage(1, 50, 64) == sent_usage(chat_server)
    [reply] = sdk_replies(chat_server)
    assert reply.choices[0].finish_reason == "length"


def test_length_cut_off_in_json_object_mode(chat_server: ChatServer) -> None:
    cut = completion('{"action": "sell", "confid', finish_reason="length")
    err = fail(chat_server, cut, response_format="json_object")
    assert "cut off by the token limit" in str(err)
    assert err.usage == Usage(1, 10, 5)
