"""Option validation: every rejected value names the field and the value (never the key)."""

from __future__ import annotations

import attrs
import pytest
from deepalpha_llm_openai.options import OpenAIOptions, is_loopback_url
from hypothesis import given
from hypothesis import strategies as st

KEY = "sk-opt-secret-0123456789"


def test_defaults_point_at_openai_and_need_a_key() -> None:
    with pytest.raises(ValueError, match=r"^api_key: required for base_url 'https://api\.openai"):
        OpenAIOptions()
    opts = OpenAIOptions(api_key=KEY)
    assert (opts.model, opts.temperature, opts.seed, opts.max_retries) == (
        "gpt-4o-mini",
        0,
        None,
        1,
    )


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/v1", "http://localhost/v1", "http://[::1]:9/v1", "http://127.9.9.9"],
)
def test_loopback_servers_need_no_key(url: str) -> None:
    assert is_loopback_url(url)
    assert OpenAIOptions(base_url=url).api_key is None


@pytest.mark.parametrize(
    "url",
    ["https://api.deepseek.com/v1", "http://192.168.1.5:8000/v1", "http://localhost.evil.com"],
)
def test_remote_servers_are_not_loopback(url: str) -> None:
    assert not is_loopback_url(url)
    with pytest.raises(ValueError, match="api_key: required"):
        OpenAIOptions(base_url=url)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"base_url": "ftp://x/v1"},
            r"base_url: must be an http\(s\) URL with a host, .* got .ftp://x/v1.",
        ),
        ({"base_url": "http:///v1"}, r"base_url: must be an http\(s\) URL"),
        ({"base_url": "http://127.0.0.1/v1?x=1"}, "base_url: must not carry a query"),
        ({"model": "  "}, "model: must name a model, got '  '"),
        ({"timeout_s": 0}, r"timeout_s: must be in \(0, 600\], got 0"),
        ({"timeout_s": float("nan")}, "timeout_s: must be in"),
        ({"timeout_s": "5"}, "timeout_s: must be a number, got '5'"),
        ({"max_retries": 6}, r"max_retries: must be in \[0, 5\], got 6"),
        ({"max_retries": -1}, "max_retries: must be in"),
        ({"max_retries": 1.5}, "max_retries: must be an integer, got 1.5"),
        ({"max_retries": True}, "max_retries: must be an integer, got True"),
        ({"temperature": 2.5}, r"temperature: must be in \[0, 2\], got 2.5"),
        ({"seed": "7"}, "seed: must be an integer, got '7'"),
        ({"api_key": "${OPENAI_API_KEY}"}, "api_key: environment variable .* was not substituted"),
    ],
)
def test_invalid_values_name_the_field_and_value(kwargs: dict, message: str) -> None:
    kwargs = {"base_url": "http://127.0.0.1:1/v1", **kwargs}
    with pytest.raises(ValueError, match=message):
        OpenAIOptions(**kwargs)


def test_a_key_is_never_sent_over_plain_http_to_another_host() -> None:
    with pytest.raises(ValueError, match=r"base_url: .* would send api_key unencrypted") as info:
        OpenAIOptions(base_url="http://10.0.0.2:8000/v1", api_key=KEY)
    assert KEY not in str(info.value)
    assert OpenAIOptions(base_url="http://127.0.0.1:8000/v1", api_key=KEY).api_key == KEY


def test_key_with_whitespace_is_rejected_without_echoing_it() -> None:
    bad = KEY + " \n"
    with pytest.raises(
        ValueError, match=r"api_key: must not contain whitespace, got \*\*\*"
    ) as info:
        OpenAIOptions(api_key=bad)
    assert KEY not in str(info.value)


def test_repr_masks_the_key() -> None:
    opts = OpenAIOptions(api_key=KEY)
    assert KEY not in repr(opts)
    assert "api_key='***'" in repr(opts)
    assert KEY not in repr(attrs.evolve(opts, model="other"))


@given(
    timeout=st.floats(min_value=0.001, max_value=600),
    retries=st.integers(min_value=0, max_value=5),
    temperature=st.floats(min_value=0, max_value=2),
    seed=st.none() | st.integers(min_value=0, max_value=2**31),
)
def test_every_value_in_range_is_accepted(timeout, retries, temperature, seed) -> None:
    opts = OpenAIOptions(
        base_url="http://127.0.0.1:1/v1",
        timeout_s=timeout,
        max_retries=retries,
        temperature=temperature,
        seed=seed,
    )
    assert (opts.timeout_s, opts.max_retries, opts.temperature, opts.seed) == (
        timeout,
        retries,
        temperature,
        seed,
    )


@given(st.text(alphabet=st.characters(blacklist_categories=["Z", "C"]), min_size=1, max_size=60))
def test_repr_does_not_depend_on_the_key(key: str) -> None:
    assert repr(OpenAIOptions(api_key=key)) == repr(OpenAIOptions(api_key="sk-other"))
