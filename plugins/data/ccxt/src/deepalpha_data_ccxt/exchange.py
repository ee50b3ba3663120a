"""Building the ccxt exchange object: options, rate limiting, and the ``base_url`` rewrite."""

from __future__ import annotations

import difflib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from deepalpha.errors import ConfigError

from .options import CcxtOptions

#: Per-exchange ccxt options that keep market loading to the one request OHLCV needs. Without
#: them ccxt's Binance also loads futures and options markets and margin pairs (extra requests,
#: some needing keys).
EXCHANGE_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {
        "fetchMarkets": {"types": ["spot"]},
        "fetchMargins": False,
        "fetchCurrencies": False,
    },
}


def rewrite_urls(api: Any, base_url: str) -> Any:
    """Every URL in ccxt's ``urls['api']`` (a string or nested dicts of them) moved to base_url.

    The host is replaced and the path kept as a suffix of base_url's path, so
    ``https://api.binance.com/api/v3`` with ``http://127.0.0.1:9000`` becomes
    ``http://127.0.0.1:9000/api/v3``.
    """
    if isinstance(api, dict):
        return {key: rewrite_urls(value, base_url) for key, value in api.items()}
    if not isinstance(api, str):
        return api
    base = urlsplit(base_url)
    url = urlsplit(api)
    path = base.path.rstrip("/") + url.path
    return urlunsplit((base.scheme, base.netloc, path, url.query, url.fragment))


def build_exchange(options: CcxtOptions):
    import ccxt

    if options.exchange not in ccxt.exchanges:
        close = difflib.get_close_matches(options.exchange, ccxt.exchanges, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f"exchange: {options.exchange!r} is not a ccxt exchange{hint}")
    config: dict[str, Any] = {
        "enableRateLimit": options.rate_limit,
        "timeout": int(options.timeout * 1000),
    }
    extra = EXCHANGE_OPTIONS.get(options.exchange)
    if extra is not None:
        config["options"] = {key: _copy(value) for key, value in extra.items()}
    exchange = getattr(ccxt, options.exchange)(config)
    if options.base_url is not None:
        exchange.urls["api"] = rewrite_urls(exchange.urls["api"], options.base_url)
    return exchange


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    return value
