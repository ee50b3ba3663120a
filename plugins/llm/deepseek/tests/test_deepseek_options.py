"""Options are checked before any request, with one-line messages naming the field."""

from __future__ import annotations

import pytest
from deepalpha_llm_deepseek.options import DeepSeekOptions
from deepalpha_llm_openai.testing import SECRET

LOCAL = "http://127.0.0.1:8080/v1"


def test_defaults_are_deepseeks_endpoint_and_model() -> None:
    opts = DeepSeekOptions(api_key=SECRET)
    assert (opts.base_url, opts.model) == ("https://api.deepseek.com", "deepseek-chat")
    assert (opts.max_retries, opts.empty_retries, opts.temperature) == (1, 2, 0.0)


def test_key_is_required_for_the_real_endpoint() -> None:
    with pytest.raises(ValueError, match=r"api_key: required .*DEEPSEEK_API_KEY"):
        DeepSeekOptions()
    with pytest.raises(ValueError, match="api_key: required"):
        DeepSeekOptions(api_key="")


def test_loopback_needs_no_key() -> None:
    assert DeepSeekOptions(base_url=LOCAL).api_key is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"empty_retries": -1}, "empty_retries: must be in [0, 5], got -1"),
        ({"empty_retries": 6}, "empty_retries: must be in [0, 5], got 6"),
        ({"empty_retries": 1.5}, "empty_retries: must be an integer, got 1.5"),
        ({"max_retries": 9}, "max_retries: must be in [0, 5], got 9"),
        ({"timeout_s": 0}, "timeout_s: must be in (0, 600], got 0"),
        ({"temperature": 2.5}, "temperature: must be in [0, 2], got 2.5"),
        ({"model": " "}, "model: must name a model"),
        ({"base_url": "api.deepseek.com"}, "base_url: must be an http(s) URL with a host"),
        ({"api_key": "${DEEPSEEK_API_KEY}"}, "environment variable ${DEEPSEEK_API_KEY} was not"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        DeepSeekOptions(**{"base_url": LOCAL, **overrides})
    assert message in str(info.value)


def test_key_over_plain_http_to_another_host_is_refused() -> None:
    with pytest.raises(ValueError, match=r"base_url: .* plain http") as info:
        DeepSeekOptions(base_url="http://api.example.invalid/v1", api_key=SECRET)
    assert SECRET not in str(info.value)


def test_key_is_masked_in_repr() -> None:
    text = repr(DeepSeekOptions(api_key=SECRET))
    assert SECRET not in text and "api_key='***'" in text
    with pytest.raises(ValueError) as info:
        DeepSeekOptions(base_url=LOCAL, api_key=f"{SECRET} x")
    assert SECRET not in str(info.value)
