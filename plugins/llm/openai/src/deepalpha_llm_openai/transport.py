"""An httpx transport that removes the API key from every response body (see ``secrets``)."""

from __future__ import annotations

import httpx

from .secrets import MASK

#: Headers describing the wire form of a body we hand on decoded and rewritten.
_FRAMING_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


class ScrubbingTransport(httpx.BaseTransport):
    """Wraps a transport and removes ``secret`` from every response body.

    Responses are read in full (chat completions are small and we never stream), so the
    replacement cannot be split across chunks.
    """

    def __init__(self, inner: httpx.BaseTransport, secret: str | None) -> None:
        self._inner = inner
        self._secret = secret.encode() if secret else b""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if not self._secret:
            return response
        try:
            body = response.read()  # decoded: gzip and chunking are undone here
        finally:
            response.close()
        clean = body.replace(self._secret, MASK.encode())
        headers = [
            (k, v) for k, v in response.headers.multi_items() if k.lower() not in _FRAMING_HEADERS
        ]
        return httpx.Response(
            status_code=response.status_code,
            headers=[*headers, ("content-length", str(len(clean)))],
            content=clean,
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()
