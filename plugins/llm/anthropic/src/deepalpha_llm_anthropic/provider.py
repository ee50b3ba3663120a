"""The ``anthropic`` LLM provider: the Messages API over httpx, with bounded retries.

httpx directly rather than the official SDK: the wire format we need is one request and one
response shape, and owning it lets us (a) honour ``retry-after`` with our own bound instead of the
SDK's fixed policy, (b) count every attempt (a retry is a paid call when it reaches the model),
(c) keep the key out of every message, and (d) import nothing beyond httpx, which the core
already pins. The tests validate the loopback server's payloads with the SDK's own types, so
the wire format is checked against the official definition.

Every failure comes out as one ``LLMError`` with a short message naming the model, the endpoint
and what went wrong; the engine then holds. Answers and errors carry a ``Usage``: the attempts of
that ``decide`` that reached the server (responses, and requests sent but never answered) and
the input and output tokens summed over every response.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx
from attrs import field, frozen
from deepalpha.errors import LLMError
from deepalpha.llm import DECISION_SCHEMA, LLMAnswer, LLMProvider, Usage

from .answer import InvalidAnswer, parse_decision
from .options import API_VERSION, MASK, AnthropicOptions

TOOL_NAME = "record_trading_decision"
TOOL_DESCRIPTION = (
    "Record the trading decision for this symbol: action (buy, sell or hold), confidence in "
    "[0, 1] and a one-sentence rationale."
)


def _output_schema() -> dict[str, Any]:
    """``DECISION_SCHEMA`` for ``output_config.format``: structured outputs do not accept numeric
    and length bounds, so (as the SDK's ``transform_schema`` does) they move into each property's
    description; ``parse_decision`` enforces them on the answer anyway."""
    schema = copy.deepcopy(DECISION_SCHEMA)
    for prop in schema["properties"].values():
        bounds = {
            k: prop.pop(k) for k in ("minimum", "maximum", "minLength", "maxLength") if k in prop
        }
        if bounds:
            prop["description"] = "{" + ", ".join(f"{k}: {v}" for k, v in bounds.items()) + "}"
    return schema


OUTPUT_SCHEMA = _output_schema()
#: Statuses worth another attempt (the SDK's list): timeout, conflict, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 409, 429})
BACKOFF_START_S = 0.5
MAX_MESSAGE_CHARS = 300
#: Transport failures that never reached the server: not paid for, not counted in ``Usage``.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@frozen
class CallInfo:
    """What the last ``decide`` cost and saw: for accounting, budgets and rate limiting.

    ``attempts`` counts every try, connection failures included; ``input_tokens`` and
    ``output_tokens`` are summed over every response of that ``decide``.
    """

    attempts: int
    status: int | None
    stop_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    request_id: str | None = None
    #: ``anthropic-ratelimit-*`` headers of the last response, names without the prefix.
    rate_limits: Mapping[str, str] = field(factory=dict)


class AnthropicProvider(LLMProvider):
    """Claude through the Messages API; the decision is a forced call of one tool.

    ``transport`` replaces the network and ``sleep`` the backoff wait (tests).
    """

    name = "anthropic"

    def __init__(
        self,
        options: AnthropicOptions | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options if options is not None else AnthropicOptions()
        self._key = self.options.require_key()  # fail at build time, not at the first bar
        self.model = self.options.model
        self.url = self.options.base_url.rstrip("/") + "/v1/messages"
        self._sleep = sleep
        self._transport = transport
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        #: Every HTTP attempt since construction, retries included.
        self.attempts = 0
        self.last_call: CallInfo | None = None

    def __repr__(self) -> str:
        return f"AnthropicProvider({self.options!r})"

    def request_body(self, system: str, prompt: str) -> dict[str, Any]:
        opts = self.options
        body: dict[str, Any] = {
            "model": opts.model,
            "max_tokens": opts.max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": opts.temperature,
        }
        if opts.output == "json_schema":
            body["output_config"] = {"format": {"type": "json_schema", "schema": OUTPUT_SCHEMA}}
        else:
            body["tools"] = [
                {
                    "name": TOOL_NAME,
                    "description": TOOL_DESCRIPTION,
                    "input_schema": DECISION_SCHEMA,
                }
            ]
            body["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        return body

    def params(self) -> dict[str, object]:
        """Temperature, ``max_tokens`` and the output mode (``tool`` or ``json_schema``); never
        the key, endpoint, timeouts or retry policy, which change whether an answer comes, not
        which."""
        opts = self.options
        return {
            "temperature": float(opts.temperature),
            "max_tokens": opts.max_tokens,
            "output": opts.output,
        }

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        """The decision; its ``usage`` sums every attempt of this call and ``raw`` is the tool
        input (or the JSON text) the model sent. An ``LLMError`` carries the ``usage`` too, and
        the last response's ``retry-after`` in seconds."""
        body = json.dumps(self.request_body(system, prompt)).encode()
        headers = {
            "x-api-key": self._key,
            "anthropic-version": API_VERSION,
            "content-type": "application/json",
            "accept": "application/json",
        }
        opts = self.options
        spend = _Spend()  # local to this call: concurrent decides never share it
        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self.attempts += 1
            try:
                response = self._client().post(self.url, content=body, headers=headers)
                status, text = response.status_code, response.text
            except httpx.TimeoutException as exc:
                spend.unanswered(exc)
                reason = f"no answer within timeout_s={opts.timeout_s:g}"
                wait = self._backoff(attempt, None)
                if attempt > opts.max_retries:
                    self._record(attempt, None, None, spend)
                    raise self._error(reason, attempt, spend) from exc
                self._sleep(wait)
                continue
            except httpx.TransportError as exc:
                spend.unanswered(exc)
                if attempt > opts.max_retries:
                    self._record(attempt, None, None, spend)
                    raise self._error(f"cannot reach the server: {exc}", attempt, spend) from exc
                self._sleep(self._backoff(attempt, None))
                continue
            spend.response(response)
            if status == 200:
                return self._answer(response, text, attempt, spend)
            self._record(attempt, status, response, spend)
            reason = f"HTTP {status} {_error_text(text, response)}"
            if not (status in RETRY_STATUSES or status >= 500) or attempt > opts.max_retries:
                raise self._error(reason, attempt, spend)
            wait = self._backoff(attempt, response)
            if wait > opts.max_retry_wait_s:
                raise self._error(
                    f"{reason}; retry-after {wait:g}s exceeds max_retry_wait_s="
                    f"{opts.max_retry_wait_s:g}",
                    attempt,
                    spend,
                )
            self._sleep(wait)

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    # -- internals ---------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                # An explicit transport also keeps proxy variables from the environment out.
                self._http = httpx.Client(
                    transport=self._transport or httpx.HTTPTransport(),
                    timeout=httpx.Timeout(self.options.timeout_s),
                )
            return self._http

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        """The server's ``retry-after`` when honoured and given, else exponential backoff."""
        opts = self.options
        if response is not None and opts.honour_retry_after:
            hinted = _retry_after_s(response.headers)
            if hinted is not None:
                return hinted
        return min(BACKOFF_START_S * 2 ** (attempt - 1), opts.max_retry_wait_s)

    def _answer(
        self, response: httpx.Response, text: str, attempt: int, spend: _Spend
    ) -> LLMAnswer:
        try:
            message = json.loads(text)
        except ValueError as exc:
            self._record(attempt, 200, response, spend)
            raise self._error(f"the response is not valid JSON ({exc})", attempt, spend) from exc
        if not isinstance(message, dict) or message.get("type") != "message":
            self._record(attempt, 200, response, spend)
            raise self._error("the response is not a Messages API message", attempt, spend)
        spend.tokens(message.get("usage"))
        stop = message.get("stop_reason")
        self._record(attempt, 200, response, spend, stop)
        if stop == "max_tokens":
            raise self._error(
                f"stop_reason max_tokens: the answer was cut off at max_tokens="
                f"{self.options.max_tokens}",
                attempt,
                spend,
            )
        if stop == "refusal":
            raise self._error("stop_reason refusal: the model refused to answer", attempt, spend)
        if stop not in ("tool_use", "end_turn"):
            raise self._error(f"unexpected stop_reason {stop!r}", attempt, spend)
        content = message.get("content")
        if self.options.output == "json_schema":
            return self._json_answer(content, stop, attempt, spend)
        blocks = [
            b
            for b in (content if isinstance(content, list) else [])
            if isinstance(b, dict) and b.get("type") == "tool_use" and b.get("name") == TOOL_NAME
        ]
        if not blocks:
            raise self._error(
                f"no tool_use block for {TOOL_NAME} (stop_reason {stop})", attempt, spend
            )
        tool_input = blocks[0].get("input")
        try:
            answer = parse_decision(tool_input)
        except InvalidAnswer as exc:
            raise self._error(
                f"the answer does not match the decision schema: {exc}", attempt, spend
            ) from exc
        raw = json.dumps(tool_input, ensure_ascii=False)
        return attrs.evolve(answer, usage=spend.usage(), raw=raw)

    def _json_answer(self, content: object, stop: object, attempt: int, spend: _Spend) -> LLMAnswer:
        """The answer of ``output: json_schema``: JSON in the message's text blocks."""
        texts = [
            b.get("text")
            for b in (content if isinstance(content, list) else [])
            if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
        ]
        if not texts:
            raise self._error(
                f"no text block with the JSON answer (stop_reason {stop})", attempt, spend
            )
        raw = "".join(texts)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise self._error(f"the answer is not valid JSON ({exc})", attempt, spend) from exc
        try:
            answer = parse_decision(data)
        except InvalidAnswer as exc:
            raise self._error(
                f"the answer does not match the decision schema: {exc}", attempt, spend
            ) from exc
        return attrs.evolve(answer, usage=spend.usage(), raw=raw)

    def _record(
        self,
        attempt: int,
        status: int | None,
        response: httpx.Response | None,
        spend: _Spend,
        stop: object = None,
    ) -> None:
        headers = response.headers if response is not None else {}
        prefix = "anthropic-ratelimit-"
        self.last_call = CallInfo(
            attempts=attempt,
            status=status,
            stop_reason=stop if isinstance(stop, str) else None,
            input_tokens=spend.input_tokens,
            output_tokens=spend.output_tokens,
            request_id=headers.get("request-id"),
            rate_limits={
                k[len(prefix) :]: v for k, v in headers.items() if k.lower().startswith(prefix)
            },
        )

    def _error(self, reason: str, attempt: int, spend: _Spend) -> LLMError:
        suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
        text = f"anthropic ({self.model} at {self.url}): {reason}{suffix}"
        text = " ".join(text.replace(self._key, MASK).split())
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 3] + "..."
        return LLMError(text, usage=spend.usage(), retry_after=spend.retry_after)


@attrs.define
class _Spend:
    """What one ``decide`` has spent so far: attempts that reached the server, tokens, and the
    last response's ``retry-after``."""

    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    retry_after: float | None = None

    def unanswered(self, exc: httpx.TransportError) -> None:
        """A request that failed in transport: counted when it was sent (a read timeout...)."""
        if not isinstance(exc, _NOT_SENT):
            self.attempts += 1
        self.retry_after = None

    def response(self, response: httpx.Response) -> None:
        self.attempts += 1
        self.retry_after = _retry_after_s(response.headers)

    def tokens(self, usage: object) -> None:
        if isinstance(usage, dict):
            self.input_tokens += _int(usage.get("input_tokens"))
            self.output_tokens += _int(usage.get("output_tokens"))

    def usage(self) -> Usage:
        return Usage(self.attempts, self.input_tokens, self.output_tokens)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _retry_after_s(headers: httpx.Headers) -> float | None:
    """``retry-after-ms`` or ``retry-after`` in seconds; an HTTP date or garbage is ignored."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) / scale
        except ValueError:
            continue
        if value >= 0 and value == value and value != float("inf"):
            return value
    return None


def _error_text(text: str, response: httpx.Response) -> str:
    """``type: message`` from an Anthropic error body, else the start of whatever came back."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        kind, message = err.get("type"), err.get("message")
        parts = [str(p) for p in (kind, message) if isinstance(p, str) and p.strip()]
        if parts:
            return ": ".join(parts)
    flat = " ".join(text.split())
    return flat[:120] or response.reason_phrase or "empty body"
