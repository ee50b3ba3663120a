"""The shared option validators word each refusal one way, naming the field."""

from __future__ import annotations

import attrs
import pytest
from deepalpha import validators as check


@attrs.frozen
class Opts:
    t: float = attrs.field(default=1.0, validator=check.number(0.0, 600.0, low_open=True))
    n: int = attrs.field(default=1, validator=check.integer(0, 5))
    seed: int | None = attrs.field(default=None, validator=check.integer(optional=True))
    mode: str = attrs.field(default="a", validator=check.one_of("a", "b"))
    url: str = attrs.field(
        default="https://x.org", validator=check.http_url("'https://x.org'", root_of="/v1/m")
    )
    key: str | None = attrs.field(default=None, validator=check.api_key)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t": 0}, "t: must be in (0, 600], got 0"),
        ({"t": float("nan")}, "t: must be in (0, 600], got nan"),
        ({"t": True}, "t: must be a number, got True"),
        ({"n": 6}, "n: must be in [0, 5], got 6"),
        ({"n": 1.0}, "n: must be an integer, got 1.0"),
        ({"seed": "7"}, "seed: must be an integer, got '7'"),
        ({"mode": "c"}, "mode: must be one of a, b, got 'c'"),
        ({"url": "ftp://x"}, "url: must be an http(s) URL with a host, such as 'https://x.org'"),
        ({"url": "https://x.org/?q=1"}, "url: must not carry a query or fragment"),
        ({"url": "https://x.org/v1/m"}, "url: give the server root (the provider adds /v1/m)"),
        ({"key": "${KEY}"}, "key: environment variable ${KEY} was not substituted"),
        ({"key": "sk secret"}, "key: must not contain whitespace, got ***"),
    ],
)
def test_each_refusal_names_the_field_and_the_problem(kwargs, message) -> None:
    with pytest.raises(ValueError) as err:
        Opts(**kwargs)
    assert str(err.value).startswith(message)
    assert "secret" not in str(err.value)


def test_loopback_urls() -> None:
    for url in ("http://localhost:1/v1", "http://127.0.0.5", "http://[::1]:80"):
        assert check.is_loopback_url(url)
    assert not check.is_loopback_url("https://api.openai.com/v1")
    assert Opts(seed=None).seed is None and Opts(seed=3).seed == 3
