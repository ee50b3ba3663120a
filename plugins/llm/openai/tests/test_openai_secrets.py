"""The key is scrubbed from response bodies before the openai client or instructor see them."""

from __future__ import annotations

import gzip

import attrs
import httpx
from deepalpha_llm_openai.options import OpenAIOptions
from deepalpha_llm_openai.secrets import MASK, scrub
from deepalpha_llm_openai.transport import ScrubbingTransport
from hypothesis import given
from hypothesis import strategies as st

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_", min_size=8, max_size=64)
texts = st.text(max_size=200)


def through(secret: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    inner = httpx.MockTransport(lambda request: httpx.Response(401, content=body, headers=headers))
    with httpx.Client(transport=ScrubbingTransport(inner, secret)) as client:
        return client.post("http://127.0.0.1:1/v1/chat/completions")


@given(secret=keys, before=texts, after=texts, repeats=st.integers(1, 3))
def test_no_response_body_carries_the_key(
    secret: str, before: str, after: str, repeats: int
) -> None:
    body = (before + (secret + after) * repeats).encode()
    response = through(secret, body)
    assert secret not in response.text
    assert response.content == body.replace(secret.encode(), MASK.encode())
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.status_code == 401


@given(secret=keys, text=texts)
def test_compressed_bodies_are_scrubbed_too(secret: str, text: str) -> None:
    body = gzip.compress(f'{{"error": "bad key {secret}"}}{text}'.encode())
    response = through(secret, body, {"content-encoding": "gzip"})
    assert secret not in response.text
    assert response.text.startswith('{"error": "bad key ***"}')


def test_without_a_key_the_body_is_untouched() -> None:
    assert through("", b"anything sk-123").content == b"anything sk-123"


@given(secret=keys, text=texts)
def test_scrub_removes_every_occurrence(secret: str, text: str) -> None:
    assert secret not in scrub(f"{text}{secret}{text}{secret}", secret)


def test_the_key_field_is_marked_secret_for_generic_masking() -> None:
    marked = [f.name for f in attrs.fields(OpenAIOptions) if f.metadata.get("secret")]
    assert marked == ["api_key"]
