"""HTTP for the remote sources: bounded, and careful with secrets.

Some news APIs take their key in the query string (CryptoPanic's ``auth_token``), where it would
travel into every log line httpx writes (``HTTP Request: GET https://...?auth_token=...``) and into
the text of its exceptions. So: messages show URLs without their query, exceptions from httpx are
not chained into ours, and a logging filter on httpx's loggers replaces every registered secret
with ``***`` before any handler sees the record.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import httpx

from . import NewsSourceError

MASK = "***"


class _Redactor(logging.Filter):
    """Rewrites log records that mention a registered secret."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not ours
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_REDACTOR = _Redactor()
_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection")


def protect(secret: str) -> None:
    """Never let ``secret`` reach a log line written by httpx or httpcore."""
    if not secret:
        return
    with _REDACTOR.lock:
        if not _REDACTOR.secrets:
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(_REDACTOR)
        _REDACTOR.secrets |= {secret, quote(secret, safe=""), quote_plus(secret)}


def scrub(text: str) -> str:
    """``text`` with every registered secret (raw or URL-encoded) replaced by ``***``."""
    for secret in sorted(_REDACTOR.secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text


def display_url(url: str | httpx.URL) -> str:
    """A URL as messages show it: scheme, host, port and path; never the query (keys live there)."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def same_origin(a: str | httpx.URL, b: str | httpx.URL) -> bool:
    pa, pb = urlsplit(str(a)), urlsplit(str(b))
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def get(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, Any] | None,
    what: str,
    max_bytes: int,
) -> bytes:
    """The body of a ``GET`` answered with 200, at most ``max_bytes`` long."""
    shown = display_url(url)
    try:
        with client.stream("GET", url, params=params) as response:
            status = response.status_code
            if status != 200:
                raise NewsSourceError(f"{what}: {_status_text(status)} from {shown}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise NewsSourceError(
                        f"{what}: response from {shown} is larger than {max_bytes} bytes"
                    )
            return bytes(body)
    except httpx.TimeoutException:
        raise NewsSourceError(f"{what}: no answer from {shown} in time") from None
    except httpx.HTTPError as exc:
        detail = scrub(str(exc))
        raise NewsSourceError(f"{what}: {type(exc).__name__} for {shown}: {detail}") from None


def _status_text(status: int) -> str:
    if status in (401, 403):
        return f"HTTP {status} (the key was refused or lacks access)"
    if status == 429:
        return "HTTP 429 (rate limited; the agent polls again later)"
    return f"HTTP {status}"
