"""Options of the ``openai`` provider, validated before anything talks to the network.

Kept free of httpx, openai and instructor imports: the core imports this module while it lists
plugins and validates configuration, and both must stay fast and work without a model server.
"""

from __future__ import annotations

import ipaddress
import math
from urllib.parse import urlsplit

import attrs
from attrs import field, frozen

from .secrets import mask

#: OpenAI's own API; any OpenAI-compatible server (DeepSeek, vLLM, llama.cpp, Ollama...) is
#: reached by changing ``base_url``.
DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
MAX_RETRIES_LIMIT = 5

#: How the decision schema is asked for (``response_format``): ``json_schema`` is OpenAI's strict
#: structured output; ``json_object`` is JSON mode, for models without structured outputs, with
#: the schema described in the system message. Kept here, not in ``chat``, so that validating
#: configuration imports no instructor.
RESPONSE_FORMATS = ("json_schema", "json_object")


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (``localhost``, 127.0.0.0/8 or ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(_instance: object, attribute: attrs.Attribute, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{attribute.name}: must be an http(s) URL with a host, such as "
            f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080/v1', got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{attribute.name}: must not carry a query or fragment, got {value!r}")


def check_model(_instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name}: must name a model, got {value!r}")


def in_range(low: float, high: float, *, low_open: bool = False):
    """A validator for a finite number in [low, high] (or (low, high] when ``low_open``)."""

    def check(_instance: object, attribute: attrs.Attribute, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{attribute.name}: must be a number, got {value!r}")
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            bounds = f"({low}, {high}]" if low_open else f"[{low}, {high}]"
            raise ValueError(f"{attribute.name}: must be in {bounds}, got {value!r}")

    return check


def check_int(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{attribute.name}: must be an integer, got {value!r}")


def check_response_format(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in RESPONSE_FORMATS:
        raise ValueError(
            f"{attribute.name}: must be one of {', '.join(RESPONSE_FORMATS)}, got {value!r}"
        )


def check_api_key(_instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValueError(f"{attribute.name}: must be a string, got a {type(value).__name__}")
    if value.startswith("${") and value.endswith("}"):
        # Naming the variable is safe: it is the placeholder, not the secret.
        raise ValueError(f"{attribute.name}: environment variable {value} was not substituted")
    if any(ch.isspace() for ch in value):
        raise ValueError(f"{attribute.name}: must not contain whitespace, got {mask(value)}")


@frozen
class OpenAIOptions:
    """Where to send the prompt and how to ask.

    ``api_key`` is required unless ``base_url`` is a loopback address (a local llama.cpp, vLLM
    or Ollama server usually has none); it is never shown in ``repr`` or error messages. Write it
    in configuration as ``${OPENAI_API_KEY}`` so the file itself holds no secret.
    ``max_retries`` bounds both the transport retries (timeouts, 429 and 5xx, with backoff) and
    the re-asks after an answer that fails validation; the worst-case wait of one decision is
    therefore about ``(1 + max_retries) * timeout_s`` plus backoff.
    ``response_format`` is ``json_schema`` (strict structured output: the server constrains the
    answer to the schema) or ``json_object`` (JSON mode, the schema in the system message) for
    models without structured outputs.
    """

    base_url: str = field(default=DEFAULT_BASE_URL, validator=check_base_url)
    model: str = field(default=DEFAULT_MODEL, validator=check_model)
    #: ``metadata["secret"]`` tells generic code (``config show``, logs) to mask the value.
    api_key: str | None = field(
        default=None,
        validator=check_api_key,
        repr=lambda v: "None" if v is None else "'***'",
        metadata={"secret": True},
    )
    timeout_s: float = field(default=30.0, validator=in_range(0.0, 600.0, low_open=True))
    max_retries: int = field(default=1, validator=[check_int, in_range(0, MAX_RETRIES_LIMIT)])
    temperature: float = field(default=0.0, validator=in_range(0.0, 2.0))
    #: Sent only when set; servers that honour it make answers repeatable (llama.cpp, OpenAI
    #: best-effort), which matters because the core replays recorded answers by prompt.
    seed: int | None = field(default=None, validator=check_int)
    response_format: str = field(default="json_schema", validator=check_response_format)

    def __attrs_post_init__(self) -> None:
        key = self.api_key or ""
        loopback = is_loopback_url(self.base_url)
        if not key and not loopback:
            raise ValueError(
                f"api_key: required for base_url {self.base_url!r} (write "
                "api_key: ${OPENAI_API_KEY} in the config); only loopback servers may go without"
            )
        if key and not loopback and urlsplit(self.base_url).scheme != "https":
            raise ValueError(
                f"base_url: {self.base_url!r} is plain http to another host and would send "
                "api_key unencrypted; use https"
            )
