"""A loopback Binance spot venue (REST and WebSocket) for testing the ``ccxt`` gateway offline.

It speaks the subset of Binance's spot API that ccxt's ``binance`` class uses for trading, in the
shapes Binance documents (and ccxt's ``binance.py`` / ``pro/binance.py`` quote in comments):

- REST: ``/api/v3/ping``, ``time``, ``exchangeInfo``, ``order`` (POST with ``newClientOrderId``,
  GET by ``orderId`` or ``origClientOrderId``, DELETE), ``openOrders``, ``myTrades``,
  ``account``, ``userDataStream`` (listenKey create / keep-alive / close). Errors are Binance's
  ``{"code": ..., "msg": ...}`` bodies (``-2013`` order does not exist, ``-2011`` unknown order on
  cancel, ``-2010`` duplicate client id, ``-1013`` filter failures).
- WebSocket API at ``/ws-api/v3``: ``userDataStream.subscribe.signature`` (what ccxt 4.5 uses for
  spot ``watch_orders`` / ``watch_my_trades``), after which ``executionReport`` and
  ``outboundAccountPosition`` events arrive wrapped as ``{"subscriptionId": n, "event": {...}}``.
  The legacy listenKey stream ``/ws/<listenKey>`` sends the same events unwrapped.

The venue does not match orders by itself: limit orders rest until the test calls ``fill``
(partial fills allowed); market orders fill at once at ``prices[symbol]`` when a price is set.
Fault injection for the tests: ``fail_next`` (answer the next matching request with 429/418/5xx and
a ``Retry-After``), ``drop_next_response`` (process the request, then close the connection without
answering), ``drop_streams`` (close every WebSocket), and ``down`` (refuse REST and WebSocket while
orders may still fill, as when the client's network is out).

Runs an aiohttp server on 127.0.0.1 with a random port in its own thread. Test-side calls are
thread-safe. It never checks signatures, but it requires the ``X-MBX-APIKEY`` header on signed
endpoints and records every request (method, path, parameters, headers) for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from decimal import Decimal
from typing import Any

from aiohttp import WSMsgType, web

#: symbol id -> (base, quote, tick size, step size, min quantity, min notional)
DEFAULT_MARKETS: dict[str, tuple[str, str, str, str, str, str]] = {
    "BTCUSDT": ("BTC", "USDT", "0.01", "0.00001", "0.00001", "5"),
    "ETHUSDT": ("ETH", "USDT", "0.01", "0.0001", "0.0001", "5"),
}

_SIGNED = {
    "/api/v3/order",
    "/api/v3/openOrders",
    "/api/v3/myTrades",
    "/api/v3/account",
    "/api/v3/userDataStream",
}


def _s(value: Decimal) -> str:
    """Binance writes amounts as fixed 8-decimal strings."""
    return f"{value:.8f}"


def _err(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status, headers=headers)


class LoopbackBinance:
    """The venue and its state; use as a context manager (``with LoopbackBinance() as venue``)."""

    def __init__(
        self,
        markets: dict[str, tuple[str, str, str, str, str, str]] | None = None,
        balances: dict[str, str] | None = None,
        api_key: str = "loopback-key",
        commission: str = "0.001",
    ) -> None:
        self.markets = dict(markets or DEFAULT_MARKETS)
        self.api_key = api_key
        self.commission = Decimal(commission)
        #: asset -> [free, locked]
        self.balances: dict[str, list[Decimal]] = {
            asset: [Decimal(amount), Decimal(0)]
            for asset, amount in (balances or {"USDT": "100000", "BTC": "0", "ETH": "0"}).items()
        }
        #: symbol id -> price at which market orders fill at once (no price: they rest).
        self.prices: dict[str, Decimal] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.trades: list[dict[str, Any]] = []
        #: (method, path, params, headers) of every request, in arrival order.
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        #: Every WebSocket message received from clients (parsed JSON).
        self.ws_received: list[dict[str, Any]] = []
        self.ws_connections = 0
        self.down = False
        self._failures: list[tuple[str | None, str | None, int, float | None]] = []
        self._drops: list[tuple[str | None, str | None]] = []
        self._order_ids = itertools.count(1001)
        self._trade_ids = itertools.count(501)
        self._subscription_ids = itertools.count(0)
        self._streams: dict[web.WebSocketResponse, int | None] = {}
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackBinance:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("loopback Binance did not start within 10 s")
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_route("*", "/api/v3/{name}", self._rest)
        app.router.add_get("/ws-api/v3", self._ws_api)
        app.router.add_get("/ws/{listen_key}", self._ws_stream)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        loop.run_forever()
        loop.close()

    async def _shutdown(self) -> None:
        for ws in list(self._streams):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _call(self, coro: Any) -> Any:
        assert self._loop is not None, "the server is not running"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # -- commands for tests -----------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 429,
        *,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method``/``path`` with ``status``."""
        with self._lock:
            self._failures.extend([(method, path, status, retry_after)] * times)

    def drop_next_response(self, *, method: str | None = "POST", path: str | None = None) -> None:
        """Process the next matching request, then close the connection without an answer."""
        with self._lock:
            self._drops.append((method, path))

    def drop_streams(self) -> None:
        """Close every WebSocket connection, as a network blip does."""
        self._call(self._close_streams())

    def set_down(self, down: bool) -> None:
        """``True``: close the WebSockets and refuse every request (orders can still fill)."""
        with self._lock:
            self.down = down
        if down:
            self.drop_streams()

    def fill(
        self,
        order_id: int | str,
        quantity: str | Decimal | None = None,
        price: str | Decimal | None = None,
    ) -> dict[str, Any]:
        """Fill ``quantity`` (default: all that remains) of a resting order; returns the trade.

        ``order_id`` is the venue's id or the client order id. Events go to the user streams
        unless the venue is ``down`` or no stream is connected (then they are lost, as they are
        for a client that is offline: it has to find the fill through REST).
        """
        with self._lock:
            order = self._find(order_id)
            if order is None or order["status"] not in ("NEW", "PARTIALLY_FILLED"):
                raise KeyError(f"no resting order {order_id!r}")
            remaining = Decimal(order["origQty"]) - Decimal(order["executedQty"])
            qty = remaining if quantity is None else Decimal(quantity)
            if not 0 < qty <= remaining:
                raise ValueError(f"fill quantity {qty} not in (0, {remaining}]")
            px = Decimal(price) if price is not None else Decimal(order["price"])
            trade = self._trade(order, qty, px, maker=True)
            events = self._events_for(order, "TRADE", trade)
        self._publish(events)
        return trade

    def place(self, symbol: str, side: str, quantity: str, price: str, client_id: str) -> dict:
        """Place an order as someone else would (another app, a person on the website)."""
        with self._lock:
            order = self._new_order(
                {"symbol": symbol, "side": side, "type": "LIMIT", "quantity": quantity,
                 "price": price, "newClientOrderId": client_id, "timeInForce": "GTC"}
            )  # fmt: skip
            events = self._events_for(order, "NEW", None)
        self._publish(events)
        return dict(order)

    def posts(self, path: str = "/api/v3/order") -> list[dict[str, str]]:
        """Parameters of every POST to ``path``."""
        with self._lock:
            return [p for m, pth, p, _ in self.requests if m == "POST" and pth == path]

    def client_ids(self) -> list[str]:
        with self._lock:
            return [o["clientOrderId"] for o in self.orders.values()]

    # -- state changes (under the lock) -----------------------------------------------------------

    def _find(self, key: int | str | None) -> dict[str, Any] | None:
        if key is None:
            return None
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            found = self.orders.get(int(key))
            if found is not None:
                return found
        return next((o for o in self.orders.values() if o["clientOrderId"] == key), None)

    def _filter_error(self, symbol: str, qty: Decimal, price: Decimal | None) -> str | None:
        _, _, tick, step, min_qty, min_notional = self.markets[symbol]
        if qty < Decimal(min_qty) or qty % Decimal(step):
            return "Filter failure: LOT_SIZE"
        if price is not None and price % Decimal(tick):
            return "Filter failure: PRICE_FILTER"
        reference = price if price is not None else self.prices.get(symbol)
        if reference is not None and qty * reference < Decimal(min_notional):
            return "Filter failure: NOTIONAL"
        return None

    def _new_order(self, params: dict[str, str]) -> dict[str, Any]:
        now = int(time.time() * 1000)
        order_type = params["type"]
        price = Decimal(params["price"]) if order_type == "LIMIT" else Decimal(0)
        order = {
            "symbol": params["symbol"],
            "orderId": next(self._order_ids),
            "orderListId": -1,
            "clientOrderId": params["newClientOrderId"],
            "price": _s(price),
            "origQty": _s(Decimal(params["quantity"])),
            "executedQty": _s(Decimal(0)),
            "cummulativeQuoteQty": _s(Decimal(0)),
            "status": "NEW",
            "timeInForce": params.get("timeInForce", "GTC"),
            "type": order_type,
            "side": params["side"],
            "stopPrice": _s(Decimal(0)),
            "icebergQty": _s(Decimal(0)),
            "time": now,
            "updateTime": now,
            "isWorking": True,
            "workingTime": now,
            "origQuoteOrderQty": _s(Decimal(0)),
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }
        self.orders[order["orderId"]] = order
        base, quote = self.markets[order["symbol"]][:2]
        qty = Decimal(order["origQty"])
        if order["side"] == "BUY" and order_type == "LIMIT":
            self._move(quote, -qty * price, qty * price)
        elif order["side"] == "SELL":
            self._move(base, -qty, qty)
        return order

    def _move(self, asset: str, free: Decimal, locked: Decimal) -> None:
        balance = self.balances.setdefault(asset, [Decimal(0), Decimal(0)])
        balance[0] += free
        balance[1] += locked

    def _trade(self, order: dict[str, Any], qty: Decimal, price: Decimal, maker: bool) -> dict:
        base, quote = self.markets[order["symbol"]][:2]
        quote_qty = qty * price
        fee = (quote_qty * self.commission).quantize(Decimal("0.00000001"))
        if order["side"] == "BUY":
            if order["type"] == "LIMIT":
                self._move(
                    quote, qty * Decimal(order["price"]) - quote_qty, -qty * Decimal(order["price"])
                )
            else:
                self._move(quote, -quote_qty, Decimal(0))
            self._move(base, qty, Decimal(0))
        else:
            self._move(base, Decimal(0), -qty)
            self._move(quote, quote_qty, Decimal(0))
        self._move(quote, -fee, Decimal(0))  # commission charged in the quote asset
        executed = Decimal(order["executedQty"]) + qty
        order["executedQty"] = _s(executed)
        order["cummulativeQuoteQty"] = _s(Decimal(order["cummulativeQuoteQty"]) + quote_qty)
        order["status"] = "FILLED" if executed == Decimal(order["origQty"]) else "PARTIALLY_FILLED"
        order["updateTime"] = int(time.time() * 1000)
        trade = {
            "symbol": order["symbol"],
            "id": next(self._trade_ids),
            "orderId": order["orderId"],
            "orderListId": -1,
            "price": _s(price),
            "qty": _s(qty),
            "quoteQty": _s(quote_qty),
            "commission": _s(fee),
            "commissionAsset": quote,
            "time": order["updateTime"],
            "isBuyer": order["side"] == "BUY",
            "isMaker": maker,
            "isBestMatch": True,
        }
        self.trades.append(trade)
        return trade

    def _cancel(self, order: dict[str, Any]) -> None:
        base, quote = self.markets[order["symbol"]][:2]
        remaining = Decimal(order["origQty"]) - Decimal(order["executedQty"])
        if order["side"] == "BUY" and order["type"] == "LIMIT":
            amount = remaining * Decimal(order["price"])
            self._move(quote, amount, -amount)
        elif order["side"] == "SELL":
            self._move(base, remaining, -remaining)
        order["status"] = "CANCELED"
        order["updateTime"] = int(time.time() * 1000)

    def _events_for(self, order: dict, execution: str, trade: dict | None) -> list[dict]:
        """``executionReport`` (and, when balances moved, ``outboundAccountPosition``)."""
        now = int(time.time() * 1000)
        report = {
            "e": "executionReport",
            "E": now,
            "s": order["symbol"],
            "c": order["clientOrderId"],
            "S": order["side"],
            "o": order["type"],
            "f": order["timeInForce"],
            "q": order["origQty"],
            "p": order["price"],
            "P": "0.00000000",
            "F": "0.00000000",
            "g": -1,
            "C": order["clientOrderId"] if execution == "CANCELED" else "",
            "x": execution,
            "X": order["status"],
            "r": "NONE",
            "i": order["orderId"],
            "l": trade["qty"] if trade else "0.00000000",
            "z": order["executedQty"],
            "L": trade["price"] if trade else "0.00000000",
            "n": trade["commission"] if trade else "0",
            "N": trade["commissionAsset"] if trade else None,
            "T": trade["time"] if trade else now,
            "t": trade["id"] if trade else -1,
            "v": 3,
            "I": 8641984,
            "w": order["status"] in ("NEW", "PARTIALLY_FILLED"),
            "m": bool(trade and trade["isMaker"]),
            "M": False,
            "O": order["time"],
            "Z": order["cummulativeQuoteQty"],
            "Y": trade["quoteQty"] if trade else "0.00000000",
            "Q": "0.00000000",
            "W": order["workingTime"],
            "V": "NONE",
        }
        base, quote = self.markets[order["symbol"]][:2]
        position = {
            "e": "outboundAccountPosition",
            "E": now,
            "u": now,
            "B": [
                {"a": asset, "f": _s(self.balances[asset][0]), "l": _s(self.balances[asset][1])}
                for asset in (base, quote)
                if asset in self.balances
            ],
        }
        return [report, position]

    # -- WebSocket --------------------------------------------------------------------------------

    def _publish(self, events: list[dict]) -> None:
        if self._loop is not None:
            self._call(self._send_events(events))

    async def _send_events(self, events: list[dict]) -> None:
        with self._lock:
            if self.down:
                return
            targets = [(ws, sub) for ws, sub in self._streams.items() if not ws.closed]
        for ws, sub in targets:
            for event in events:
                payload = event if sub is None else {"subscriptionId": sub, "event": event}
                with contextlib.suppress(ConnectionError):
                    await ws.send_str(json.dumps(payload))

    async def _close_streams(self) -> None:
        for ws in list(self._streams):
            await ws.close()
        self._streams.clear()

    async def _ws_api(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            if self.down:
                return _err(503, -1001, "Service unavailable.")
            self.ws_connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                with self._lock:
                    self.ws_received.append(data)
                method, rid = data.get("method"), data.get("id")
                params = data.get("params") or {}
                if method == "userDataStream.subscribe.signature":
                    if params.get("apiKey") != self.api_key or "signature" not in params:
                        await ws.send_str(json.dumps({"id": rid, "status": 401, "error": {
                            "code": -2015,
                            "msg": "Invalid API-key, IP, or permissions."}}))  # fmt: skip
                        continue
                    sub = next(self._subscription_ids)
                    with self._lock:
                        self._streams[ws] = sub
                    await ws.send_str(
                        json.dumps({"id": rid, "status": 200, "result": {"subscriptionId": sub}})
                    )
                elif method == "ping":
                    await ws.send_str(json.dumps({"id": rid, "status": 200, "result": {}}))
                else:
                    await ws.send_str(json.dumps({"id": rid, "status": 400, "error": {
                        "code": -1100, "msg": f"unsupported method {method}"}}))  # fmt: skip
        finally:
            with self._lock:
                self._streams.pop(ws, None)
        return ws

    async def _ws_stream(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            if self.down:
                return _err(503, -1001, "Service unavailable.")
            self.ws_connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        with self._lock:
            self._streams[ws] = None
        try:
            async for _ in ws:
                pass
        finally:
            with self._lock:
                self._streams.pop(ws, None)
        return ws

    # -- REST -------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.can_read_body:
            params.update(dict(await request.post()))
        path, method = request.path, request.method
        headers = {k: v for k, v in request.headers.items()}
        with self._lock:
            self.requests.append((method, path, params, headers))
            if self.down:
                return _err(503, -1001, "Service unavailable.")
            failure = self._take(self._failures, method, path)
            drop = self._take(self._drops, method, path) is not None
        if failure is not None:
            status, retry_after = failure[2], failure[3]
            extra = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
            return _err(status, -1003, "Too many requests; please use the websocket.", extra)
        if path in _SIGNED and headers.get("X-MBX-APIKEY") != self.api_key:
            return _err(401, -2015, "Invalid API-key, IP, or permissions.")
        name = request.match_info["name"]
        handler = getattr(self, f"_{method.lower()}_{name}", None)
        if handler is None:
            return _err(404, -1100, f"no {method} {path} here")
        with self._lock:
            status, body, events = handler(params)
        if events:
            await self._send_events(events)
        if drop:
            # The venue did the work; the answer never reaches the client.
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("loopback Binance dropped the response on purpose")
        return web.json_response(body, status=status)

    @staticmethod
    def _take(queue: list, method: str, path: str):
        for i, entry in enumerate(queue):
            if entry[0] in (None, method) and entry[1] in (None, path):
                return queue.pop(i)
        return None

    def _get_ping(self, params):
        return 200, {}, None

    def _get_time(self, params):
        return 200, {"serverTime": int(time.time() * 1000)}, None

    def _get_exchangeInfo(self, params):
        symbols = []
        for symbol, (base, quote, tick, step, min_qty, min_notional) in self.markets.items():
            symbols.append({
                "symbol": symbol, "status": "TRADING", "baseAsset": base, "baseAssetPrecision": 8,
                "quoteAsset": quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT",
                               "TAKE_PROFIT_LIMIT"],
                "icebergAllowed": True, "ocoAllowed": True, "quoteOrderQtyMarketAllowed": True,
                "allowTrailingStop": False, "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00",
                     "tickSize": tick},
                    {"filterType": "LOT_SIZE", "minQty": min_qty, "maxQty": "9000.00",
                     "stepSize": step},
                    {"filterType": "NOTIONAL", "minNotional": min_notional,
                     "applyMinToMarket": True,
                     "maxNotional": "9000000.00", "applyMaxToMarket": False, "avgPriceMins": 5},
                ],
                "permissions": [], "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
            })  # fmt: skip
        return 200, {"timezone": "UTC", "serverTime": int(time.time() * 1000),
                     "rateLimits": [], "exchangeFilters": [], "symbols": symbols}, None  # fmt: skip

    def _post_order(self, params):
        symbol = params.get("symbol")
        if symbol not in self.markets:
            return 400, {"code": -1121, "msg": "Invalid symbol."}, None
        client_id = params.get("newClientOrderId")
        if client_id is None:
            return 400, {"code": -1102, "msg": "newClientOrderId is required here."}, None
        if any(o["clientOrderId"] == client_id for o in self.orders.values()):
            return 400, {"code": -2010, "msg": "Duplicate order sent."}, None
        order_type = params.get("type")
        if order_type not in ("LIMIT", "MARKET") or "quantity" not in params:
            return 400, {"code": -1013, "msg": "Invalid order type or missing quantity."}, None
        qty = Decimal(params["quantity"])
        price = Decimal(params["price"]) if order_type == "LIMIT" else None
        problem = self._filter_error(symbol, qty, price)
        if problem is not None:
            return 400, {"code": -1013, "msg": problem}, None
        base, quote = self.markets[symbol][:2]
        if params.get("side") == "SELL" and self.balances.get(base, [Decimal(0)])[0] < qty:
            msg = "Account has insufficient balance for requested action."
            return 400, {"code": -2010, "msg": msg}, None
        if params.get("side") == "BUY":
            cost = qty * (price if price is not None else self.prices.get(symbol, Decimal(0)))
            if self.balances.get(quote, [Decimal(0)])[0] < cost:
                msg = "Account has insufficient balance for requested action."
                return 400, {"code": -2010, "msg": msg}, None
        order = self._new_order(params)
        events = self._events_for(order, "NEW", None)
        fills = []
        if order_type == "MARKET" and symbol in self.prices:
            trade = self._trade(order, qty, self.prices[symbol], maker=False)
            events += self._events_for(order, "TRADE", trade)
            fills.append({"price": trade["price"], "qty": trade["qty"],
                          "commission": trade["commission"],
                          "commissionAsset": trade["commissionAsset"],
                          "tradeId": trade["id"]})  # fmt: skip
        body = {k: order[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId", "price",
                                      "origQty", "executedQty", "cummulativeQuoteQty", "status",
                                      "timeInForce", "type", "side", "workingTime",
                                      "selfTradePreventionMode")}  # fmt: skip
        body["transactTime"] = order["updateTime"]
        body["origQuoteOrderQty"] = "0.00000000"
        body["fills"] = fills
        return 200, body, events

    def _lookup(self, params) -> dict | None:
        order = None
        if "orderId" in params:
            order = self.orders.get(int(params["orderId"]))
        elif "origClientOrderId" in params:
            order = self._find(params["origClientOrderId"])
        if order is not None and order["symbol"] != params.get("symbol"):
            return None
        return order

    def _get_order(self, params):
        order = self._lookup(params)
        if order is None:
            return 400, {"code": -2013, "msg": "Order does not exist."}, None
        return 200, dict(order), None

    def _delete_order(self, params):
        order = self._lookup(params)
        if order is None or order["status"] not in ("NEW", "PARTIALLY_FILLED"):
            return 400, {"code": -2011, "msg": "Unknown order sent."}, None
        self._cancel(order)
        body = {k: order[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId", "price",
                                      "origQty", "executedQty", "cummulativeQuoteQty", "status",
                                      "timeInForce", "type", "side",
                                      "selfTradePreventionMode")}  # fmt: skip
        body["origClientOrderId"] = order["clientOrderId"]
        body["transactTime"] = order["updateTime"]
        return 200, body, self._events_for(order, "CANCELED", None)

    def _get_openOrders(self, params):
        symbol = params.get("symbol")
        found = [
            dict(o)
            for o in self.orders.values()
            if o["status"] in ("NEW", "PARTIALLY_FILLED") and symbol in (None, o["symbol"])
        ]
        return 200, found, None

    def _get_myTrades(self, params):
        symbol = params.get("symbol")
        if symbol not in self.markets:
            return 400, {"code": -1121, "msg": "Invalid symbol."}, None
        found = [t for t in self.trades if t["symbol"] == symbol]
        if "orderId" in params:
            found = [t for t in found if t["orderId"] == int(params["orderId"])]
        if "fromId" in params:
            found = [t for t in found if t["id"] >= int(params["fromId"])]
        if "startTime" in params:
            found = [t for t in found if t["time"] >= int(params["startTime"])]
        if "endTime" in params:
            found = [t for t in found if t["time"] <= int(params["endTime"])]
        limit = min(int(params.get("limit", 500)), 1000)
        return 200, [dict(t) for t in found[:limit]], None

    def _get_account(self, params):
        balances = [
            {"asset": asset, "free": _s(free), "locked": _s(locked)}
            for asset, (free, locked) in self.balances.items()
        ]
        return 200, {
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
            "sellerCommission": 0, "canTrade": True, "canWithdraw": True, "canDeposit": True,
            "brokered": False, "requireSelfTradePrevention": False, "preventSor": False,
            "updateTime": int(time.time() * 1000), "accountType": "SPOT",
            "balances": balances, "permissions": ["SPOT"], "uid": 1,
        }, None  # fmt: skip

    def _post_userDataStream(self, params):
        return 200, {"listenKey": "loopbackListenKey0000000000000000000000000000000000000000"}, None

    def _put_userDataStream(self, params):
        return 200, {}, None

    def _delete_userDataStream(self, params):
        return 200, {}, None
