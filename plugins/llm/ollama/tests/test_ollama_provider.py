"""The provider against a loopback chat-completions server standing in for Ollama / llama.cpp."""

from __future__ import annotations

import json
import logging
import traceback

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import DECISION_SCHEMA, LLMProvider, Usage
from deepalpha_llm_ollama.options import OllamaOptions
from deepalpha_llm_ollama.provider import OllamaProvider
from deepalpha_llm_openai.testing import SECRET, ChatServer, Reply, completion, decision, error
from openai.types.chat import ChatCompletion
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter

SYSTEM = "You are a cautious trading assistant."
PROMPT = "ETH/USD 1h: EMA trend down, RSI 71. Answer buy, sell or hold."


#: The official SDK's type of a chat-completions request; extra keys would be ignored by it,
#: so the tests also compare the keys they expect.
REQUEST = TypeAdapter(CompletionCreateParamsNonStreaming)


def sdk_valid(body: dict) -> None:
    """Raises unless ``body`` is a request the openai SDK's own types accept."""
    checked = REQUEST.validate_python(body)
    list(checked["messages"])  # iterables are validated lazily


def provider(server: ChatServer, **overrides) -> OllamaProvider:
    opts = {"base_url": server.base_url + "/", "model": "qwen2.5:3b", "max_retries": 0}
    return OllamaProvider(OllamaOptions(**{**opts, **overrides}))


def failure(server: ChatServer, *replies: Reply, **overrides) -> LLMError:
    server.queue(*replies)
    llm = provider(server, **overrides)
    try:
        with pytest.raises(LLMError) as info:
            llm.decide(SYSTEM, PROMPT)
    finally:
        llm.close()
    return info.value


def test_request_uses_json_schema_and_never_tools(chat_server: ChatServer) -> None:
    chat_server.queue(decision("sell", 0.6, "overbought"))
    llm = provider(chat_server, seed=3)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()

    assert isinstance(llm, LLMProvider) and llm.name == "ollama"
    assert (answer.action, answer.confidence, answer.rationale) == (Action.SELL, 0.6, "overbought")
    [request] = chat_server.requests
    sdk_valid(request.body)
    assert request.path == "/v1/chat/completions"  # base_url given with a trailing slash
    assert "authorization" not in request.headers  # keyless: nothing sent
    body = request.body
    assert body["model"] == "qwen2.5:3b"
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "TradingDecision", "schema": DECISION_SCHEMA},
    }
    assert not {"tools", "tool_choice", "functions", "function_call"} & set(body)
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": PROMPT},
    ]
    assert (body["temperature"], body["seed"]) == (0, 3)


def test_a_key_when_given_is_sent_as_bearer(chat_server: ChatServer) -> None:
    chat_server.queue(decision())
    llm = provider(chat_server, api_key=SECRET)
    llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert chat_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_rate_limit_is_retried_after_retry_after(chat_server: ChatServer) -> None:
    busy = error(429, "server busy, please try again", headers={"retry-after": "1"})
    chat_server.queue(busy, decision("buy", 0.9))
    llm = provider(chat_server, max_retries=1)
    assert llm.decide(SYSTEM, PROMPT).action is Action.BUY
    llm.close()
    assert len(chat_server.requests) == 2


def test_invalid_answer_is_asked_again_within_max_retries(chat_server: ChatServer) -> None:
    chat_server.queue(completion("I think you should buy."), decision("hold", 0.4))
    llm = provider(chat_server, max_retries=1)
    assert llm.decide(SYSTEM, PROMPT).action is Action.HOLD
    llm.close()
    first, second = chat_server.requests
    assert len(second.body["messages"]) > len(first.body["messages"])
    assert "tools" not in second.body and "tool_choice" not in second.body


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            error(429, "server busy", headers={"retry-after": "1"}),
            "HTTP 429: server busy",
        ),
        (error(500, "model runner has unexpectedly stopped"), "HTTP 500: model runner has"),
        (error(503, "Loading model"), "HTTP 503: Loading model"),
        (
            error(404, 'model "qwen2.5:3b" not found, try pulling it first', "api_error"),
            'HTTP 404: model "qwen2.5:3b" not found',
        ),
        (
            error(400, "tool_choice param requires --jinja flag", "invalid_request_error"),
            "HTTP 400: tool_choice param requires",
        ),
        (completion('{"action": "buy", "confidence": 0.5'), "the answer is not valid JSON"),
        (completion(""), "the answer was empty"),
        (decision("buy", float("nan")), "confidence"),
        (Reply(200, b'{"id": "x", "choices": [{"ind'), "not valid JSON"),
        (
            completion('{"action": "buy", "confidence": 0.1, "rat', finish_reason="length"),
            "cut off by the token limit",
        ),
    ],
)
def test_error_shapes_raise_llm_error(chat_server: ChatServer, reply: Reply, message: str) -> None:
    err = failure(chat_server, reply)
    text = str(err)
    assert text.startswith("ollama (qwen2.5:3b at http://127.0.0.1:")
    assert message in text
    assert len(text) <= 300


def test_timeout_raises_llm_error(chat_server: ChatServer) -> None:
    err = failure(chat_server, Reply(200, b"{}", stall_s=30), timeout_s=0.2)
    assert "no answer within timeout_s=0.2" in str(err)


def test_key_never_leaks_into_errors_reprs_or_logs(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chat_server.queue(error(401, f"invalid key {SECRET}", "auth_error"))
    llm = provider(chat_server, api_key=SECRET)
    with pytest.raises(LLMError) as info:
        llm.decide(SYSTEM, PROMPT)
    text = str(info.value)
    assert "HTTP 401: invalid key ***" in text
    rendered = "".join(traceback.format_exception(info.value))
    for shown in (text, rendered, repr(llm), repr(llm.options), caplog.text):
        assert SECRET not in shown
    llm.close()


def test_loopback_replies_are_valid_sdk_completions() -> None:
    for reply in (decision(), completion(""), completion("x", finish_reason="length")):
        assert ChatCompletion.model_validate_json(reply.body).object == "chat.completion"


def test_usage_sums_a_re_ask_and_raw_is_the_answer_text(chat_server: ChatServer) -> None:
    chat_server.queue(
        completion("not json", prompt_tokens=90, completion_tokens=3),
        decision("sell", 0.6, "overbought", prompt_tokens=130, completion_tokens=22),
    )
    llm = provider(chat_server, max_retries=1)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert answer.usage == Usage(2, 220, 25)
    assert json.loads(answer.raw)["rationale"] == "overbought"


def test_params_are_temperature_seed_and_json_schema() -> None:
    def params(**options) -> dict:
        return OllamaProvider(OllamaOptions(**options)).params()

    assert params() == {"temperature": 0.0, "response_format": "json_schema"}
    assert params(seed=3, temperature=0.4) == {
        "temperature": 0.4,
        "response_format": "json_schema",
        "seed": 3,
    }
    assert params(temperature=0.4) != params()
    assert params(base_url="http://127.0.0.1:8080/v1", timeout_s=5, max_retries=5) == params()
