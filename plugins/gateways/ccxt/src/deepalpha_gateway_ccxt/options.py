"""Options of the ``ccxt`` live gateway.

Imported when the plugin registers, so it must not import ccxt. Keys are never options: the options
name the *environment variables* that hold them (``api_key_env``, ``secret_env``), so a config file
can be shared without leaking anything; the gateway reads the variables when it is built. Every
validator raises ``ValueError`` whose message starts with the option name, so the config loader can
prefix the key path (``gateway.options.exchange: ...``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import attrs

#: Exchanges the gateway has been written and tested for.
SUPPORTED_EXCHANGES = ("binance",)

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Binance allows ``^[a-zA-Z0-9-_]{1,36}$`` for client order ids; the prefix leaves room for
#: the sequence number.
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def _exchange(instance, attribute, value) -> None:
    if value not in SUPPORTED_EXCHANGES:
        raise ValueError(
            f"exchange: the ccxt gateway supports {', '.join(SUPPORTED_EXCHANGES)} (spot) only "
            f"for now, got {value!r}"
        )


def _env_name(instance, attribute, value) -> None:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise ValueError(
            f"{attribute.name}: must be the name of an environment variable (like "
            f"BINANCE_API_KEY), got {value!r}"
        )


def _flag(instance, attribute, value) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name}: must be true or false, got {value!r}")


def _base_url(instance, attribute, value) -> None:
    if value is None:
        return
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url: must be an http(s) URL like http://127.0.0.1:8080, got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"base_url: must not have a query or fragment, got {value!r}")


def _in_range(low: float, high: float, kind: type | tuple[type, ...] = (int, float)):
    noun = "an integer" if kind is int else "a number"

    def check(instance, attribute, value) -> None:
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            raise ValueError(
                f"{attribute.name}: must be {noun} in [{low:g}, {high:g}], got {value!r}"
            )

    return check


def _symbols(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        for k, v in value.items()
    ):
        raise ValueError(
            "symbols: must map DeepAlpha symbols to exchange symbols, like "
            f"{{'BTC/USDT': 'BTC/USDT'}}, got {value!r}"
        )
    return dict(value)


def _label(instance, attribute, value) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must be a non-empty string, got {value!r}")


def _prefix(instance, attribute, value) -> None:
    if value is not None and (not isinstance(value, str) or not _PREFIX.match(value)):
        raise ValueError(
            "client_id_prefix: must be 1-20 characters of letters, digits, '-' or '_', "
            f"got {value!r}"
        )


@attrs.frozen(kw_only=True)
class CcxtGatewayOptions:
    """Where and how the live gateway trades.

    ``base_url`` sends every REST and WebSocket call to another host, keeping each endpoint's path
    (``https://api.binance.com/api/v3`` becomes ``<base_url>/api/v3``, ``wss://...`` becomes
    ``ws://`` on an ``http`` base). It exists for tests against a loopback venue; leave it unset to
    trade.
    """

    #: ccxt exchange id; only ``binance`` (spot) for now.
    exchange: str = attrs.field(default="binance", validator=_exchange)
    #: Environment variable holding the API key (the key itself is never an option).
    api_key_env: str = attrs.field(default="BINANCE_API_KEY", validator=_env_name)
    #: Environment variable holding the API secret.
    secret_env: str = attrs.field(default="BINANCE_SECRET", validator=_env_name)
    #: ccxt's ``set_sandbox_mode``: Binance's spot testnet instead of the real venue.
    sandbox: bool = attrs.field(default=False, validator=_flag)
    #: For tests: send every call to this host (see the class docstring).
    base_url: str | None = attrs.field(default=None, validator=_base_url)
    #: DeepAlpha symbol -> exchange (ccxt unified) symbol; unmapped symbols are used as they are.
    symbols: dict[str, str] = attrs.field(factory=dict, converter=_symbols)
    #: The account's quote currency: ``Portfolio.cash`` is its balance and every traded symbol
    #: must be quoted in it.
    quote: str = attrs.field(default="USDT", validator=_label)
    #: Binance's ``recvWindow`` in milliseconds: how long a signed request stays valid.
    recv_window: int = attrs.field(default=5000, validator=_in_range(1, 60_000, int))
    #: Timeout of one HTTP request in seconds.
    timeout: float = attrs.field(default=10.0, validator=_in_range(0.1, 120))
    #: Retries of one call after a network error, a timeout, a 429/418 or a 5xx.
    retries: int = attrs.field(default=5, validator=_in_range(0, 20, int))
    #: First retry delay in seconds; it doubles on each retry, capped at ``max_retry_delay``.
    #: A ``Retry-After`` from the venue is honoured when it asks for longer.
    retry_delay: float = attrs.field(default=0.5, validator=_in_range(0, 60))
    max_retry_delay: float = attrs.field(default=30.0, validator=_in_range(0, 600))
    #: Seconds before the user-data stream reconnects after a drop (doubling, capped at 30 s).
    reconnect_delay: float = attrs.field(default=0.5, validator=_in_range(0, 60))
    #: Start of every client order id (``<prefix>-<sequence>``); ``None`` derives it from the
    #: run id. Ids must differ between runs on one account: Binance refuses a reused one.
    client_id_prefix: str | None = attrs.field(default=None, validator=_prefix)
    #: Watch the user-data stream (fills arrive as they happen). Off, fills are found by polling
    #: the venue on every bar (slower, but needs no WebSocket).
    stream: bool = attrs.field(default=True, validator=_flag)
