"""The provider against a loopback chat-completions server speaking DeepSeek's dialect."""

from __future__ import annotations

import json
import logging
import traceback

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import LLMProvider, Usage
from deepalpha_llm_deepseek.options import DeepSeekOptions
from deepalpha_llm_deepseek.provider import DeepSeekProvider
from deepalpha_llm_openai.testing import SECRET, ChatServer, Reply, completion, decision, error
from openai.types.chat import ChatCompletion
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter

SYSTEM = "You are a cautious trading assistant."
PROMPT = "BTC/USD 1h: EMA trend up, RSI 41, MACD crossing up. Answer buy, sell or hold."


#: The official SDK's type of a chat-completions request; extra keys would be ignored by it,
#: so the tests also compare the keys they expect.
REQUEST = TypeAdapter(CompletionCreateParamsNonStreaming)


def sdk_valid(body: dict) -> None:
    """Raises unless ``body`` is a request the openai SDK's own types accept."""
    checked = REQUEST.validate_python(body)
    list(checked["messages"])  # iterables are validated lazily


def provider(server: ChatServer, **overrides) -> DeepSeekProvider:
    opts = {"base_url": server.base_url, "max_retries": 0, **overrides}
    return DeepSeekProvider(DeepSeekOptions(**opts))


def failure(server: ChatServer, *replies: Reply, **overrides) -> LLMError:
    server.queue(*replies)
    llm = provider(server, **overrides)
    try:
        with pytest.raises(LLMError) as info:
            llm.decide(SYSTEM, PROMPT)
    finally:
        llm.close()
    return info.value


def test_request_is_json_mode_and_mentions_json(chat_server: ChatServer) -> None:
    chat_server.queue(decision("sell", 0.35, " momentum fading "))
    llm = provider(chat_server, api_key=SECRET, temperature=0.3)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()

    assert isinstance(llm, LLMProvider) and llm.name == "deepseek"
    assert (answer.action, answer.confidence, answer.rationale) == (
        Action.SELL,
        0.35,
        "momentum fading",
    )
    [request] = chat_server.requests
    sdk_valid(request.body)
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    body = request.body
    assert body["model"] == "deepseek-chat"
    assert body["response_format"] == {"type": "json_object"}  # never json_schema
    assert "tools" not in body and "tool_choice" not in body
    assert body["temperature"] == 0.3
    assert "seed" not in body
    system, user = body["messages"]
    assert (system["role"], user) == ("system", {"role": "user", "content": PROMPT})
    assert system["content"].startswith(SYSTEM)
    # DeepSeek refuses JSON mode unless the prompt says "json"; the schema rides along too.
    assert "json" in system["content"].lower()
    assert '"action"' in system["content"] and '"confidence"' in system["content"]


def test_json_word_is_added_even_when_the_schema_text_would_not_carry_it() -> None:
    from deepalpha_llm_deepseek.provider import JSON_INSTRUCTION, with_json_word

    assert with_json_word("Be brief.", "buy or sell?") == f"Be brief.\n\n{JSON_INSTRUCTION}"
    assert "json" in JSON_INSTRUCTION.lower()
    assert with_json_word("", "x") == JSON_INSTRUCTION
    assert with_json_word("Reply in JSON.", "x") == "Reply in JSON."  # left alone
    assert with_json_word("Be brief.", "give json") == "Be brief."


@pytest.mark.parametrize("empty", ["", "   \n\t "])
def test_empty_answer_is_asked_again_then_succeeds(chat_server: ChatServer, empty: str) -> None:
    chat_server.queue(completion(empty), completion(empty), decision("buy", 0.8))
    llm = provider(chat_server, empty_retries=2)
    assert llm.decide(SYSTEM, PROMPT).action is Action.BUY
    llm.close()
    first, second, third = chat_server.requests
    assert first.body == second.body == third.body  # the same question, not a re-ask


def test_answers_that_stay_empty_raise_after_the_bound(chat_server: ChatServer) -> None:
    err = failure(
        chat_server, completion(""), completion(" "), completion(""), decision(), empty_retries=2
    )
    assert str(err) == f"deepseek (deepseek-chat at {chat_server.base_url}): the answer was empty"
    assert len(chat_server.requests) == 3  # one question and two retries; decision() unused


def test_no_empty_retries_means_one_request(chat_server: ChatServer) -> None:
    err = failure(chat_server, completion(""), decision(), empty_retries=0)
    assert "the answer was empty" in str(err)
    assert len(chat_server.requests) == 1


def test_rate_limit_is_retried_after_retry_after(chat_server: ChatServer) -> None:
    limited = error(429, "Rate limit reached", "rate_limit_error", {"retry-after": "1"})
    chat_server.queue(limited, decision("hold", 0.5))
    llm = provider(chat_server, max_retries=1)
    assert llm.decide(SYSTEM, PROMPT).action is Action.HOLD
    llm.close()
    assert len(chat_server.requests) == 2


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            error(429, "Rate limit reached", "rate_limit_error", {"retry-after": "1"}),
            "HTTP 429: Rate limit reached",
        ),
        (error(503, "Server overloaded"), "HTTP 503: Server overloaded"),
        (error(500, "internal"), "HTTP 500: internal"),
        (Reply(502, b"<html>Bad gateway</html>"), "HTTP 502: <html>Bad gateway</html>"),
        (completion('{"action": "buy", "confidence": 0.5'), "the answer is not valid JSON"),
        (completion("buy, definitely"), "the answer is not valid JSON"),
        (decision("strong_buy"), "does not match the decision schema: action:"),
        (Reply(200, b'{"id": "x", "choices": [{"ind'), "not valid JSON (Unterminated string"),
    ],
)
def test_error_shapes_raise_llm_error(chat_server: ChatServer, reply: Reply, message: str) -> None:
    err = failure(chat_server, reply)
    text = str(err)
    assert text.startswith(f"deepseek (deepseek-chat at {chat_server.base_url}): ")
    assert message in text
    assert len(text) <= 300


def test_timeout_raises_llm_error(chat_server: ChatServer) -> None:
    err = failure(chat_server, Reply(200, b"{}", stall_s=30), timeout_s=0.2)
    assert "no answer within timeout_s=0.2" in str(err)


def test_key_never_leaks_into_errors_reprs_or_logs(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = error(401, f"Authentication Fails, your api key: {SECRET} is invalid", "auth_error")
    llm = provider(chat_server, api_key=SECRET)
    chat_server.queue(echo)
    with pytest.raises(LLMError) as info:
        llm.decide(SYSTEM, PROMPT)
    assert chat_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"

    text = str(info.value)
    assert "HTTP 401: Authentication Fails, your api key: *** is invalid" in text
    rendered = "".join(traceback.format_exception(info.value))
    for shown in (text, rendered, repr(llm), repr(llm.options), caplog.text):
        assert SECRET not in shown
    llm.close()


def test_loopback_replies_are_valid_sdk_completions() -> None:
    for reply in (decision(), completion(""), completion("x", finish_reason="length")):
        assert ChatCompletion.model_validate_json(reply.body).object == "chat.completion"


def test_reask_after_an_invalid_answer_stays_in_json_mode(chat_server: ChatServer) -> None:
    chat_server.queue(decision("maybe"), decision("hold", 0.4))
    llm = provider(chat_server, max_retries=1)
    assert llm.decide(SYSTEM, PROMPT).action is Action.HOLD
    llm.close()
    first, second = chat_server.requests
    assert len(second.body["messages"]) > len(first.body["messages"])  # the re-ask explains
    for request in (first, second):
        sdk_valid(request.body)
        assert request.body["response_format"] == {"type": "json_object"}
        assert "json" in request.body["messages"][0]["content"].lower()


def sent_usage(server: ChatServer) -> Usage:
    """Every reply the server sent as one attempt, with the tokens its body reported."""
    total = Usage(attempts=0)
    for reply in server.sent:
        usage = json.loads(reply.body).get("usage") or {}
        total += Usage(1, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    return total


def test_usage_counts_every_re_sent_empty_answer(chat_server: ChatServer) -> None:
    chat_server.queue(
        completion("", prompt_tokens=300, completion_tokens=1),
        completion(" ", prompt_tokens=300, completion_tokens=2),
        decision("buy", 0.8, prompt_tokens=300, completion_tokens=25),
    )
    llm = provider(chat_server, empty_retries=2)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert answer.usage == sent_usage(chat_server) == Usage(3, 900, 28)
    assert json.loads(answer.raw) == {"action": "buy", "confidence": 0.8, "rationale": "ema up"}


def test_usage_sums_a_429_retry_and_a_re_ask(chat_server: ChatServer) -> None:
    chat_server.queue(
        error(429, "Rate limit reached", "rate_limit_error", {"retry-after-ms": "10"}),
        decision("maybe", prompt_tokens=210, completion_tokens=14),
        decision("hold", 0.5, prompt_tokens=260, completion_tokens=16),
    )
    llm = provider(chat_server, max_retries=1)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert answer.usage == sent_usage(chat_server) == Usage(3, 470, 30)


def test_an_answer_that_stays_empty_still_reports_its_cost(chat_server: ChatServer) -> None:
    err = failure(
        chat_server,
        completion("", completion_tokens=1),
        completion("", completion_tokens=1),
        empty_retries=1,
    )
    assert "the answer was empty" in str(err)
    assert err.usage == sent_usage(chat_server) == Usage(2, 20, 2)


def test_rate_limit_hint_is_on_the_error(chat_server: ChatServer) -> None:
    err = failure(chat_server, error(429, "Rate limit", "rate_limit_error", {"retry-after": "4"}))
    assert err.retry_after == 4.0 and err.usage == Usage(1, 0, 0)


def test_params_are_temperature_and_json_mode() -> None:
    def params(**options) -> dict:
        return DeepSeekProvider(DeepSeekOptions(base_url="http://127.0.0.1:9", **options)).params()

    assert params() == {"temperature": 0.0, "response_format": "json_object"}
    assert params(temperature=0.7) == {"temperature": 0.7, "response_format": "json_object"}
    assert params(empty_retries=5, max_retries=3, timeout_s=5, api_key="sk-x") == params()
