"""Options of the ``ccxt`` data source.

Imported when the plugin registers, so it must not import ccxt (about a second cold); whether the
exchange exists in ccxt is checked when the source is built.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import attrs

_EXCHANGE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_exchange(instance, attribute, value) -> None:
    if not isinstance(value, str) or not _EXCHANGE_ID.match(value):
        raise ValueError(f"exchange: must be a ccxt exchange id like 'binance', got {value!r}")


def _check_base_url(instance, attribute, value) -> None:
    if value is None:
        return
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url: must be an http(s) URL like http://127.0.0.1:8080, got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"base_url: must not have a query or fragment, got {value!r}")


def _in_range(name: str, low: float, high: float, kind: type | tuple[type, ...] = (int, float)):
    noun = "an integer" if kind is int else "a number"

    def check(instance, attribute, value) -> None:
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            raise ValueError(f"{name}: must be {noun} in [{low:g}, {high:g}], got {value!r}")

    return check


def _check_bool(instance, attribute, value) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name}: must be true or false, got {value!r}")


@attrs.frozen(kw_only=True)
class CcxtOptions:
    """Which exchange to ask and how politely.

    ``base_url`` sends every REST call to another host, keeping each endpoint's path (for example
    ``https://api.binance.com/api/v3`` becomes ``<base_url>/api/v3``): for a proxy, a recording
    server, or the loopback server the tests use.
    """

    exchange: str = attrs.field(default="binance", validator=_check_exchange)
    base_url: str | None = attrs.field(default=None, validator=_check_base_url)
    #: Candles asked for per request (the exchange may cap it lower: Binance spot serves 1000).
    limit: int = attrs.field(default=1000, validator=_in_range("limit", 1, 5000, int))
    #: ccxt's ``enableRateLimit``: space requests by the exchange's documented rate limit.
    rate_limit: bool = attrs.field(default=True, validator=_check_bool)
    #: Retries of a transient network error (timeout, 5xx, 429) before giving up.
    retries: int = attrs.field(default=4, validator=_in_range("retries", 0, 20, int))
    #: First retry delay in seconds; it doubles on each retry, capped at 60 s.
    retry_delay: float = attrs.field(default=1.0, validator=_in_range("retry_delay", 0, 60))
    #: Timeout of one HTTP request in seconds.
    timeout: float = attrs.field(default=30.0, validator=_in_range("timeout", 0.1, 600))
