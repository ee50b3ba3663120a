"""Options of the ``deepseek`` provider, validated before anything talks to the network.

Import-light like the openai plugin's options (no httpx, openai or instructor): the core imports
this module while it lists plugins and validates configuration. The field checks are the core's
(``deepalpha.validators``), so every provider words its errors the same way.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from attrs import field, frozen
from deepalpha import validators as check
from deepalpha.validators import is_loopback_url

#: DeepSeek's own endpoint (the openai client appends ``/chat/completions``).
DEFAULT_BASE_URL = "https://api.deepseek.com"
DEFAULT_MODEL = "deepseek-chat"
MAX_RETRIES_LIMIT = 5
MAX_EMPTY_RETRIES = 5

EXAMPLE_URLS = f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080/v1'"


@frozen
class DeepSeekOptions:
    """Where to send the prompt and how to ask.

    ``api_key`` is required unless ``base_url`` is a loopback address (tests, a local proxy); it
    is never shown in ``repr`` or error messages. Write it as ``${DEEPSEEK_API_KEY:-}`` in the
    configuration so the file holds no secret. ``max_retries`` bounds transport retries (429
    honouring ``retry-after``, 5xx, timeouts) and re-asks after an invalid answer;
    ``empty_retries`` bounds how often an empty or whitespace-only answer (which DeepSeek's JSON
    mode documents it may return) is asked again before the call fails. The worst case is
    ``(1 + max_retries) * (1 + empty_retries)`` requests per decision.
    """

    base_url: str = field(default=DEFAULT_BASE_URL, validator=check.http_url(EXAMPLE_URLS))
    model: str = field(default=DEFAULT_MODEL, validator=check.model_name)
    api_key: str | None = field(
        default=None,
        validator=check.api_key,
        repr=lambda v: "None" if v is None else "'***'",
        metadata={"secret": True},
    )
    timeout_s: float = field(default=60.0, validator=check.number(0.0, 600.0, low_open=True))
    max_retries: int = field(default=1, validator=check.integer(0, MAX_RETRIES_LIMIT))
    empty_retries: int = field(default=2, validator=check.integer(0, MAX_EMPTY_RETRIES))
    temperature: float = field(default=0.0, validator=check.number(0.0, 2.0))

    def __attrs_post_init__(self) -> None:
        key = self.api_key or ""
        loopback = is_loopback_url(self.base_url)
        if not key and not loopback:
            raise ValueError(
                f"api_key: required for base_url {self.base_url!r} (write "
                "api_key: ${DEEPSEEK_API_KEY:-} in the config and set the variable)"
            )
        if key and not loopback and urlsplit(self.base_url).scheme != "https":
            raise ValueError(
                f"base_url: {self.base_url!r} is plain http to another host and would send "
                "api_key unencrypted; use https"
            )
