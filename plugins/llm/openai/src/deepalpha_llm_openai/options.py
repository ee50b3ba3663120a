"""Options of the ``openai`` provider, validated before anything talks to the network.

Kept free of httpx, openai and instructor imports: the core imports this module while it lists
plugins and validates configuration, and both must stay fast and work without a model server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from attrs import field, frozen
from deepalpha import validators as check
from deepalpha.validators import is_loopback_url

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


check_base_url = check.http_url(f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080/v1'")


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
    model: str = field(default=DEFAULT_MODEL, validator=check.model_name)
    #: ``metadata["secret"]`` tells generic code (``config show``, logs) to mask the value.
    api_key: str | None = field(
        default=None,
        validator=check.api_key,
        repr=lambda v: "None" if v is None else "'***'",
        metadata={"secret": True},
    )
    timeout_s: float = field(default=30.0, validator=check.number(0.0, 600.0, low_open=True))
    max_retries: int = field(default=1, validator=check.integer(0, MAX_RETRIES_LIMIT))
    temperature: float = field(default=0.0, validator=check.number(0.0, 2.0))
    #: Sent only when set; servers that honour it make answers repeatable (llama.cpp, OpenAI
    #: best-effort), which matters because the core replays recorded answers by prompt.
    seed: int | None = field(default=None, validator=check.integer(optional=True))
    response_format: str = field(default="json_schema", validator=check.one_of(*RESPONSE_FORMATS))

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
