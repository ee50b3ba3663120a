"""Usage, raw text, retry-after and params of the anthropic provider, against the loopback server.

Expected token sums are added up here from the replies the server sent (``MessagesServer.sent``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from deepalpha.errors import LLMError
from deepalpha.llm import Usage
from deepalpha_llm_anthropic.options import AnthropicOptions
from deepalpha_llm_anthropic.provider import AnthropicProvider
from deepalpha_llm_anthropic.testing import (
    SECRET,
    MessagesServer,
    Reply,
    decision,
    error,
    message,
    tool_use,
)

SYSTEM = "You are a cautious trading assistant."
PROMPT = "BTC/USD 1h: EMA trend up, RSI 41, MACD crossing up. Answer buy, sell or hold."


def provider(server: MessagesServer, **overrides) -> AnthropicProvider:
    opts = {
        "base_url": server.base_url,
        "model": "test-model",
        "api_key": SECRET,
        "max_retries": 0,
        **overrides,
    }
    return AnthropicProvider(AnthropicOptions(**opts), sleep=lambda _s: None)


def sent_usage(server: MessagesServer) -> Usage:
    """Every reply the server sent as one attempt, with the tokens its body reported."""
    total = Usage(attempts=0)
    for reply in server.sent:
        try:
            usage = json.loads(reply.body).get("usage") or {}
        except ValueError:
            usage = {}
        total += Usage(1, usage.get("input_tokens", 0), usage.get("output_tokens", 0))
    return total


def fail(server: MessagesServer, *replies: Reply, **overrides) -> LLMError:
    server.queue(*replies)
    llm = provider(server, **overrides)
    try:
        with pytest.raises(LLMError) as info:
            llm.decide(SYSTEM, PROMPT)
    finally:
        llm.close()
    return info.value


def test_a_429_then_a_200_counts_two_attempts_and_the_answers_tokens(
    server: MessagesServer,
) -> None:
    limited = error(429, "rate_limit_error", "slow down", {"retry-after": "2"})
    server.queue(limited, decision("buy", 0.6, "breakout", tokens=(310, 55)))
    llm = provider(server, max_retries=2)
    answer = llm.decide(SYSTEM, PROMPT)
    assert answer.usage.attempts == 2 == len(server.requests)
    assert answer.usage == sent_usage(server) == Usage(2, 310, 55)
    assert json.loads(answer.raw) == {"action": "buy", "confidence": 0.6, "rationale": "breakout"}
    # last_call keeps working and agrees with the answer.
    call = llm.last_call
    assert (call.attempts, call.input_tokens, call.output_tokens) == (2, 310, 55)


def test_json_schema_output_raw_is_the_text(server: MessagesServer) -> None:
    text = '{"action": "sell", "confidence": 0.4, "rationale": "lower highs"}'
    server.queue(message([{"type": "text", "text": text}], stop_reason="end_turn", tokens=(9, 8)))
    answer = provider(server, output="json_schema").decide(SYSTEM, PROMPT)
    assert answer.raw == text and answer.usage == Usage(1, 9, 8)


def test_an_invalid_answer_still_reports_its_tokens(server: MessagesServer) -> None:
    bad = message([tool_use({"action": "moon", "confidence": 1, "rationale": ""})], tokens=(80, 7))
    err = fail(server, bad)
    assert "does not match the decision schema" in str(err)
    assert err.usage == sent_usage(server) == Usage(1, 80, 7)
    assert err.retry_after is None


def test_a_final_failure_counts_every_attempt(server: MessagesServer) -> None:
    overloaded = [error(529, "overloaded_error", "Overloaded") for _ in range(3)]
    err = fail(server, *overloaded, max_retries=2)
    assert "(after 3 attempts)" in str(err)
    assert err.usage == sent_usage(server) == Usage(3, 0, 0)


def test_retry_after_of_the_last_response_is_on_the_error(server: MessagesServer) -> None:
    err = fail(
        server,
        error(429, "rate_limit_error", "slow down", {"retry-after-ms": "100"}),
        error(429, "rate_limit_error", "slow down", {"retry-after": "7"}),
        max_retries=1,
    )
    assert err.retry_after == 7.0 and err.usage == Usage(2, 0, 0)


def test_a_retry_after_beyond_the_wait_limit_is_on_the_error(server: MessagesServer) -> None:
    err = fail(
        server,
        error(429, "rate_limit_error", "slow down", {"retry-after": "120"}),
        max_retries=3,
        max_retry_wait_s=10,
    )
    assert err.retry_after == 120.0 and err.usage == Usage(1, 0, 0)


def test_a_timeout_is_an_attempt_and_an_unreachable_server_is_none(
    server: MessagesServer,
) -> None:
    err = fail(server, Reply(stall_s=5.0, body=b"{}"), timeout_s=0.2)
    assert err.usage == Usage(1, 0, 0)
    llm = AnthropicProvider(
        AnthropicOptions(base_url="http://127.0.0.1:1", api_key=SECRET, max_retries=1),
        sleep=lambda _s: None,
    )
    with pytest.raises(LLMError) as info:
        llm.decide(SYSTEM, PROMPT)
    assert info.value.usage == Usage(0, 0, 0)
    assert llm.attempts == 2  # the provider's own counter still counts every try


def test_concurrent_calls_each_count_their_own(server: MessagesServer) -> None:
    server.queue(*(decision("hold", 0.5, f"call {n}", tokens=(100 + n, n + 1)) for n in range(4)))
    llm = provider(server)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: llm.decide(SYSTEM, PROMPT), range(4)))
    for answer in answers:
        n = int(answer.rationale.removeprefix("call "))
        assert answer.usage == Usage(1, 100 + n, n + 1)
    assert sum((a.usage for a in answers), Usage(attempts=0)) == sent_usage(server)


def test_params_name_what_changes_the_answer() -> None:
    def params(**options) -> dict:
        return AnthropicProvider(AnthropicOptions(api_key=SECRET, **options)).params()

    assert params() == {"temperature": 0.0, "max_tokens": 1024, "output": "tool"}
    assert params(temperature=0.5)["temperature"] == 0.5 and params(temperature=0.5) != params()
    assert params(output="json_schema", max_tokens=256) == {
        "temperature": 0.0,
        "max_tokens": 256,
        "output": "json_schema",
    }
    assert (
        params(base_url="http://127.0.0.1:8", timeout_s=3, max_retries=5, max_retry_wait_s=1)
        == params()
    )
    assert json.loads(json.dumps(params())) == params()
