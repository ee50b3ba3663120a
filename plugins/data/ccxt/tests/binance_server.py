"""A loopback HTTP server answering the two Binance spot endpoints OHLCV needs.

Payload shapes follow Binance's documentation as quoted in comments of ccxt's ``binance.py``:
``GET /api/v3/exchangeInfo`` (``fetch_markets``) and ``GET /api/v3/klines`` (``parse_ohlcv``: the
12-field array with prices as strings). ``klines`` honours ``startTime``, ``endTime`` and ``limit``
(default 500, at most 1000) like Binance, and serves candles up to and including the one still open
at ``now``, so the client has to drop it itself. Candles are a pure function of their open time, so
tests can compute what they expect.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

INTERVALS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000,
             "1d": 86_400_000}  # fmt: skip

MARKETS = [("BTCUSDT", "BTC", "USDT"), ("ETHUSDT", "ETH", "USDT"), ("ETHBTC", "ETH", "BTC"),
           ("BTCUSDC", "BTC", "USDC")]  # fmt: skip


def market(symbol: str, base: str, quote: str) -> dict:
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": True,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": "0.01000000",
             "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
            {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000",
             "stepSize": "0.00001000"},
            {"filterType": "MIN_NOTIONAL", "minNotional": "5.00000000", "applyToMarket": True,
             "avgPriceMins": 5},
        ],
        "permissions": ["SPOT", "MARGIN"],
    }  # fmt: skip


def candle(open_time: int, step: int) -> list:
    """Binance's 12-field kline for the candle opening at open_time (deterministic)."""
    i = open_time // step
    open_ = 100 + (i * 37 % 101) / 4
    close = 100 + ((i + 1) * 37 % 101) / 4
    high = max(open_, close) + (i % 7) / 8
    low = min(open_, close) - (i % 5) / 8
    volume = 1 + (i * 13 % 17) / 2
    return [
        open_time,
        f"{open_:.8f}",
        f"{high:.8f}",
        f"{low:.8f}",
        f"{close:.8f}",
        f"{volume:.8f}",
        open_time + step - 1,
        f"{volume * close:.8f}",
        int(i % 50),
        f"{volume / 2:.8f}",
        f"{volume * close / 2:.8f}",
        "0",
    ]


class FakeBinance:
    """The server and its state: ``now`` (epoch ms), ``listed`` (first candle), request log, and
    ``failures``: HTTP statuses to answer the next klines requests with."""

    def __init__(self, now: int, listed: int) -> None:
        self.now = now
        self.listed = listed
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failures: list[int] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def klines_requests(self) -> list[dict[str, str]]:
        return [query for path, query in self.requests if path == "/api/v3/klines"]

    def __enter__(self) -> FakeBinance:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def klines(self, query: dict[str, str]) -> tuple[int, object]:
        symbol = query.get("symbol")
        if symbol not in {m[0] for m in MARKETS}:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        step = INTERVALS.get(query.get("interval", ""))
        if step is None:
            return 400, {"code": -1120, "msg": "Invalid interval."}
        limit = min(int(query.get("limit", 500)), 1000)
        last = self.now // step * step  # the open candle is served, as Binance does
        end = min(int(query["endTime"]), last) if "endTime" in query else last
        if "startTime" in query:
            first = max(int(query["startTime"]), self.listed)
            first = -(-first // step) * step
            times = range(first, end + 1, step)[:limit]
        else:
            times = range(max(self.listed, end - (limit - 1) * step), end + 1, step)
        return 200, [candle(t, step) for t in times]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                with fake._lock:
                    fake.requests.append((url.path, query))
                    failure = (
                        fake.failures.pop(0)
                        if (url.path == "/api/v3/klines" and fake.failures)
                        else None
                    )
                if failure == 429:
                    self._send(429, {"code": -1003, "msg": "Too many requests."})
                elif failure is not None:
                    self._send(failure, "Service Unavailable")
                elif url.path == "/api/v3/exchangeInfo":
                    self._send(200, {
                        "timezone": "UTC",
                        "serverTime": fake.now,
                        "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE",
                                        "intervalNum": 1, "limit": 6000}],
                        "exchangeFilters": [],
                        "symbols": [market(*m) for m in MARKETS],
                    })  # fmt: skip
                elif url.path == "/api/v3/klines":
                    self._send(*fake.klines(query))
                else:
                    self._send(404, {"code": -1, "msg": f"no route {url.path}"})

            def _send(self, status: int, body: object) -> None:
                text = isinstance(body, str)
                data = body.encode() if text else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if text else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
