"""Usage, raw text, retry-after and params: what each call cost, against the loopback server.

Expected token sums are added up here from the replies the server actually sent
(``ChatServer.sent``), not copied from the provider's own arithmetic.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from email.utils import format_datetime

import httpx
import pytest
from deepalpha.errors import LLMError
from deepalpha.llm import Usage
from deepalpha_llm_openai.meter import retry_after_s
from deepalpha_llm_openai.options import OpenAIOptions
from deepalpha_llm_openai.provider import OpenAIProvider
from deepalpha_llm_openai.testing import ChatServer, Reply, decision, error

SYSTEM = "You are a cautious trading assistant."
PROMPT = "BTC/USD 1h: EMA trend up, RSI 41, MACD crossing up. Answer buy, sell or hold."


def provider(server: ChatServer, **overrides) -> OpenAIProvider:
    opts = {"base_url": server.base_url, "model": "test-model", "max_retries": 0, **overrides}
    return OpenAIProvider(OpenAIOptions(**opts))


def sent_usage(server: ChatServer) -> Usage:
    """Every reply the server sent as one attempt, with the tokens its body reported."""
    total = Usage(attempts=0)
    for reply in server.sent:
        usage = json.loads(reply.body).get("usage") or {}
        total += Usage(1, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    return total


def last_content(server: ChatServer) -> str:
    return json.loads(server.sent[-1].body)["choices"][0]["message"]["content"]


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


def test_one_call_reports_its_tokens_and_raw_text(chat_server: ChatServer) -> None:
    answer = ask(chat_server, decision("buy", 0.7, prompt_tokens=123, completion_tokens=17))
    assert answer.usage == Usage(1, 123, 17) == sent_usage(chat_server)
    assert answer.raw == last_content(chat_server)
    assert json.loads(answer.raw)["action"] == "buy"


def test_a_429_then_a_200_counts_two_attempts(chat_server: ChatServer) -> None:
    limited = error(429, "Rate limit reached", "rate_limit_error", {"retry-after-ms": "10"})
    answer = ask(
        chat_server,
        limited,
        decision("hold", 0.4, prompt_tokens=77, completion_tokens=21),
        max_retries=1,
    )
    assert answer.usage.attempts == 2 == len(chat_server.requests)
    assert answer.usage == sent_usage(chat_server) == Usage(2, 77, 21)
    assert answer.raw == last_content(chat_server)


def test_a_re_ask_after_an_invalid_answer_adds_both_calls_tokens(chat_server: ChatServer) -> None:
    answer = ask(
        chat_server,
        decision("maybe", prompt_tokens=50, completion_tokens=12),
        decision("sell", 0.3, "lower highs", prompt_tokens=140, completion_tokens=19),
        max_retries=1,
    )
    assert answer.usage == sent_usage(chat_server) == Usage(2, 190, 31)
    assert json.loads(answer.raw)["rationale"] == "lower highs"  # the answer that validated


def test_a_final_failure_carries_what_its_attempts_cost(chat_server: ChatServer) -> None:
    err = fail(
        chat_server,
        decision("maybe", prompt_tokens=40, completion_tokens=8),
        decision("perhaps", prompt_tokens=60, completion_tokens=9),
        max_retries=1,
    )
    assert "(after 2 attempts)" in str(err)
    assert err.usage == sent_usage(chat_server) == Usage(2, 100, 17)
    assert err.retry_after is None  # no rate limit: no hint


def test_retry_after_of_the_last_429_is_on_the_error(chat_server: ChatServer) -> None:
    err = fail(
        chat_server,
        error(429, "Rate limit reached", "rate_limit_error", {"retry-after-ms": "10"}),
        error(429, "Rate limit reached", "rate_limit_error", {"retry-after": "3"}),
        max_retries=1,
    )
    assert "HTTP 429: Rate limit reached" in str(err)
    assert err.retry_after == 3.0
    assert err.usage == Usage(2, 0, 0)


def test_retry_after_ms_is_read_in_seconds(chat_server: ChatServer) -> None:
    err = fail(chat_server, error(529, "Overloaded", headers={"retry-after-ms": "1500"}))
    assert err.retry_after == 1.5 and err.usage == Usage(1, 0, 0)


def test_a_timeout_is_an_attempt_and_an_unreachable_server_is_none(
    chat_server: ChatServer,
) -> None:
    err = fail(chat_server, Reply(200, b"{}", stall_s=30), timeout_s=0.2)
    assert err.usage == Usage(1, 0, 0)

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = fail(chat_server, base_url=f"http://127.0.0.1:{port}/v1")
    assert "cannot reach the server" in str(err)
    assert err.usage == Usage(0, 0, 0)


def test_concurrent_calls_on_one_provider_each_count_their_own(chat_server: ChatServer) -> None:
    chat_server.queue(
        *(
            decision("buy", 0.5, f"call {n}", prompt_tokens=100 + n, completion_tokens=n + 1)
            for n in range(6)
        )
    )
    llm = provider(chat_server)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: llm.decide(SYSTEM, PROMPT), range(6)))
    llm.close()
    for answer in answers:
        n = int(answer.rationale.removeprefix("call "))
        assert answer.usage == Usage(1, 100 + n, n + 1)  # its own reply's tokens, nobody else's
        assert json.loads(answer.raw)["rationale"] == answer.rationale
    total = sum((a.usage for a in answers), Usage(attempts=0))
    assert total == sent_usage(chat_server)


def test_params_name_what_changes_the_answer() -> None:
    base = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}
    plain = OpenAIProvider(OpenAIOptions(**base)).params()
    assert plain == {"temperature": 0.0, "response_format": "json_schema"}
    seeded = OpenAIProvider(OpenAIOptions(**base, seed=7, temperature=0.3)).params()
    assert seeded == {"temperature": 0.3, "response_format": "json_schema", "seed": 7}
    assert OpenAIProvider(OpenAIOptions(**base, temperature=0.5)).params() != plain
    # Where and how patiently it asks do not change the answer.
    elsewhere = OpenAIOptions(
        base_url="https://example.invalid/v1",
        model="m",
        api_key="sk-x",
        timeout_s=5,
        max_retries=4,
    )
    assert OpenAIProvider(elsewhere).params() == plain
    assert json.loads(json.dumps(seeded, sort_keys=True)) == seeded


def test_params_do_not_build_the_client() -> None:
    llm = OpenAIProvider(OpenAIOptions(base_url="http://127.0.0.1:9/v1"))
    llm.params()
    assert llm._chat is None


def test_retry_after_header_forms() -> None:
    assert retry_after_s(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    assert retry_after_s(httpx.Headers({"retry-after": "2.5"})) == 2.5
    assert retry_after_s(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after_s(httpx.Headers({"retry-after": "-1"})) is None
    assert retry_after_s(httpx.Headers({})) is None
    from datetime import UTC, datetime, timedelta

    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < retry_after_s(httpx.Headers({"retry-after": later})) <= 120
    past = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert retry_after_s(httpx.Headers({"retry-after": past})) == 0.0
