"""Exchange markets for freqtrade without network: a loopback server speaking Binance's
``/api/v3/exchangeInfo``.

freqtrade loads the exchange's markets through ccxt before every command, backtesting included
(pair validation, precision, minimum stake, fees); it has no offline cache of them. ccxt's Binance
class builds every REST address from ``urls["api"]``, so :func:`ccxt_overlay` points each of them
at ``http://127.0.0.1:PORT`` (same paths) through freqtrade's ``exchange.ccxt_config``, and
:class:`MarketServer` answers the one request ``load_markets`` then makes with spot markets for the
pairs asked. Any other request gets a 404 and is recorded, so a test can prove nothing else was
asked and that nothing left the machine.

The markets are synthetic: tick size 0.01, amount step 0.00001, minimum notional 5 in the quote
currency, Binance's default fee (0.1%). They are not Binance's real metadata for any pair.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EXCHANGE_INFO = "/api/v3/exchangeInfo"

#: ccxt options that make Binance's ``load_markets`` one request (spot markets only, no
#: currencies, no margin pairs).
CCXT_OPTIONS = {
    "fetchMarkets": {"types": ["spot"]},
    "fetchMargins": False,
    "fetchCurrencies": False,
}


def market(pair: str) -> dict[str, Any]:
    """Binance's ``exchangeInfo`` entry of a spot market ``BASE/QUOTE`` (synthetic metadata)."""
    base, sep, quote = pair.partition("/")
    if not sep or not base or not quote or ":" in quote:
        raise ValueError(f"pair: expected a spot pair like BTC/USDT, got {pair!r}")
    return {
        "symbol": base + quote,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "permissions": ["SPOT"],
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.01",
                "maxPrice": "10000000.00",
                "tickSize": "0.01",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": "0.00001",
                "maxQty": "100000.00000",
                "stepSize": "0.00001",
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": "5.00",
                "applyMinToMarket": True,
                "maxNotional": "100000000.00",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
    }


def exchange_info(pairs: Iterable[str]) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": 0,
        "rateLimits": [],
        "exchangeFilters": [],
        "symbols": [market(p) for p in pairs],
    }


class MarketServer:
    """``exchangeInfo`` for ``pairs`` on 127.0.0.1 (an ephemeral port), on a daemon thread.

    Use as a context manager; ``requests`` lists every path asked, in order.
    """

    def __init__(self, pairs: Iterable[str]) -> None:
        self.pairs = tuple(pairs)
        body = json.dumps(exchange_info(self.pairs)).encode()
        self.requests: list[str] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                if self.path.split("?", 1)[0] == EXCHANGE_INFO:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_error(404, "not served offline")

            do_POST = do_DELETE = do_PUT = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MarketServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MarketServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def freqtrade_config(self) -> dict[str, Any]:
        """The part of a freqtrade configuration that sends its exchange here."""
        return {"exchange": {"ccxt_config": ccxt_overlay(self.url)}}


def ccxt_overlay(base_url: str, exchange: str = "binance") -> dict[str, Any]:
    """ccxt settings sending every REST address of ``exchange`` to ``base_url`` (same paths)."""
    import ccxt

    if exchange != "binance":
        raise ValueError(f"exchange: only binance is served offline, got {exchange!r}")
    api = {}
    for name, address in ccxt.binance().urls["api"].items():
        if not isinstance(address, str):
            continue
        path = address.split("://", 1)[-1].partition("/")[2]
        api[name] = f"{base_url.rstrip('/')}/{path}"
    return {"urls": {"api": api}, "options": dict(CCXT_OPTIONS)}
