"""The provider against a loopback chat-completions server (``deepalpha_llm_openai.testing``)."""

from __future__ import annotations

import logging
import traceback

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import LLMProvider
from deepalpha_llm_openai.options import OpenAIOptions
from deepalpha_llm_openai.provider import OpenAIProvider
from deepalpha_llm_openai.testing import SECRET, ChatServer, Reply, completion, decision, error

#: The core's ``DECISION_SCHEMA`` as the strict form sends it, written out here.
STRICT_SCHEMA = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["buy", "sell", "hold"]},
        "confidence": {"type": "number"},
        "rationale": {"type": "string"},
    },
    "required": ["action", "confidence", "rationale"],
    "additionalProperties": False,
}

SYSTEM = "You are a cautious trading assistant."
PROMPT = "BTC/USD 1h: EMA trend up, RSI 41, MACD crossing up. Answer buy, sell or hold."


def provider(server: ChatServer, **overrides) -> OpenAIProvider:
    opts = {"base_url": server.base_url, "model": "test-model", "max_retries": 0, **overrides}
    return OpenAIProvider(OpenAIOptions(**opts))


def failure(server: ChatServer, *replies: Reply, **overrides) -> LLMError:
    server.queue(*replies)
    llm = provider(server, **overrides)
    try:
        with pytest.raises(LLMError) as info:
            llm.decide(SYSTEM, PROMPT)
    finally:
        llm.close()
    return info.value


def test_request_follows_the_chat_completions_wire_format(chat_server: ChatServer) -> None:
    chat_server.queue(decision("sell", 0.35, " momentum fading "))
    llm = provider(chat_server, api_key=SECRET, temperature=0.2, seed=7)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()

    assert isinstance(llm, LLMProvider)
    assert (answer.action, answer.confidence, answer.rationale) == (
        Action.SELL,
        0.35,
        "momentum fading",
    )
    [request] = chat_server.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"  # relative to base_url .../v1
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["content-type"] == "application/json"
    body = request.body
    assert body["model"] == "test-model"
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": PROMPT},
    ]
    # Strict structured output: the core's schema without its bounds (pydantic checks those).
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "TradingDecision", "schema": STRICT_SCHEMA, "strict": True},
    }
    assert body["temperature"] == 0.2
    assert body["seed"] == 7


def test_defaults_send_temperature_zero_and_no_seed_and_no_key(chat_server: ChatServer) -> None:
    chat_server.queue(decision("hold", 0.5))
    llm = provider(chat_server)
    assert llm.decide(SYSTEM, PROMPT).action is Action.HOLD
    llm.close()
    [request] = chat_server.requests
    assert request.body["temperature"] == 0
    assert "seed" not in request.body
    assert "authorization" not in request.headers  # keyless loopback: nothing to leak


def test_model_is_the_configured_model(chat_server: ChatServer) -> None:
    assert provider(chat_server, model="deepseek-chat").model == "deepseek-chat"


def test_base_url_with_a_prefix_is_respected(chat_server: ChatServer) -> None:
    chat_server.queue(decision())
    llm = provider(chat_server, base_url=chat_server.base_url.replace("/v1", "/proxy/openai/v1"))
    llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert chat_server.requests[0].path == "/proxy/openai/v1/chat/completions"


def test_overconfident_answer_is_clamped(chat_server: ChatServer) -> None:
    chat_server.queue(decision("buy", 1.2))
    llm = provider(chat_server)
    assert llm.decide(SYSTEM, PROMPT).confidence == 1.0
    llm.close()


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (completion("buy, definitely"), "the answer is not valid JSON"),
        (completion('{"action": "buy", "confidence": 0.5'), "not valid JSON"),
        (decision("strong_buy"), "does not match the decision schema: action: Input should be"),
        (decision("buy", "high"), "confidence: Value error, confidence must be a number"),
        (completion('{"action": "buy", "rationale": "x"}'), "confidence: Field required"),
        (
            completion(
                '{"action": "buy", "confidence": 0.1, "rationale": "x"}', finish_reason="length"
            ),
            "cut off by the token limit",
        ),
        (error(500, "upstream overloaded"), "HTTP 500: upstream overloaded"),
        (
            error(404, "The model `test-model` does not exist", "invalid_request_error"),
            "HTTP 404: The model `test-model` does not exist",
        ),
        (Reply(502, b"<html><body>Bad gateway</body></html>"), "HTTP 502: <html><body>Bad gateway"),
    ],
)
def test_invalid_answers_and_http_errors_raise_llm_error(
    chat_server: ChatServer, reply: Reply, message: str
) -> None:
    err = failure(chat_server, reply)
    text = str(err)
    assert text.startswith(f"openai (test-model at {chat_server.base_url}): ")
    assert message in text
    assert len(text) <= 300


def test_timeout_raises_llm_error(chat_server: ChatServer) -> None:
    err = failure(chat_server, Reply(200, b"{}", stall_s=30), timeout_s=0.2)
    assert "no answer within timeout_s=0.2" in str(err)


def test_unreachable_server_raises_llm_error(chat_server: ChatServer) -> None:
    # A port that was just closed: nothing listens there.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = failure(chat_server, base_url=f"http://127.0.0.1:{port}/v1")
    assert "cannot reach the server" in str(err)


def test_invalid_answer_is_asked_again_within_max_retries(chat_server: ChatServer) -> None:
    chat_server.queue(decision("maybe"), decision("hold", 0.4))
    llm = provider(chat_server, max_retries=1)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert answer.action is Action.HOLD
    first, second = chat_server.requests
    assert len(second.body["messages"]) > len(first.body["messages"])  # the re-ask explains


def test_retries_stop_at_max_retries(chat_server: ChatServer) -> None:
    err = failure(
        chat_server, decision("maybe"), decision("perhaps"), decision("hold"), max_retries=1
    )
    assert "(after 2 attempts)" in str(err)
    assert len(chat_server.requests) == 2


def test_server_error_is_retried_by_the_transport(chat_server: ChatServer) -> None:
    chat_server.queue(error(503, "warming up"), decision("buy", 0.9))
    llm = provider(chat_server, max_retries=1)
    assert llm.decide(SYSTEM, PROMPT).action is Action.BUY
    llm.close()
    assert len(chat_server.requests) == 2


def test_key_never_leaks_into_errors_reprs_or_logs(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = error(401, f"Incorrect API key provided: {SECRET}.", "invalid_request_error")
    llm = provider(chat_server, api_key=SECRET)
    chat_server.queue(echo)
    with pytest.raises(LLMError) as info:
        llm.decide(SYSTEM, PROMPT)
    assert chat_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # it was sent

    text = str(info.value)
    assert "HTTP 401: Incorrect API key provided: ***." in text
    rendered = "".join(traceback.format_exception(info.value))  # with the chained causes
    for shown in (text, rendered, repr(llm), repr(llm.options), caplog.text):
        assert SECRET not in shown
    assert any("401" in record.getMessage() for record in caplog.records)  # logs were captured
    llm.close()


def test_close_is_idempotent_and_the_provider_reconnects(chat_server: ChatServer) -> None:
    llm = provider(chat_server)
    llm.close()
    chat_server.queue(decision("buy"), decision("sell"))
    assert llm.decide(SYSTEM, PROMPT).action is Action.BUY
    llm.close()
    llm.close()
    assert llm.decide(SYSTEM, PROMPT).action is Action.SELL
    llm.close()


@pytest.mark.parametrize("content", ["", "  \n "])
def test_empty_answer_is_named_as_such(chat_server: ChatServer, content: str) -> None:
    err = failure(chat_server, completion(content))
    assert str(err).endswith("the answer was empty")


def test_json_object_mode_sends_json_mode_and_the_schema_in_the_system_message(
    chat_server: ChatServer,
) -> None:
    from deepalpha_llm_openai.chat import StructuredChat

    chat_server.queue(decision("buy", 0.6))
    chat = StructuredChat(
        base_url=chat_server.base_url, model="m", max_retries=0, response_format="json_object"
    )
    assert chat.decide(SYSTEM, PROMPT).action is Action.BUY
    chat.close()
    [request] = chat_server.requests
    assert request.body["response_format"] == {"type": "json_object"}
    system = request.body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith(SYSTEM)
    assert '"confidence"' in system["content"]  # the schema travels in the prompt instead


def test_unknown_response_format_is_refused() -> None:
    from deepalpha_llm_openai.chat import StructuredChat

    with pytest.raises(ValueError, match="response_format: must be one of"):
        StructuredChat(base_url="http://127.0.0.1:1/v1", model="m", response_format="tools")
