"""What one ``decide`` spent, measured where every HTTP attempt passes: the httpx transport.

The openai client retries (429, 5xx, timeouts) and instructor re-asks after an invalid answer;
both happen inside one ``chat.completions.create`` call, out of our sight, and each attempt that
reaches the server is paid for. ``MeteringTransport`` sits directly above the network, so it sees
every one of them, and adds each response to the ``CallMeter`` of the call in progress.

The meter of the call in progress lives in a ``ContextVar`` set by ``StructuredChat.decide``: the
sync openai client sends its requests on the caller's thread, so calls made at once from several
threads on one provider each fill their own meter, with no lock and no shared counter.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import json
import math
import time
from collections.abc import Iterator

import httpx
from attrs import define
from deepalpha.llm import Usage

#: Headers describing the wire form of a body we hand on decoded.
_FRAMING_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})

#: Transport failures after which the request may have reached the server (and been billed): it
#: was sent, and no answer came back. A refused or timed-out connection never reached it.
_SENT_BUT_UNANSWERED = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@define
class CallMeter:
    """Attempts, summed tokens, the last ``retry-after`` and the last answer text of one call."""

    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: The last response's ``retry-after-ms`` / ``retry-after`` hint in seconds, else ``None``.
    retry_after: float | None = None
    #: ``choices[0].message.content`` of the last response that carried one.
    content: str | None = None

    def usage(self) -> Usage:
        return Usage(self.attempts, self.input_tokens, self.output_tokens)

    def unanswered(self) -> None:
        """Counts an attempt that was sent but got no response (a read timeout...)."""
        self.attempts += 1
        self.retry_after = None

    def add(self, response: httpx.Response, body: bytes) -> None:
        """Counts one response: an attempt, its tokens, its retry hint and its answer text."""
        self.attempts += 1
        self.retry_after = retry_after_s(response.headers)
        try:
            payload = json.loads(body)
        except ValueError:
            return
        if not isinstance(payload, dict):
            return
        usage = payload.get("usage")
        if isinstance(usage, dict):
            self.input_tokens += _count(usage.get("prompt_tokens"))
            self.output_tokens += _count(usage.get("completion_tokens"))
        choices = payload.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            message = choices[0].get("message")
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                self.content = content


_CURRENT: contextvars.ContextVar[CallMeter | None] = contextvars.ContextVar(
    "deepalpha_llm_openai_meter", default=None
)


@contextlib.contextmanager
def metering() -> Iterator[CallMeter]:
    """A fresh meter that every request sent from this thread fills until the block ends."""
    meter = CallMeter()
    token = _CURRENT.set(meter)
    try:
        yield meter
    finally:
        _CURRENT.reset(token)


class MeteringTransport(httpx.BaseTransport):
    """Wraps the network transport; adds every response to the current call's meter.

    Responses are read in full (chat completions are small and never streamed here). Requests
    sent outside ``metering()`` pass through uncounted.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        meter = _CURRENT.get()
        if meter is None:
            return self._inner.handle_request(request)
        try:
            response = self._inner.handle_request(request)
        except _SENT_BUT_UNANSWERED:
            meter.unanswered()
            raise
        try:
            body = response.read()  # decoded: gzip and chunking are undone here
        except _SENT_BUT_UNANSWERED:
            meter.unanswered()
            raise
        finally:
            response.close()
        meter.add(response, body)
        headers = [
            (k, v) for k, v in response.headers.multi_items() if k.lower() not in _FRAMING_HEADERS
        ]
        return httpx.Response(
            status_code=response.status_code,
            headers=[*headers, ("content-length", str(len(body)))],
            content=body,
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


def retry_after_s(headers: httpx.Headers) -> float | None:
    """``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date), in seconds."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        with contextlib.suppress(ValueError):
            value = float(raw_ms) / 1000.0
            if math.isfinite(value) and value >= 0:
                return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return value if math.isfinite(value) and value >= 0 else None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
