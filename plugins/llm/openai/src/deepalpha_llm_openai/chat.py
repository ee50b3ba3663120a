"""One OpenAI-compatible chat-completions endpoint, asked for validated trading decisions.

The request path is httpx -> openai client -> instructor (``Mode.JSON_SCHEMA``) -> pydantic:
the openai client owns the wire format and transport retries, instructor sends the schema as
``response_format`` and re-asks when an answer fails validation, pydantic validates. Other
providers reuse this class by handing it their own httpx transport (the embedded ``smollm``
provider answers in-process), so every provider validates answers the same way.

instructor is handed our own ``create`` (``StructuredChat._create``) rather than the openai
client's, for two things it does not do: with ``strict`` it replaces instructor's
``response_format`` by OpenAI's strict structured-output form (``strict_response_format``), and
it turns a completion whose ``message.refusal`` is set into ``ModelRefusal``, which instructor
does not re-ask (a refusal would otherwise read as an empty answer and be paid for again).

Whatever fails comes out as one ``LLMError`` with a short message naming the endpoint and what
went wrong; the API key is scrubbed from it.

Every answer and every ``LLMError`` carries a ``Usage``: the HTTP attempts of that one ``decide``
(transport retries and re-asks included) and the prompt and completion tokens summed over all of
their responses, measured by ``meter.MeteringTransport`` just above the network.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import instructor
import openai
import pydantic
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer
from instructor.core import IncompleteOutputException, InstructorError

from .answer import TradingDecision
from .meter import MeteringTransport, metering
from .secrets import scrub
from .transport import ScrubbingTransport

#: Longest error message we raise; server error pages can be long HTML documents.
MAX_MESSAGE_CHARS = 300

#: Longest part of a model's refusal quoted in the error message.
MAX_REFUSAL_CHARS = 160

#: How the schema is asked for. ``json_schema`` sends it as ``response_format`` (OpenAI,
#: llama.cpp, Ollama); ``json_object`` sends ``{"type": "json_object"}`` and puts the schema in
#: the system message, for servers with JSON mode only (DeepSeek).
RESPONSE_FORMATS = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json_object": instructor.Mode.JSON,
}

#: The JSON Schema keywords kept in a strict schema: structure, not bounds. OpenAI's strict mode
#: rejects a schema with a keyword it does not support; its documented subset has no string
#: lengths, and fine-tuned models take no numeric bounds either, so bounds (``maxLength``,
#: ``minimum``, ``maximum``...) stay out and pydantic enforces them (``TradingDecision``).
STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "enum",
        "const",
        "items",
        "anyOf",
        "$defs",
        "$ref",
        "description",
    }
)


class ModelRefusal(Exception):
    """The model declined to answer (``choices[0].message.refusal``).

    Raised from the ``create`` instructor calls, so instructor does not re-ask: a refusal is not
    an answer that failed validation, and asking again would be paid for again.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` reduced to what OpenAI's strict structured outputs accept.

    Only ``STRICT_KEYWORDS`` are kept (recursively, in ``properties``, ``items``, ``anyOf`` and
    ``$defs``); every object gets ``additionalProperties: false``. Strict mode also requires
    every property to be listed in ``required``: an optional property is refused here rather
    than silently made required.
    """
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in STRICT_KEYWORDS:
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: strict_schema(sub) for name, sub in value.items()}
        elif key == "items":
            out[key] = strict_schema(value)
        elif key == "anyOf":
            out[key] = [strict_schema(sub) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    if out.get("type") == "object" or "properties" in out:
        missing = sorted(set(out.get("properties", {})) - set(out.get("required", [])))
        if missing:
            raise ValueError(f"strict schema: every property must be required, not {missing}")
        out["additionalProperties"] = False
    return out


def strict_response_format(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The chat-completions ``response_format`` asking for strict structured output."""
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": strict_schema(schema), "strict": True},
    }


class StructuredChat:
    """Asks one model at one endpoint for ``TradingDecision`` answers.

    ``transport`` replaces the network (tests, in-process servers); ``layer`` wraps it in a
    transport of the provider's own that still sits below the meter's view of each attempt
    (DeepSeek's re-send of an empty answer), so every request it sends is counted;
    ``extra_body`` adds server-specific fields to every request (for example a llama.cpp
    ``grammar`` or ``max_tokens``); ``response_format`` is a key of ``RESPONSE_FORMATS``;
    ``strict`` (with ``json_schema`` only) sends OpenAI's strict form of it, ``strict: true``
    and the schema without bounds (``strict_response_format``), so the server constrains the
    answer to the schema instead of treating it as a hint.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 1,
        temperature: float = 0.0,
        seed: int | None = None,
        transport: httpx.BaseTransport | None = None,
        layer: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        label: str = "openai",
        response_format: str = "json_schema",
        strict: bool = False,
    ) -> None:
        if response_format not in RESPONSE_FORMATS:
            raise ValueError(
                f"response_format: must be one of {sorted(RESPONSE_FORMATS)}, "
                f"got {response_format!r}"
            )
        self.base_url = base_url
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.temperature = temperature
        self.seed = seed
        self.label = label
        self.response_format = response_format
        self.strict = strict and response_format == "json_schema"
        self._strict_format = (
            strict_response_format(TradingDecision.__name__, TradingDecision.model_json_schema())
            if self.strict
            else None
        )
        self._api_key = api_key or ""
        self._extra_body = dict(extra_body or {})
        # An explicit transport also stops httpx from applying proxy variables from the
        # environment, so a loopback server is always reached directly.
        inner: httpx.BaseTransport = MeteringTransport(
            transport if transport is not None else httpx.HTTPTransport()
        )
        if layer is not None:
            inner = layer(inner)
        self._http = httpx.Client(
            transport=ScrubbingTransport(inner, self._api_key),
            timeout=httpx.Timeout(timeout_s),
        )
        self._openai = openai.OpenAI(
            base_url=base_url,
            # Always a string: given None, the openai client would read OPENAI_API_KEY from the
            # environment and could send the user's OpenAI key to some other server.
            api_key=self._api_key,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=self._http,
            **_no_credentials_check(self._api_key),
        )
        mode = RESPONSE_FORMATS[response_format]
        self._client = instructor.Instructor(
            client=self._openai, create=instructor.patch(create=self._create, mode=mode), mode=mode
        )

    def __repr__(self) -> str:
        return f"StructuredChat(base_url={self.base_url!r}, model={self.model!r})"

    def params(self) -> dict[str, Any]:
        """The request fields that change the answer (see ``generation_params``)."""
        return generation_params(
            temperature=self.temperature,
            seed=self.seed,
            response_format=self.response_format,
            extra_body=self._extra_body,
        )

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        """Send ``system`` and ``prompt`` as one chat turn; return the validated answer.

        The answer's ``usage`` counts every attempt of this call and its ``raw`` is the text the
        model sent last (the JSON that validated); an ``LLMError`` carries the ``usage`` and the
        last response's ``retry-after`` in seconds.
        """
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            "response_model": TradingDecision,
            "max_retries": self.max_retries,
            "temperature": self.temperature,
        }
        if self.seed is not None:
            request["seed"] = self.seed
        if self._extra_body:
            request["extra_body"] = self._extra_body
        if not self._api_key:
            request["extra_headers"] = {"Authorization": openai.Omit()}
        with metering() as meter:
            try:
                decision = self._client.chat.completions.create(**request)
            except Exception as exc:  # every failure of the call becomes one LLMError
                raise LLMError(
                    self._message(exc), usage=meter.usage(), retry_after=meter.retry_after
                ) from exc
        if not isinstance(decision, TradingDecision):  # pragma: no cover - instructor contract
            raise LLMError(
                self._message(TypeError(f"unexpected {type(decision).__name__}")),
                usage=meter.usage(),
            )
        raw = scrub(meter.content, self._api_key) if meter.content is not None else None
        return decision.to_answer(usage=meter.usage(), raw=raw)

    def _create(self, **kwargs: Any) -> Any:
        """The openai client's ``chat.completions.create`` as instructor calls it (every
        attempt and re-ask), with the strict ``response_format`` and refusals checked."""
        if self._strict_format is not None and "response_format" in kwargs:
            kwargs["response_format"] = self._strict_format
        completion = self._openai.chat.completions.create(**kwargs)
        refusal = _refusal(completion)
        if refusal is not None:
            raise ModelRefusal(refusal)
        return completion

    def close(self) -> None:
        self._openai.close()
        self._http.close()

    def _message(self, exc: BaseException) -> str:
        text = f"{self.label} ({self.model} at {self.base_url}): {describe(exc, self.timeout_s)}"
        text = scrub(text, self._api_key)
        return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def generation_params(
    *,
    temperature: float,
    seed: int | None,
    response_format: str,
    extra_body: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a recorded answer depends on besides provider, model and prompt: the sampling
    temperature, the seed (when one is sent), how the schema is asked for, and any extra request
    fields (``max_tokens``...). Endpoint, key, timeouts and retry counts are left out: they
    change whether an answer comes, not which."""
    params: dict[str, Any] = {**dict(extra_body or {})}
    params["temperature"] = float(temperature)
    params["response_format"] = response_format
    if seed is not None:
        params["seed"] = seed
    return params


def _refusal(completion: Any) -> str | None:
    """The first choice's ``message.refusal`` when it is a non-empty string, else ``None``."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    refusal = getattr(getattr(choices[0], "message", None), "refusal", None)
    return refusal if isinstance(refusal, str) and refusal.strip() else None


def _no_credentials_check(api_key: str) -> dict[str, Any]:
    """Lets a keyless client talk to a local server, sending no ``Authorization`` at all.

    Recent openai clients refuse to start without a key unless told so by a private switch, and
    refuse to send a request unless the header is explicitly omitted (``decide`` does that per
    request); older ones accept an empty key as is. A placeholder key is not an option: it would
    be sent.
    """
    if api_key:
        return {}
    if "_enforce_credentials" in inspect.signature(openai.OpenAI.__init__).parameters:
        return {"_enforce_credentials": False}
    return {}


def describe(exc: BaseException, timeout_s: float) -> str:
    """A short, specific account of why a call failed, from the innermost useful cause."""
    attempts = getattr(exc, "n_attempts", None)
    cause = _root(exc)
    suffix = f" (after {attempts} attempts)" if isinstance(attempts, int) and attempts > 1 else ""
    if isinstance(cause, openai.APITimeoutError | httpx.TimeoutException):
        return f"no answer within timeout_s={timeout_s:g}{suffix}"
    if isinstance(cause, openai.APIStatusError):
        return f"HTTP {cause.status_code}: {_error_text(cause.response)}{suffix}"
    if isinstance(cause, openai.APIConnectionError | httpx.TransportError):
        inner = cause.__cause__ or cause
        return f"cannot reach the server: {inner}{suffix}"
    if isinstance(cause, ModelRefusal):
        text = " ".join(cause.text.split())
        if len(text) > MAX_REFUSAL_CHARS:
            text = text[: MAX_REFUSAL_CHARS - 3] + "..."
        return f"the model refused: {text}"
    if isinstance(cause, IncompleteOutputException):
        return "the answer was cut off by the token limit before the JSON ended"
    if isinstance(cause, json.JSONDecodeError):
        return f"the answer is not valid JSON ({cause.msg}){suffix}"
    if isinstance(cause, pydantic.ValidationError):
        problems = cause.errors(include_url=False, include_input=False)
        broken = [p["msg"] for p in problems if p["type"] == "json_invalid"]
        if broken and _empty_answer(cause):
            return f"the answer was empty{suffix}"
        if broken:
            return f"the answer is not valid JSON ({broken[0]}){suffix}"
        return f"the answer does not match the decision schema: {_summary(problems)}{suffix}"
    return f"{type(cause).__name__}: {cause}{suffix}"


def _empty_answer(exc: pydantic.ValidationError) -> bool:
    """True when the model sent no text at all (DeepSeek's JSON mode sometimes does)."""
    for problem in exc.errors(include_url=False):
        text = problem.get("input")
        if problem["type"] == "json_invalid" and isinstance(text, str) and not text.strip():
            return True
    return False


def _root(exc: BaseException) -> BaseException:
    """Skip instructor's wrapper exceptions to reach what actually went wrong."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nxt = exc.__cause__
        if nxt is None or not isinstance(exc, InstructorError):
            return exc
        exc = nxt
    return exc


def _summary(problems: list[Any]) -> str:
    """The first few problems as ``field: message``, the way pydantic words them."""
    shown = []
    for item in problems[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "answer"
        shown.append(f"{where}: {item['msg']}")
    return "; ".join(shown)


def _error_text(response: httpx.Response) -> str:
    """The server's own error message when it sent one in the usual ``{"error": ...}`` body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error", body.get("message"))
        if isinstance(err, dict):
            err = err.get("message")
        if isinstance(err, str) and err.strip():
            return err.strip()
    text = " ".join(response.text.split())
    return text[:120] or response.reason_phrase or "empty body"
