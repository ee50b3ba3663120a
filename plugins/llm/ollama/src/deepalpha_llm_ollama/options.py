"""Options of the ``ollama`` provider, validated before anything talks to the network.

Import-light (no httpx, openai or instructor): the core imports this module while it lists
plugins and validates configuration. The field checks are the core's (``deepalpha.validators``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from attrs import field, frozen
from deepalpha import validators as check
from deepalpha.validators import is_loopback_url

#: Ollama's OpenAI-compatible endpoint on this machine; llama.cpp's ``llama-server`` listens on
#: ``http://127.0.0.1:8080/v1`` and vLLM on ``http://127.0.0.1:8000/v1``.
DEFAULT_BASE_URL = "http://localhost:11434/v1/"
DEFAULT_MODEL = "llama3.2"
MAX_RETRIES_LIMIT = 5

EXAMPLE_URLS = f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080/v1'"


@frozen
class OllamaOptions:
    """Which local (or LAN) server and model to ask.

    ``api_key`` is optional everywhere: Ollama ignores it, and a keyless request sends no
    ``Authorization`` header at all. A key that is set is masked in ``repr`` and errors and is
    refused over plain ``http`` to a non-loopback host. Local models are slow on a busy machine,
    hence the longer default ``timeout_s``.
    """

    base_url: str = field(default=DEFAULT_BASE_URL, validator=check.http_url(EXAMPLE_URLS))
    model: str = field(default=DEFAULT_MODEL, validator=check.model_name)
    api_key: str | None = field(
        default=None,
        validator=check.api_key,
        repr=lambda v: "None" if v is None else "'***'",
        metadata={"secret": True},
    )
    timeout_s: float = field(default=120.0, validator=check.number(0.0, 600.0, low_open=True))
    max_retries: int = field(default=1, validator=check.integer(0, MAX_RETRIES_LIMIT))
    temperature: float = field(default=0.0, validator=check.number(0.0, 2.0))
    #: Sent only when set; Ollama and llama.cpp honour it, which makes answers repeatable.
    seed: int | None = field(default=None, validator=check.integer(optional=True))

    def __attrs_post_init__(self) -> None:
        if (
            self.api_key
            and not is_loopback_url(self.base_url)
            and urlsplit(self.base_url).scheme != "https"
        ):
            raise ValueError(
                f"base_url: {self.base_url!r} is plain http to another host and would send "
                "api_key unencrypted; use https or leave api_key unset"
            )
