"""An httpx transport that asks again when DeepSeek answers with empty content.

DeepSeek documents that JSON mode "may occasionally return empty content". Such an answer is a
well-formed 200, so neither the openai client's retries (errors only) nor instructor's re-asks
(which append the validation error to the conversation and pay for it) are the right tool: the
same request is simply sent again, at most ``empty_retries`` times. When every answer was empty
the last one is handed on, fails validation, and the caller reports "the answer was empty".
"""

from __future__ import annotations

import json

import httpx

_FRAMING_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def is_empty_completion(body: bytes) -> bool:
    """True for a chat completion whose choices carry no text and no tool call."""
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not isinstance(choices, list) or not choices:
        return False
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict) or message.get("tool_calls"):
            return False
        content = message.get("content")
        if isinstance(content, str) and content.strip():
            return False
        if content is not None and not isinstance(content, str):
            return False
    return True


class EmptyRetryTransport(httpx.BaseTransport):
    """Wraps a transport; re-sends a chat completion whose answer came back empty."""

    def __init__(self, inner: httpx.BaseTransport, empty_retries: int) -> None:
        self._inner = inner
        self._empty_retries = empty_retries
        #: Requests re-sent because of an empty answer, for tests and diagnostics.
        self.resent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            response = self._inner.handle_request(request)
            if response.status_code != 200 or not request.url.path.endswith("/chat/completions"):
                return response
            try:
                body = response.read()
            finally:
                response.close()
            if attempt >= self._empty_retries or not is_empty_completion(body):
                headers = [
                    (k, v)
                    for k, v in response.headers.multi_items()
                    if k.lower() not in _FRAMING_HEADERS
                ]
                return httpx.Response(
                    status_code=response.status_code,
                    headers=[*headers, ("content-length", str(len(body)))],
                    content=body,
                    extensions=response.extensions,
                    request=request,
                )
            attempt += 1
            self.resent += 1

    def close(self) -> None:
        self._inner.close()
