"""Options of the ``anthropic`` provider, validated before anything talks to the network.

Kept free of httpx imports: the core imports this module while it lists plugins and validates
configuration. A missing ``api_key`` is accepted here (so ``config show`` and ``plugins list``
work without the environment variable) and refused when the provider is built for use.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs
from attrs import field, frozen
from deepalpha import validators as check
from deepalpha.validators import MASK, is_loopback_url

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MODEL = "claude-haiku-4-5"
#: The wire-format version this provider speaks (sent as the ``anthropic-version`` header).
API_VERSION = "2023-06-01"
MAX_RETRIES_LIMIT = 5


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

    model: str = field(default=DEFAULT_MODEL, validator=check.model_name)
    #: ``metadata["secret"]`` tells generic code (``config show``, logs) to mask the value.
    api_key: str | None = field(
        default=None,
        converter=_empty_to_none,
        validator=check.api_key,
        repr=lambda v: "None" if v is None else repr(MASK),
        metadata={"secret": True},
    )
    base_url: str = field(
        default=DEFAULT_BASE_URL,
        validator=check.http_url(
            f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080'", root_of="/v1/messages"
        ),
    )
    #: The answer is a small tool call (~100 tokens); the limit only bounds a runaway rationale.
    max_tokens: int = field(default=1024, validator=check.integer(1, 64_000))
    temperature: float = field(default=0.0, validator=check.number(0.0, 1.0))
    timeout_s: float = field(default=30.0, validator=check.number(0.0, 600.0, low_open=True))
    max_retries: int = field(default=2, validator=check.integer(0, MAX_RETRIES_LIMIT))
    honour_retry_after: bool = field(default=True, validator=attrs.validators.instance_of(bool))
    max_retry_wait_s: float = field(default=30.0, validator=check.number(0.0, 600.0))
    #: ``tool`` (a forced tool call, every Claude model) or ``json_schema`` (the API's
    #: ``output_config.format``, on models that offer structured outputs).
    output: str = field(default="tool", validator=check.one_of("tool", "json_schema"))

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
