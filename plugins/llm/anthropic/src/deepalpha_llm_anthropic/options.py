"""Options of the ``anthropic`` provider, validated before anything talks to the network.

Kept free of httpx imports: the core imports this module while it lists plugins and validates
configuration. A missing ``api_key`` is accepted here (so ``config show`` and ``plugins list``
work without the environment variable) and refused when the provider is built for use.
"""

from __future__ import annotations

import ipaddress
import math
from urllib.parse import urlsplit

import attrs
from attrs import field, frozen

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MODEL = "claude-haiku-4-5"
#: The wire-format version this provider speaks (sent as the ``anthropic-version`` header).
API_VERSION = "2023-06-01"
MAX_RETRIES_LIMIT = 5
MASK = "***"


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (``localhost``, 127.0.0.0/8 or ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{attribute.name}: must be a string, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{attribute.name}: must be an http(s) URL with a host, such as "
            f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080', got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{attribute.name}: must not carry a query or fragment, got {value!r}")
    if parts.path.rstrip("/").endswith("/v1/messages"):
        raise ValueError(
            f"{attribute.name}: give the server root (the provider adds /v1/messages), "
            f"got {value!r}"
        )


def _check_model(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must name a model, got {value!r}")


def _number(low: float, high: float, *, low_open: bool = False):
    """A validator for a finite number in [low, high] (or (low, high] when ``low_open``)."""

    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{attribute.name}: must be a number, got {value!r}")
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            bounds = f"({low:g}, {high:g}]" if low_open else f"[{low:g}, {high:g}]"
            raise ValueError(f"{attribute.name}: must be in {bounds}, got {value!r}")

    return check


def _integer(low: int, high: int):
    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{attribute.name}: must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{attribute.name}: must be in [{low}, {high}], got {value!r}")

    return check


def _one_of(*choices: str):
    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if value not in choices:
            raise ValueError(
                f"{attribute.name}: must be one of {', '.join(choices)}, got {value!r}"
            )

    return check


def _check_api_key(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValueError(f"{attribute.name}: must be a string, got a {type(value).__name__}")
    if value.startswith("${") and value.endswith("}"):
        # Naming the variable is safe: it is the placeholder, not the secret.
        raise ValueError(f"{attribute.name}: environment variable {value} was not substituted")
    if any(ch.isspace() for ch in value):
        raise ValueError(f"{attribute.name}: must not contain whitespace, got {MASK}")


def _empty_to_none(value: object) -> object:
    """``${ANTHROPIC_API_KEY:-}`` substitutes to ``""`` when unset: treat it as no key."""
    return None if value == "" else value


@frozen
class AnthropicOptions:
    """Which Claude model to ask, with which key, and how patiently.

    ``api_key`` is never shown in ``repr`` or error messages; write it in configuration as
    ``${ANTHROPIC_API_KEY:-}``. ``max_retries`` bounds the retries of one decision after a
    timeout, a lost connection, 408/409/429 or a 5xx (529 ``overloaded_error`` included); each
    waits with exponential backoff (0.5 s doubling, at most ``max_retry_wait_s``) or, when
    ``honour_retry_after`` is on, the server's ``retry-after``. A ``retry-after`` longer than
    ``max_retry_wait_s`` is not waited out: the call fails at once and the engine holds.
    Worst case for one decision: ``(1 + max_retries) * timeout_s`` plus the waits.
    """

    model: str = field(default=DEFAULT_MODEL, validator=_check_model)
    #: ``metadata["secret"]`` tells generic code (``config show``, logs) to mask the value.
    api_key: str | None = field(
        default=None,
        converter=_empty_to_none,
        validator=_check_api_key,
        repr=lambda v: "None" if v is None else repr(MASK),
        metadata={"secret": True},
    )
    base_url: str = field(default=DEFAULT_BASE_URL, validator=_check_base_url)
    #: The answer is a small tool call (~100 tokens); the limit only bounds a runaway rationale.
    max_tokens: int = field(default=1024, validator=_integer(1, 64_000))
    temperature: float = field(default=0.0, validator=_number(0.0, 1.0))
    timeout_s: float = field(default=30.0, validator=_number(0.0, 600.0, low_open=True))
    max_retries: int = field(default=2, validator=_integer(0, MAX_RETRIES_LIMIT))
    honour_retry_after: bool = field(default=True, validator=attrs.validators.instance_of(bool))
    max_retry_wait_s: float = field(default=30.0, validator=_number(0.0, 600.0))
    #: ``tool`` (a forced tool call, every Claude model) or ``json_schema`` (the API's
    #: ``output_config.format``, on models that offer structured outputs).
    output: str = field(default="tool", validator=_one_of("tool", "json_schema"))

    def __attrs_post_init__(self) -> None:
        if (
            self.api_key
            and not is_loopback_url(self.base_url)
            and urlsplit(self.base_url).scheme != "https"
        ):
            raise ValueError(
                f"base_url: {self.base_url!r} is plain http to another host and would send "
                "api_key unencrypted; use https"
            )

    def require_key(self) -> str:
        """The key, or a clear error naming the option and the variable to set."""
        if not self.api_key:
            raise ValueError(
                "api_key: required by the anthropic provider; set ANTHROPIC_API_KEY and write "
                "api_key: ${ANTHROPIC_API_KEY:-} in the config"
            )
        return self.api_key
