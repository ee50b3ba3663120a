"""Options validation, the missing-key error at build time, and the key kept out of repr."""

from __future__ import annotations

import pytest
from deepalpha_llm_anthropic.options import AnthropicOptions
from deepalpha_llm_anthropic.provider import AnthropicProvider
from deepalpha_llm_anthropic.testing import SECRET


def test_defaults() -> None:
    opts = AnthropicOptions()
    assert (opts.base_url, opts.api_key, opts.max_tokens, opts.temperature) == (
        "https://api.anthropic.com",
        None,
        1024,
        0.0,
    )
    assert (opts.timeout_s, opts.max_retries, opts.honour_retry_after) == (30.0, 2, True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("model", " ", "model: must name a model"),
        ("base_url", "api.anthropic.com", "base_url: must be an http(s) URL"),
        ("base_url", "https://api.anthropic.com/v1/messages", "base_url: give the server root"),
        ("base_url", "https://h?x=1", "base_url: must not carry a query"),
        ("max_tokens", 0, "max_tokens: must be in [1, 64000], got 0"),
        ("max_tokens", 10.5, "max_tokens: must be an integer"),
        ("temperature", 1.5, "temperature: must be in [0, 1], got 1.5"),
        ("timeout_s", 0, "timeout_s: must be in (0, 600], got 0"),
        ("timeout_s", float("nan"), "timeout_s: must be in (0, 600]"),
        ("max_retries", 6, "max_retries: must be in [0, 5], got 6"),
        ("max_retries", True, "max_retries: must be an integer"),
        ("max_retry_wait_s", -1, "max_retry_wait_s: must be in [0, 600]"),
        ("honour_retry_after", "yes", "honour_retry_after"),
        ("output", "json", "output: must be one of tool, json_schema, got 'json'"),
        ("api_key", "${ANTHROPIC_API_KEY}", "environment variable ${ANTHROPIC_API_KEY} was not"),
    ],
)
def test_bad_values_name_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        AnthropicOptions(**{field: value})
    assert message in str(info.value)


def test_key_with_whitespace_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        AnthropicOptions(api_key=SECRET + " x")
    assert "api_key: must not contain whitespace" in str(info.value)
    assert SECRET not in str(info.value)


def test_key_over_plain_http_to_another_host_is_refused() -> None:
    with pytest.raises(ValueError, match=r"base_url: .* would send api_key unencrypted"):
        AnthropicOptions(api_key=SECRET, base_url="http://example.com")
    AnthropicOptions(api_key=SECRET, base_url="http://127.0.0.1:9")  # loopback is fine


@pytest.mark.parametrize("key", [None, ""])  # "" is what ${ANTHROPIC_API_KEY:-} gives when unset
def test_missing_key_is_accepted_in_config_and_refused_at_build(key: str | None) -> None:
    opts = AnthropicOptions(api_key=key)
    assert opts.api_key is None
    with pytest.raises(ValueError, match=r"api_key: required .* ANTHROPIC_API_KEY"):
        AnthropicProvider(opts)


def test_key_never_in_repr() -> None:
    opts = AnthropicOptions(api_key=SECRET)
    llm = AnthropicProvider(opts)
    for text in (repr(opts), str(opts), repr(llm)):
        assert SECRET not in text and "***" in text
