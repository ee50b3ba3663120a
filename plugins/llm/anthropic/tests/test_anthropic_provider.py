"""The provider against a loopback Messages API server (``deepalpha_llm_anthropic.testing``)."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from anthropic.lib._parse._transform import transform_schema
from anthropic.types import ErrorResponse, Message
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import DECISION_SCHEMA, LLMProvider
from deepalpha_llm_anthropic.options import AnthropicOptions
from deepalpha_llm_anthropic.provider import AnthropicProvider
from deepalpha_llm_anthropic.testing import (
    SECRET,
    TOOL,
    MessagesServer,
    Reply,
    decision,
    error,
    error_payload,
    message,
    message_payload,
    tool_use,
)

SYSTEM = "You are a cautious trading assistant."
PROMPT = "BTC/USD 1h: EMA trend up, RSI 41, MACD crossing up. Answer buy, sell or hold."


class Sleeps(list):
    """Records backoff waits instead of sleeping, so tests never wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def provider(
    server: MessagesServer, sleeps: Sleeps | None = None, **overrides
) -> AnthropicProvider:
    opts = {
        "base_url": server.base_url,
        "model": "test-model",
        "api_key": SECRET,
        "max_retries": 0,
        **overrides,
    }
    return AnthropicProvider(
        AnthropicOptions(**opts), sleep=sleeps if sleeps is not None else Sleeps()
    )


def failure(server: MessagesServer, *replies: Reply, **overrides) -> LLMError:
    server.queue(*replies)
    llm = provider(server, **overrides)
    try:
        with pytest.raises(LLMError) as info:
            llm.decide(SYSTEM, PROMPT)
    finally:
        llm.close()
    assert SECRET not in str(info.value)
    return info.value


def test_request_follows_the_messages_wire_format(server: MessagesServer) -> None:
    server.queue(decision("sell", 0.35, " momentum fading "))
    llm = provider(server, temperature=0.2, max_tokens=512)
    answer = llm.decide(SYSTEM, PROMPT)
    llm.close()

    assert isinstance(llm, LLMProvider) and llm.name == "anthropic" and llm.model == "test-model"
    assert (answer.action, answer.confidence, answer.rationale) == (
        Action.SELL,
        0.35,
        "momentum fading",
    )
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["x-api-key"] == SECRET
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    body = request.body
    assert body["system"] == SYSTEM  # top-level, not a message
    assert body["messages"] == [{"role": "user", "content": PROMPT}]
    assert body["tools"] == [
        {
            "name": TOOL,
            "description": body["tools"][0]["description"],
            "input_schema": DECISION_SCHEMA,
        }
    ]
    assert body["tools"][0]["description"]
    assert body["tool_choice"] == {"type": "tool", "name": TOOL}
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("test-model", 512, 0.2)


def test_usage_request_id_and_rate_limit_headers_are_kept(server: MessagesServer) -> None:
    server.queue(
        decision(
            "buy",
            0.8,
            **{
                "anthropic-ratelimit-requests-remaining": "49",
                "anthropic-ratelimit-tokens-reset": "2026-12-07T23:00:00Z",
            },
        )
    )
    llm = provider(server)
    assert llm.decide(SYSTEM, PROMPT).action is Action.BUY
    call = llm.last_call
    assert (call.attempts, call.status, call.stop_reason) == (1, 200, "tool_use")
    assert (call.input_tokens, call.output_tokens, call.request_id) == (120, 40, "req_ok")
    assert call.rate_limits == {
        "requests-remaining": "49",
        "tokens-reset": "2026-12-07T23:00:00Z",
    }


def test_end_turn_with_a_text_block_before_the_tool_call_is_accepted(
    server: MessagesServer,
) -> None:
    answer = {"action": "hold", "confidence": 1.4, "rationale": "mixed"}
    server.queue(
        message([{"type": "text", "text": "Thinking..."}, tool_use(answer)], stop_reason="end_turn")
    )
    llm = provider(server)
    got = llm.decide(SYSTEM, PROMPT)
    assert (got.action, got.confidence) == (Action.HOLD, 1.0)  # clamped


def test_429_with_retry_after_is_waited_out_then_succeeds(server: MessagesServer) -> None:
    limited = error(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
        {"retry-after": "3", "anthropic-ratelimit-tokens-remaining": "0"},
    )
    server.queue(limited, decision("buy", 0.6))
    sleeps = Sleeps()
    llm = provider(server, sleeps, max_retries=2)
    assert llm.decide(SYSTEM, PROMPT).action is Action.BUY
    assert sleeps == [3.0]
    assert len(server.requests) == 2 and llm.attempts == 2 and llm.last_call.attempts == 2


def test_retry_after_is_ignored_when_not_honoured(server: MessagesServer) -> None:
    server.queue(error(429, "rate_limit_error", "slow down", {"retry-after": "20"}), decision())
    sleeps = Sleeps()
    llm = provider(server, sleeps, max_retries=1, honour_retry_after=False)
    llm.decide(SYSTEM, PROMPT)
    assert sleeps == [0.5]  # the first step of the exponential backoff


def test_retry_after_beyond_the_limit_fails_at_once(server: MessagesServer) -> None:
    limited = error(429, "rate_limit_error", "slow down", {"retry-after": "120"})
    sleeps = Sleeps()
    exc = failure(server, limited, decision(), max_retries=3, max_retry_wait_s=10)
    assert "429 rate_limit_error: slow down" in str(exc)
    assert "retry-after 120s exceeds max_retry_wait_s=10" in str(exc)
    assert len(server.requests) == 1 and sleeps == []


def test_overloaded_529_is_retried_with_doubling_backoff_then_gives_up(
    server: MessagesServer,
) -> None:
    overloaded = [error(529, "overloaded_error", "Overloaded") for _ in range(4)]
    server.queue(*overloaded)
    sleeps = Sleeps()
    llm = provider(server, sleeps, max_retries=3)
    with pytest.raises(LLMError) as info:
        llm.decide(SYSTEM, PROMPT)
    assert "HTTP 529 overloaded_error: Overloaded (after 4 attempts)" in str(info.value)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(server.requests) == 4 and llm.attempts == 4


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (402, "billing_error"),
    ],
)
def test_client_errors_fail_without_retrying(
    server: MessagesServer, status: int, kind: str
) -> None:
    exc = failure(server, error(status, kind, "bad request detail"), decision(), max_retries=3)
    assert f"HTTP {status} {kind}: bad request detail" in str(exc)
    assert "test-model" in str(exc) and server.base_url in str(exc)
    assert len(server.requests) == 1


def test_500_api_error_is_retried_then_succeeds(server: MessagesServer) -> None:
    server.queue(error(500, "api_error", "Internal server error"), decision("sell", 0.9))
    llm = provider(server, max_retries=1)
    assert llm.decide(SYSTEM, PROMPT).action is Action.SELL


def test_401_that_echoes_the_key_does_not_leak_it(server: MessagesServer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    exc = failure(server, error(401, "authentication_error", f"invalid x-api-key {SECRET}"))
    assert "invalid x-api-key ***" in str(exc)
    assert SECRET not in caplog.text


def test_non_json_error_page_is_reported_briefly(server: MessagesServer) -> None:
    page = Reply(502, b"<html><body>Bad gateway</body></html>" + b" " * 5000)
    exc = failure(server, page)
    assert "HTTP 502 <html><body>Bad gateway</body></html>" in str(exc)
    assert len(str(exc)) <= 300


def test_timeout_fails_after_the_configured_retries(server: MessagesServer) -> None:
    server.queue(Reply(stall_s=5.0, body=b"{}"), Reply(stall_s=5.0, body=b"{}"))
    sleeps = Sleeps()
    llm = provider(server, sleeps, timeout_s=0.2, max_retries=1)
    with pytest.raises(LLMError) as info:
        llm.decide(SYSTEM, PROMPT)
    assert "no answer within timeout_s=0.2 (after 2 attempts)" in str(info.value)
    assert sleeps == [0.5] and len(server.requests) == 2


def test_unreachable_server_is_an_llm_error() -> None:
    llm = AnthropicProvider(
        AnthropicOptions(base_url="http://127.0.0.1:1", api_key=SECRET, max_retries=0)
    )
    with pytest.raises(LLMError, match="cannot reach the server"):
        llm.decide(SYSTEM, PROMPT)


def test_truncated_json_body_is_an_llm_error(server: MessagesServer) -> None:
    whole = json.dumps(
        message_payload([tool_use({"action": "buy", "confidence": 0.5, "rationale": "x"})])
    )
    exc = failure(server, Reply(200, whole[: len(whole) // 2].encode()))
    assert "the response is not valid JSON" in str(exc)


@pytest.mark.parametrize(
    "body", [b"not json at all", b"[1, 2]", json.dumps({"type": "completion"}).encode()]
)
def test_malformed_bodies_are_llm_errors(server: MessagesServer, body: bytes) -> None:
    exc = failure(server, Reply(200, body))
    assert "not valid JSON" in str(exc) or "not a Messages API message" in str(exc)


def test_max_tokens_stop_is_a_truncated_answer(server: MessagesServer) -> None:
    cut = message([tool_use({"action": "buy"})], stop_reason="max_tokens")
    exc = failure(server, cut, max_tokens=16)
    assert "stop_reason max_tokens: the answer was cut off at max_tokens=16" in str(exc)


def test_refusal_stop_is_named(server: MessagesServer) -> None:
    exc = failure(server, message([], stop_reason="refusal"))
    assert "refusal" in str(exc) and "refused" in str(exc)


def test_pause_turn_is_an_unexpected_stop(server: MessagesServer) -> None:
    exc = failure(server, message([], stop_reason="pause_turn"))
    assert "unexpected stop_reason 'pause_turn'" in str(exc)


def test_text_only_answer_without_the_tool_call_is_an_error(server: MessagesServer) -> None:
    exc = failure(server, message([{"type": "text", "text": "buy"}], stop_reason="end_turn"))
    assert f"no tool_use block for {TOOL}" in str(exc)


@pytest.mark.parametrize(
    ("tool_input", "expected"),
    [
        ({"action": "short", "confidence": 0.5, "rationale": "x"}, "action: must be one of"),
        ({"action": "buy", "confidence": "0.5", "rationale": "x"}, "confidence: must be a number"),
        ({"action": "buy", "confidence": True, "rationale": "x"}, "confidence: must be a number"),
        ({"action": "buy", "rationale": "x"}, "lacks confidence"),
        (
            {"action": "buy", "confidence": 0.5, "rationale": "x", "size": 3},
            "unexpected field(s) size",
        ),
        ({"action": "buy", "confidence": 0.5, "rationale": 7}, "rationale: must be a string"),
    ],
)
def test_tool_input_outside_the_schema_is_an_error(
    server: MessagesServer, tool_input: dict, expected: str
) -> None:
    exc = failure(server, message([tool_use(tool_input)]))
    assert "does not match the decision schema" in str(exc) and expected in str(exc)


def test_non_finite_confidence_is_an_error(server: MessagesServer) -> None:
    # JSON has no NaN, but Python's encoder writes it and lenient servers do too.
    exc = failure(server, decision("buy", float("nan")))
    assert "confidence: must be finite" in str(exc)


def test_canned_payloads_are_valid_for_the_official_sdk() -> None:
    Message.model_validate(
        message_payload([tool_use({"action": "buy", "confidence": 0.5, "rationale": "x"})])
    )
    for kind in (
        "rate_limit_error",
        "overloaded_error",
        "authentication_error",
        "invalid_request_error",
        "api_error",
    ):
        ErrorResponse.model_validate(error_payload(kind, "m"))


def test_timeout_then_success_retries_and_honours_retry_after_ms(server: MessagesServer) -> None:
    server.queue(
        Reply(stall_s=5.0, body=b"{}"),
        error(529, "overloaded_error", "Overloaded", {"retry-after-ms": "250"}),
        decision("buy", 0.55),
    )
    sleeps = Sleeps()
    llm = provider(server, sleeps, timeout_s=0.2, max_retries=2)
    assert llm.decide(SYSTEM, PROMPT).confidence == 0.55
    assert sleeps == [0.5, 0.25]  # backoff after the timeout, then the server's hint
    assert llm.last_call.attempts == 3


def test_provider_is_reusable_after_a_failure_and_counts_every_attempt(
    server: MessagesServer,
) -> None:
    server.queue(error(400, "invalid_request_error", "bad"), decision("hold", 0.2))
    llm = provider(server)
    with pytest.raises(LLMError):
        llm.decide(SYSTEM, PROMPT)
    assert llm.decide(SYSTEM, PROMPT).action is Action.HOLD
    assert llm.attempts == 2 and llm.last_call.attempts == 1


def test_concurrent_decisions_share_one_provider(server: MessagesServer) -> None:
    server.queue(*(decision("buy", 0.5) for _ in range(4)))
    llm = provider(server)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: llm.decide(SYSTEM, PROMPT), range(4)))
    assert [a.action for a in answers] == [Action.BUY] * 4
    assert llm.attempts == 4 and len(server.requests) == 4


def test_json_schema_output_sends_output_config_and_reads_the_text(server: MessagesServer) -> None:
    answer = {"action": "sell", "confidence": 0.4, "rationale": "lower highs"}
    server.queue(message([{"type": "text", "text": json.dumps(answer)}], stop_reason="end_turn"))
    llm = provider(server, output="json_schema")
    got = llm.decide(SYSTEM, PROMPT)
    assert (got.action, got.confidence, got.rationale) == (Action.SELL, 0.4, "lower highs")
    [request] = server.requests
    assert "tools" not in request.body and "tool_choice" not in request.body
    fmt = request.body["output_config"]["format"]
    assert fmt["type"] == "json_schema"
    # The same schema the official SDK's transform produces for structured outputs.
    assert fmt["schema"]["properties"]["action"]["enum"] == ["buy", "sell", "hold"]
    sdk = transform_schema(DECISION_SCHEMA)
    for name, prop in fmt["schema"]["properties"].items():
        assert prop.get("description") == sdk["properties"][name].get("description")
        assert not {"minimum", "maximum", "maxLength"} & prop.keys()
    assert fmt["schema"]["required"] == sdk["required"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ([{"type": "text", "text": '{"action": "buy", "confid'}], "the answer is not valid JSON"),
        ([], "no text block with the JSON answer"),
        (
            [{"type": "text", "text": '{"action": "moon", "confidence": 1, "rationale": ""}'}],
            "action: must be one of",
        ),
    ],
)
def test_json_schema_output_bad_answers(
    server: MessagesServer, content: list, expected: str
) -> None:
    exc = failure(server, message(content, stop_reason="end_turn"), output="json_schema")
    assert expected in str(exc)
