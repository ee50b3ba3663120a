"""Options are checked before any request, with one-line messages naming the field."""

from __future__ import annotations

import pytest
from deepalpha_llm_ollama.options import OllamaOptions
from deepalpha_llm_openai.testing import SECRET


def test_defaults_point_at_a_local_ollama_without_a_key() -> None:
    opts = OllamaOptions()
    assert (opts.base_url, opts.api_key, opts.seed) == ("http://localhost:11434/v1/", None, None)


def test_a_server_on_the_lan_needs_no_key() -> None:
    assert OllamaOptions(base_url="http://192.168.1.20:11434/v1").api_key is None


def test_key_over_plain_http_to_another_host_is_refused() -> None:
    with pytest.raises(ValueError, match=r"base_url: .* plain http") as info:
        OllamaOptions(base_url="http://192.168.1.20:11434/v1", api_key=SECRET)
    assert SECRET not in str(info.value)
    assert OllamaOptions(base_url="https://gpu.example.invalid/v1", api_key=SECRET).api_key


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"base_url": "localhost:11434"}, "base_url: must be an http(s) URL with a host"),
        ({"model": ""}, "model: must name a model"),
        ({"timeout_s": -1}, "timeout_s: must be in (0, 600], got -1"),
        ({"max_retries": 6}, "max_retries: must be in [0, 5], got 6"),
        ({"temperature": "hot"}, "temperature: must be a number, got 'hot'"),
        ({"seed": 1.5}, "seed: must be an integer, got 1.5"),
        ({"api_key": "${OLLAMA_API_KEY}"}, "environment variable ${OLLAMA_API_KEY} was not"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        OllamaOptions(**overrides)
    assert message in str(info.value)


def test_key_is_masked_in_repr() -> None:
    text = repr(OllamaOptions(api_key=SECRET))
    assert SECRET not in text and "api_key='***'" in text
