"""The live ``ccxt`` gateway: Binance spot through the real ccxt library.

Orders go out through ccxt's synchronous REST client on the engine's thread. Fills and order
updates come in through ccxt.pro's ``watch_orders`` / ``watch_my_trades`` (the user-data stream),
which run on a background thread with their own event loop and only *queue* what they see: every
journal write, and every change to the gateway's books, happens on the engine's thread (in
``submit``, ``cancel``, ``on_bar``, ``sync``, ``reconcile``), so the journal never sees two threads.

Money safety, as in the paper gateway: each order state and fill is handed to the journal before
the gateway changes its own books or returns it. An order is persisted ``NEW`` under its client
order id before the venue sees it; the venue's answer is persisted next (``OPEN``, ``FILLED``,
``REJECTED``...). A fill is persisted with the position after it and its order's new state (in one
transaction when the journal has ``record_execution``).

Duplicates are impossible by construction: the client order id (``<prefix>-<n>``) is fixed before
the first attempt, and a failed attempt (network error, timeout, 429/418, 5xx) is followed by a
look-up of that id (``fetch_order`` with ``origClientOrderId``) before anything is sent again. If
the venue has the order, it is adopted; Binance itself refuses a second order with an id in use.

Reconciliation runs on start, after every reconnect of the user-data stream, and when the engine
calls ``reconcile`` on resume. It compares the venue with the gateway's books: open orders (ours
the venue lost or finished, ours the gateway never heard back about, other people's), fills
missed while the stream was down (``fetch_my_trades`` since the last known fill), and balances.
The venue is the truth; every difference is logged on one line and kept in
``gateway.reconciliations``.

Secrets: the key and secret are read from the environment variables the options name, held by
the ccxt client only, masked in ``repr``, and scrubbed from every message the gateway logs or
raises (with request signatures and query strings).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs
from deepalpha.domain import (
    ZERO,
    Bar,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    OrderType,
    Portfolio,
    Position,
    Side,
    to_decimal,
)
from deepalpha.errors import ConfigError, DeepAlphaError
from deepalpha.gateways import Gateway, Journal

from .options import CcxtGatewayOptions

log = logging.getLogger(__name__)

#: ccxt options that keep Binance's market loading to the spot exchangeInfo request.
_BINANCE_OPTIONS: dict[str, Any] = {
    "fetchMarkets": {"types": ["spot"]},
    "fetchMargins": False,
    "fetchCurrencies": False,
    "defaultType": "spot",
    "warnOnFetchOpenOrdersWithoutSymbol": False,
}

_STATUS = {
    "open": OrderStatus.OPEN,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
}


class VenueUnavailable(DeepAlphaError):
    """The venue did not answer after every retry; what it did with the call is not known."""


@attrs.frozen
class Reconciliation:
    """One difference between the venue and the gateway's books, and what was done about it.

    ``kind``: ``opening_balance``, ``balance``, ``adopted_order`` (ours, open at the venue, not
    in the books: now journaled), ``foreign_order`` (open at the venue, not placed by this run:
    left alone), ``order_state`` (ours, changed at the venue while we were not listening),
    ``lost_order`` (ours, unknown to the venue: it never arrived), ``missed_fill`` (journaled
    now), ``foreign_fill`` (a fill of an order this run did not place).
    """

    ts: int
    reason: str
    kind: str
    symbol: str
    detail: str
    order_id: str | None = None

    def line(self) -> str:
        order = f" order {self.order_id}" if self.order_id else ""
        return f"{self.kind} {self.symbol}{order}: {self.detail} (reconcile on {self.reason})"


def _num(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return to_decimal(value)


def rewrite_urls(api: Any, base_url: str) -> Any:
    """Every URL in ccxt's ``urls['api']`` moved to ``base_url``, paths kept as suffixes;
    WebSocket URLs become ``ws://`` (``wss://`` on an ``https`` base)."""
    if isinstance(api, dict):
        return {key: rewrite_urls(value, base_url) for key, value in api.items()}
    if not isinstance(api, str):
        return api
    base, url = urlsplit(base_url), urlsplit(api)
    scheme = base.scheme
    if url.scheme in ("ws", "wss"):
        scheme = "wss" if base.scheme == "https" else "ws"
    path = base.path.rstrip("/") + url.path
    return urlunsplit((scheme, base.netloc, path, url.query, url.fragment))


class CcxtGateway(Gateway):
    """Binance spot through ccxt: journaled, idempotent, reconciled."""

    name = "ccxt"
    live = True
    allows_short = False

    def __init__(
        self,
        options: CcxtGatewayOptions | None = None,
        *,
        environ: dict[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options if options is not None else CcxtGatewayOptions()
        env = os.environ if environ is None else environ
        key, secret = env.get(self.options.api_key_env), env.get(self.options.secret_env)
        missing = [
            name
            for name, value in ((self.options.api_key_env, key), (self.options.secret_env, secret))
            if not value
        ]
        if missing:
            raise ConfigError(
                f"api_key_env / secret_env: environment variable(s) {', '.join(missing)} not set; "
                "the ccxt gateway reads the exchange key and secret from there"
            )
        self._credentials = (key, secret)
        self._secrets = tuple(s for s in (key, secret) if s)
        self._sleep = sleep
        self._clock = clock
        self.journal: Journal | None = None
        self.exchange: Any = None
        self.markets: dict[str, dict[str, Any]] = {}
        #: Every difference reconciliation found, oldest first.
        self.reconciliations: list[Reconciliation] = []
        self.prefix = self.options.client_id_prefix
        self._seq = 0
        self._orders: dict[str, Order] = {}
        self._venue_ids: dict[str, str] = {}
        self._by_venue_id: dict[str, str] = {}
        self._fill_ids: set[str] = set()
        self._last_fill_ts: dict[str, int] = {}
        self._positions: dict[str, Position] = {}
        self._holdings: dict[str, Decimal] = {}
        self._cash = ZERO
        self._fees = ZERO
        self._foreign: set[str] = set()
        self._unreported: list[Fill] = []
        self._last_close: dict[str, float] = {}
        self._restored = False
        self._started_ms = 0
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stream: _UserStream | None = None
        self._reconcile_due: str | None = None
        #: Times the user-data stream (re)subscribed; tests wait on it.
        self.stream_connects = 0

    def __repr__(self) -> str:
        return (
            f"CcxtGateway(exchange={self.options.exchange!r}, sandbox={self.options.sandbox}, "
            f"api_key='***', secret='***', prefix={self.prefix!r})"
        )

    # -- engine-facing API ------------------------------------------------------------------------

    def start(self, journal: Journal) -> None:
        self.journal = journal
        self._started_ms = int(self._clock() * 1000)
        if self.prefix is None:
            run_id = getattr(journal, "run_id", None) or getattr(journal, "_run_id", None)
            if run_id:
                digest = hashlib.sha256(str(run_id).encode()).hexdigest()[:10]
                self.prefix = f"da{digest}"
            else:
                self.prefix = f"da{uuid.uuid4().hex[:10]}"
                log.info("ccxt gateway: journal has no run id; client ids use %s", self.prefix)
        self.exchange = self._build_exchange()
        self._retrying("load_markets", self.exchange.load_markets)
        for symbol in self.options.symbols.values():
            self._market(symbol)
        self.reconcile_venue("start")
        if self.options.stream:
            self._stream = _UserStream(self, self._events)
            self._stream.start()

    def submit(self, intent: OrderIntent) -> Order:
        journal = self._ready()
        self.sync()
        self._seq += 1
        cid = f"{self.prefix}-{self._seq}"
        order = Order(
            id=cid,
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity if intent.quantity is not None else ZERO,
            ts=intent.ts,
            limit_price=intent.limit_price,
            reduce_only=intent.reduce_only,
            reason=intent.reason,
            client_tag=cid,
        )
        journal.record_order(order)
        self._orders[cid] = order
        try:
            order, amount, price = self._admit(order, intent.quantity)
        except _Refused as refusal:
            return self._record(order.transition(OrderStatus.REJECTED, reason=str(refusal)))
        return self._place(order, amount, price)

    def cancel(self, order_id: str) -> Order:
        self._ready()
        self.sync()
        order = self._orders.get(order_id)
        if order is None:
            raise KeyError(f"ccxt gateway: no order {order_id!r}")
        if order.status.is_terminal:
            return order
        symbol = self._venue_symbol(order.symbol)
        try:
            venue = self._retrying(
                f"cancel {order_id}",
                lambda: self.exchange.cancel_order(
                    self._venue_ids.get(order_id), symbol, {"origClientOrderId": order_id}
                ),
            )
        except self._ccxt.ExchangeError:
            venue = None  # finished (or never arrived) before the cancel: ask what happened
        if venue is None or venue.get("status") in (None, "open"):
            venue = self._fetch_by_client_id(order)
        if venue is None:
            return (
                self._record(
                    order.transition(OrderStatus.REJECTED, reason="the venue has no such order")
                )
                if order.status is OrderStatus.NEW
                else order
            )
        self._apply_venue_order(order_id, venue, reason="canceled by request")
        return self._orders[order_id]

    def on_bar(self, bar: Bar) -> list[Fill]:
        self._last_close[bar.symbol] = bar.close
        if self.journal is None:
            return []
        self.sync()
        fills, self._unreported = self._unreported, []
        return fills

    def portfolio(self) -> Portfolio:
        positions = {s: p for s, p in self._positions.items() if p.quantity}
        return Portfolio(cash=self._cash, positions=positions, fees_paid=self._fees)

    def open_orders(self) -> list[Order]:
        return [o for o in self._orders.values() if not o.status.is_terminal]

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream = None

    # -- the user-data stream, drained on the engine thread ---------------------------------------

    def sync(self) -> list[Fill]:
        """Apply what the stream queued (journaling it) and reconcile if a reconnect asked to;
        returns the fills found now (``on_bar`` also returns them, once)."""
        before = len(self._unreported)
        batch: list[tuple[str, Any]] = []
        while True:
            try:
                batch.append(self._events.get_nowait())
            except queue.Empty:
                break
        # Fills before order states: an order update then finds its fills already booked.
        batch.sort(key=lambda event: event[0] != "trade")
        for kind, payload in batch:
            if kind == "trade":
                self._apply_trade(payload, via="stream")
            elif kind == "order":
                cid = self._own(payload)
                if cid is not None:
                    self._apply_venue_order(cid, payload)
            elif kind == "connected":
                self.stream_connects += 1
                if self.stream_connects > 1:
                    self._reconcile_due = "reconnect"
            elif kind == "disconnected":
                log.warning("ccxt gateway: user-data stream dropped (%s); reconnecting", payload)
        if self._reconcile_due is not None:
            reason, self._reconcile_due = self._reconcile_due, None
            self.reconcile_venue(reason)
        elif self._stream is None and self.exchange is not None:
            for order in self.open_orders():  # no stream: ask the venue about each open order
                venue = self._fetch_by_client_id(order)
                if venue is not None:
                    self._apply_venue_order(order.id, venue)
        return self._unreported[before:]

    # -- reconciliation ---------------------------------------------------------------------------

    def reconcile(
        self, orders: Iterable[Order], fills: Iterable[Fill], prices: dict[str, float] | None = None
    ) -> list[str]:
        """On resume: take the stored orders and fills as the books, then reconcile with the
        venue. Returns one line per difference (the engine logs and stores them)."""
        self.restore(orders, fills)
        if prices:
            self._last_close.update(prices)
        first = len(self.reconciliations)
        self.reconcile_venue("resume")
        return [r.line() for r in self.reconciliations[first:]]

    def restore(self, orders: Iterable[Order], fills: Iterable[Fill]) -> None:
        """Load the books from stored orders and fills (what the journal holds for this run)."""
        self._restored = True
        for order in orders:
            self._orders[order.id] = order
            seq = self._sequence(order.id)
            if seq is not None:
                self._seq = max(self._seq, seq)
        positions: dict[str, Position] = {}
        for fill in sorted(fills, key=lambda f: f.ts):
            self._fill_ids.add(fill.id)
            positions[fill.symbol] = positions.get(fill.symbol, Position(fill.symbol)).apply(fill)
            self._last_fill_ts[fill.symbol] = max(self._last_fill_ts.get(fill.symbol, 0), fill.ts)
            self._fees += fill.fee
        self._positions.update(positions)

    def reconcile_venue(self, reason: str) -> list[Reconciliation]:
        """Compare the venue with the books (orders, fills, balances); the venue wins."""
        first = len(self.reconciliations)
        symbols = sorted(
            {self._venue_symbol(s) for s in self.options.symbols}
            | {self._venue_symbol(o.symbol) for o in self._orders.values()}
        )
        open_at_venue: set[str] = set()
        for symbol in symbols:
            venue_orders = self._retrying(
                f"fetch_open_orders {symbol}", lambda s=symbol: self.exchange.fetch_open_orders(s)
            )
            for venue in venue_orders:
                cid = self._own(venue)
                if cid is None:
                    if str(venue.get("id")) not in self._foreign:
                        self._foreign.add(str(venue.get("id")))
                        self._note(reason, "foreign_order", symbol, (
                            f"open at the venue, not placed by this run ({venue.get('side')} "
                            f"{venue.get('amount')} @ {venue.get('price')}, venue id "
                            f"{venue.get('id')}); left alone"), None)  # fmt: skip
                    continue
                open_at_venue.add(cid)
                if cid not in self._orders:
                    self._adopt(cid, venue, reason)
                else:
                    self._apply_venue_order(cid, venue, note=reason)
        for cid, order in list(self._orders.items()):
            if order.status.is_terminal or cid in open_at_venue:
                continue
            venue = self._fetch_by_client_id(order)
            if venue is None:
                lost = order.transition(
                    OrderStatus.REJECTED
                    if order.status is OrderStatus.NEW
                    else OrderStatus.CANCELED,
                    reason="the venue has no such order",
                )
                self._record(lost)
                self._note(reason, "lost_order", order.symbol,
                           f"{order.status.value} here, unknown to the venue; "
                           f"now {lost.status.value}",
                           cid)  # fmt: skip
            else:
                self._apply_venue_order(cid, venue, note=reason)
        # A fill may land between the trade and the balance requests: take the balance only
        # once a second look at the trades finds nothing new (bounded).
        for _attempt in range(3):
            for symbol in symbols:
                self._missed_fills(symbol, reason)
            balance = self._retrying("fetch_balance", self.exchange.fetch_balance)
            seen = len(self._fill_ids)
            for symbol in symbols:
                self._missed_fills(symbol, reason)
            if len(self._fill_ids) == seen:
                break
        self._balances(reason, balance)
        found = self.reconciliations[first:]
        log.info("ccxt gateway: reconciled on %s, %d difference(s)", reason, len(found))
        return found

    def _missed_fills(self, symbol: str, reason: str) -> None:
        since = self._last_fill_ts.get(self._our_symbol(symbol))
        if since is None:
            since = self._started_ms if not self._restored else 0
        for _page in range(100):  # bounded: 100 pages of 1000 trades
            trades = self._retrying(
                f"fetch_my_trades {symbol}",
                lambda since=since: self.exchange.fetch_my_trades(symbol, since, 1000),
            )
            for trade in trades:
                self._apply_trade(trade, via=reason)
            if len(trades) < 1000:
                break
            since = max(int(t["timestamp"]) for t in trades)

    def _balances(self, reason: str, balance: dict[str, Any]) -> None:
        totals = {
            asset: _dec(entry.get("free") or 0) + _dec(entry.get("locked") or 0)
            for entry in balance.get("info", {}).get("balances", [])
            if (asset := entry.get("asset"))
        }
        first = (
            not self._restored
            and not self.reconciliations_of("opening_balance")
            and (reason == "start")
        )
        quote = self.options.quote
        venue_cash = totals.get(quote, ZERO)
        if venue_cash != self._cash:
            kind = "opening_balance" if first else "balance"
            self._note(reason, kind, quote,
                       f"books {_num(self._cash)}, venue {_num(venue_cash)}; venue taken",
                       None)  # fmt: skip
            self._cash = venue_cash
        for symbol in sorted(set(self.options.symbols) | {o.symbol for o in self._orders.values()}):
            base = self._market(self._venue_symbol(symbol))["base"]
            venue_qty = totals.get(base, ZERO)
            position = self._positions.get(symbol) or Position(symbol)
            if venue_qty != position.quantity:
                kind = "opening_balance" if first else "balance"
                self._note(reason, kind, symbol,
                           f"books {_num(position.quantity)} {base}, venue {_num(venue_qty)} "
                           f"{base}; venue taken", None)  # fmt: skip
                average = position.average_price if position.quantity else ZERO
                self._positions[symbol] = attrs.evolve(
                    position, quantity=venue_qty, average_price=average
                )
            self._holdings[base] = venue_qty

    def reconciliations_of(self, kind: str) -> list[Reconciliation]:
        return [r for r in self.reconciliations if r.kind == kind]

    def _note(self, reason: str, kind: str, symbol: str, detail: str, order_id: str | None) -> None:
        record = Reconciliation(int(self._clock() * 1000), reason, kind, symbol,
                                self._scrub(detail), order_id)  # fmt: skip
        self.reconciliations.append(record)
        log.warning("ccxt gateway reconcile: %s", record.line())

    def _adopt(self, cid: str, venue: dict[str, Any], reason: str) -> None:
        """One of ours at the venue the books never heard back about (a crash after sending)."""
        symbol = self._our_symbol(venue["symbol"])
        order = Order(
            id=cid,
            symbol=symbol,
            side=Side(venue["side"]),
            order_type=OrderType.LIMIT if venue.get("type") == "limit" else OrderType.MARKET,
            quantity=self._amount(venue),
            ts=int(venue.get("timestamp") or self._clock() * 1000),
            limit_price=_dec(venue.get("price")) if venue.get("type") == "limit" else None,
            client_tag=cid,
        )
        self._journal().record_order(order)
        self._orders[cid] = order
        seq = self._sequence(cid)
        if seq is not None:
            self._seq = max(self._seq, seq)
        self._note(reason, "adopted_order", symbol,
                   f"open at the venue, missing from the books; journaled as {venue.get('status')}",
                   cid)  # fmt: skip
        self._apply_venue_order(cid, venue)

    # -- admission --------------------------------------------------------------------------------

    def _admit(self, order: Order, quantity: Decimal | None) -> tuple[Order, str, str | None]:
        """Round to the market's precision and check its minimums; raises ``_Refused``."""
        if quantity is None:
            raise _Refused("quantity is not set: a sizing rule must run before the gateway")
        if not quantity.is_finite() or quantity <= 0:
            raise _Refused(f"quantity must be > 0, got {_num(quantity)}")
        try:
            market = self._market(self._venue_symbol(order.symbol))
        except ConfigError as exc:
            raise _Refused(str(exc)) from None
        if market["quote"] != self.options.quote:
            raise _Refused(
                f"{order.symbol} is quoted in {market['quote']}, "
                f"the account in {self.options.quote}"
            )
        symbol = market["symbol"]
        ex = self.exchange
        try:
            amount = ex.amount_to_precision(symbol, str(quantity))  # truncates to the step
        except self._ccxt.BaseError:  # below one step: ccxt refuses to round it
            amount = "0"
        if Decimal(amount) <= 0:
            raise _Refused(f"quantity {_num(quantity)} rounds to 0 at step "
                           f"{market['precision']['amount']}")  # fmt: skip
        price_text: str | None = None
        if order.order_type is OrderType.LIMIT:
            if order.limit_price is None or not order.limit_price > 0:
                raise _Refused("limit order needs a limit_price > 0")
            price_text = ex.price_to_precision(symbol, str(order.limit_price))
            tick = _dec(market["precision"]["price"])
            looser = (Decimal(price_text) > order.limit_price) if order.side is Side.BUY else (
                Decimal(price_text) < order.limit_price)  # fmt: skip
            if looser and tick:  # never rounded against the trader
                stricter = Decimal(price_text) - tick * order.side.sign
                price_text = ex.price_to_precision(symbol, str(stricter))
            reference = Decimal(price_text)
        elif order.limit_price is not None:
            raise _Refused("market order must not carry a limit_price")
        else:
            close = self._last_close.get(order.symbol)
            if close is None:
                raise _Refused(f"no price for {order.symbol} yet to check the minimum notional")
            reference = to_decimal(close)
        limits = market.get("limits") or {}
        min_amount = _dec((limits.get("amount") or {}).get("min"))
        if min_amount is not None and Decimal(amount) < min_amount:
            raise _Refused(
                f"quantity {amount} is below {symbol}'s minimum amount {_num(min_amount)}"
            )
        min_cost = _dec((limits.get("cost") or {}).get("min"))
        notional = Decimal(amount) * reference
        if min_cost is not None and notional < min_cost:
            raise _Refused(
                f"notional {_num(notional)} {market['quote']} is below {symbol}'s minimum "
                f"{_num(min_cost)} {market['quote']}"
            )
        rounded = attrs.evolve(
            order,
            quantity=Decimal(amount),
            limit_price=Decimal(price_text) if price_text is not None else None,
        )
        return rounded, amount, price_text

    # -- placing, with retries that never duplicate ----------------------------------------------

    def _place(self, order: Order, amount: str, price: str | None) -> Order:
        ccxt = self._ccxt
        symbol = self._venue_symbol(order.symbol)
        params = {"newClientOrderId": order.id}
        delay = self.options.retry_delay
        venue = None
        for attempt in range(self.options.retries + 1):
            if attempt:
                venue = self._fetch_by_client_id(order, retry=False)
                if venue is not None:
                    log.info("ccxt gateway: order %s found at the venue after a failed "
                             "attempt; adopted, not sent again", order.id)  # fmt: skip
                    break
            try:
                venue = self.exchange.create_order(
                    symbol, order.order_type.value, order.side.value, amount, price, dict(params)
                )
                break
            except ccxt.NetworkError as exc:  # timeouts, 5xx, 429/418 (DDoSProtection) too
                wait = self._wait(exc, delay)
                if attempt == self.options.retries:
                    # The venue may or may not have it: the order stays NEW until a
                    # reconciliation finds out.
                    log.error("ccxt gateway: order %s unconfirmed after %d attempts: %s",
                              order.id, attempt + 1, self._safe(exc))  # fmt: skip
                    self._orders[order.id] = order
                    self._reconcile_due = self._reconcile_due or "unconfirmed order"
                    return order
                log.warning("ccxt gateway: placing %s failed (%s); retry in %.2fs",
                            order.id, self._safe(exc), wait)  # fmt: skip
                self._sleep(wait)
                delay = min(delay * 2, self.options.max_retry_delay)
            except ccxt.BaseError as exc:  # the venue refused it
                self._orders[order.id] = order
                return self._record(
                    order.transition(OrderStatus.REJECTED, reason=f"venue: {self._safe(exc)}")
                )
        self._orders[order.id] = order
        self._apply_venue_order(order.id, venue)
        return self._orders[order.id]

    def _fetch_by_client_id(self, order: Order, retry: bool = True) -> dict[str, Any] | None:
        symbol = self._venue_symbol(order.symbol)

        def fetch():
            return self.exchange.fetch_order(None, symbol, {"origClientOrderId": order.id})

        try:
            return self._retrying(f"fetch_order {order.id}", fetch) if retry else fetch()
        except self._ccxt.OrderNotFound:
            return None
        except self._ccxt.NetworkError:
            if retry:
                raise
            return None  # not known yet; the caller's next attempt asks again

    def _retrying(self, what: str, call: Callable[[], Any]) -> Any:
        ccxt = self._ccxt
        delay = self.options.retry_delay
        for attempt in range(self.options.retries + 1):
            try:
                return call()
            except ccxt.NetworkError as exc:
                if attempt == self.options.retries:
                    raise VenueUnavailable(
                        f"ccxt gateway: {what} failed {attempt + 1} times: {self._safe(exc)}"
                    ) from None
                wait = self._wait(exc, delay)
                log.warning("ccxt gateway: %s failed (%s); retry in %.2fs",
                            what, self._safe(exc), wait)  # fmt: skip
                self._sleep(wait)
                delay = min(delay * 2, self.options.max_retry_delay)
        raise AssertionError("unreachable")

    def _wait(self, exc: Exception, delay: float) -> float:
        """The backoff delay, or longer when a 429/418 came with a ``Retry-After``."""
        if isinstance(exc, self._ccxt.DDoSProtection):
            headers = getattr(self.exchange, "last_response_headers", None) or {}
            value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
            try:
                return max(delay, min(float(value), 600.0)) if value is not None else delay
            except ValueError:
                return delay
        return delay

    # -- applying the venue's view ----------------------------------------------------------------

    def _apply_venue_order(
        self, cid: str, venue: dict[str, Any], reason: str = "", note: str | None = None
    ) -> None:
        """Bring the books' order ``cid`` to the venue's state: fills first, then status."""
        order = self._orders[cid]
        if venue.get("id") is not None:
            self._venue_ids[cid] = str(venue["id"])
            self._by_venue_id[str(venue["id"])] = cid
        before = order.status
        for trade in venue.get("trades") or []:
            self._apply_trade(dict(trade, symbol=venue.get("symbol")), via="order response")
        executed = self._executed(venue)
        if executed is not None and executed > self._orders[cid].filled_quantity:
            symbol = self._venue_symbol(order.symbol)
            trades = self._retrying(
                f"fetch_my_trades {cid}",
                lambda: self.exchange.fetch_my_trades(
                    symbol, None, None, {"orderId": self._venue_ids.get(cid)}
                ),
            )
            for trade in trades:
                self._apply_trade(trade, via=note or "order catch-up")
        order = self._orders[cid]
        status = _STATUS.get(str(venue.get("status")))
        if status is None or order.status.is_terminal:
            return
        if status is OrderStatus.OPEN:
            if order.status is OrderStatus.NEW:
                self._record(order.transition(OrderStatus.OPEN))
        elif status is OrderStatus.FILLED:
            if order.filled_quantity < order.quantity:
                self._note(note or "order update", "order_state", order.symbol,
                           f"venue says filled, books have {_num(order.filled_quantity)} of "
                           f"{_num(order.quantity)}", cid)  # fmt: skip
        else:
            text = reason or f"{venue.get('status')} at the venue"
            self._record(order.transition(status, reason=text))
        after = self._orders[cid].status
        if note is not None and after is not before:
            self._note(note, "order_state", order.symbol,
                       f"{before.value} in the books, {after.value} at the venue", cid)  # fmt: skip

    def _apply_trade(self, trade: dict[str, Any], via: str) -> Fill | None:
        raw = _RawTrade.parse(trade)
        symbol = self._our_symbol(raw.symbol or trade.get("symbol") or "")
        fill_id = f"{self.options.exchange}-{raw.symbol_id or symbol}-{raw.trade_id}"
        if fill_id in self._fill_ids:
            return None
        cid = raw.client_id if raw.client_id and self._is_ours(raw.client_id) else None
        if cid is None and raw.order_id is not None:
            cid = self._by_venue_id.get(raw.order_id)
        if cid is None or cid not in self._orders:
            if cid is None and raw.order_id is not None and fill_id not in self._foreign:
                self._foreign.add(fill_id)
                self._note(via, "foreign_fill", symbol,
                           f"trade {raw.trade_id} of venue order {raw.order_id} "
                           f"({_num(raw.quantity)} @ {_num(raw.price)}) is not this run's",
                           None)  # fmt: skip
            return None
        order = self._orders[cid]
        market = self._market(self._venue_symbol(order.symbol))
        fee = ZERO
        base_fee = ZERO
        if raw.fee_currency in (None, market["quote"], market["quoteId"]):
            fee = raw.fee
        elif raw.fee_currency in (market["base"], market["baseId"]):
            base_fee = raw.fee
            fee = raw.fee * raw.price  # its value in the quote currency, for the record
        else:
            log.warning("ccxt gateway: fee of fill %s paid in %s; not booked in %s",
                        fill_id, raw.fee_currency, market["quote"])  # fmt: skip
        fill = Fill(fill_id, cid, order.symbol, order.side, raw.quantity, raw.price, fee, raw.ts)
        position = (self._positions.get(order.symbol) or Position(order.symbol)).apply(fill)
        if base_fee:
            position = attrs.evolve(position, quantity=position.quantity - base_fee)
        filled = order.filled_quantity + raw.quantity
        status = OrderStatus.FILLED if filled >= order.quantity else OrderStatus.PARTIALLY_FILLED
        notional = fill.notional
        total = order.average_price * order.filled_quantity if order.average_price else ZERO
        done = order.transition(
            status, filled_quantity=filled, average_price=(total + notional) / filled
        )
        journal = self._journal()
        record = getattr(journal, "record_execution", None)
        if record is not None:
            record(fill, position, done)
        else:
            journal.record_fill(fill, position)
            journal.record_order(done)
        # Durable: now the books move.
        self._fill_ids.add(fill_id)
        self._orders[cid] = done
        self._positions[order.symbol] = position
        self._holdings[market["base"]] = position.quantity
        if raw.fee_currency in (None, market["quote"], market["quoteId"]):
            self._fees += fee
        signed = notional if order.side is Side.BUY else -notional
        self._cash = self._cash - signed - (fee if not base_fee else ZERO)
        self._last_fill_ts[order.symbol] = max(self._last_fill_ts.get(order.symbol, 0), raw.ts)
        self._unreported.append(fill)
        if via not in ("stream", "order response", "order catch-up"):
            self._note(via, "missed_fill", order.symbol,
                       f"fill {fill_id} {_num(raw.quantity)} @ {_num(raw.price)} found at the "
                       "venue; journaled", cid)  # fmt: skip
        return fill

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def _ccxt(self):
        import ccxt

        return ccxt

    def _build_exchange(self):
        ccxt = self._ccxt
        key, secret = self._credentials
        config: dict[str, Any] = {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": True,
            "timeout": int(self.options.timeout * 1000),
            "options": _options(self.options.recv_window),
        }
        exchange = getattr(ccxt, self.options.exchange)(config)
        exchange.logger = _ScrubbingLogger(self._scrub)
        if self.options.sandbox:
            exchange.set_sandbox_mode(True)
        if self.options.base_url is not None:
            exchange.urls["api"] = rewrite_urls(exchange.urls["api"], self.options.base_url)
        return exchange

    def _build_stream_exchange(self):
        import ccxt.pro

        key, secret = self._credentials
        exchange = getattr(ccxt.pro, self.options.exchange)({
            "apiKey": key, "secret": secret, "enableRateLimit": True,
            "timeout": int(self.options.timeout * 1000),
            "options": _options(self.options.recv_window),
        })  # fmt: skip
        exchange.logger = _ScrubbingLogger(self._scrub)
        if self.options.sandbox:
            exchange.set_sandbox_mode(True)
        if self.options.base_url is not None:
            exchange.urls["api"] = rewrite_urls(exchange.urls["api"], self.options.base_url)
        return exchange

    def _market(self, symbol: str) -> dict[str, Any]:
        market = self.exchange.markets.get(symbol) if self.exchange is not None else None
        if market is None and self.exchange is not None:
            market = self.exchange.markets_by_id.get(symbol, [None])[0]
        if market is None:
            raise ConfigError(f"symbols: {symbol!r} is not a {self.options.exchange} spot market")
        return market

    def _venue_symbol(self, symbol: str) -> str:
        return self.options.symbols.get(symbol, symbol)

    def _our_symbol(self, venue_symbol: str) -> str:
        for ours, theirs in self.options.symbols.items():
            if theirs == venue_symbol:
                return ours
        return venue_symbol

    def _is_ours(self, cid: str) -> bool:
        return bool(self.prefix) and cid.startswith(f"{self.prefix}-")

    def _own(self, venue: dict[str, Any]) -> str | None:
        cid = venue.get("clientOrderId")
        if cid and self._is_ours(cid):
            return cid
        return self._by_venue_id.get(str(venue.get("id")))

    def _sequence(self, cid: str) -> int | None:
        if not self._is_ours(cid):
            return None
        tail = cid[len(self.prefix) + 1 :]  # type: ignore[arg-type]
        return int(tail) if tail.isdigit() else None

    @staticmethod
    def _amount(venue: dict[str, Any]) -> Decimal:
        info = venue.get("info") or {}
        return _dec(info.get("origQty") or info.get("q")) or to_decimal(venue["amount"])

    @staticmethod
    def _executed(venue: dict[str, Any]) -> Decimal | None:
        info = venue.get("info") or {}
        value = info.get("executedQty", info.get("z"))
        if value is None and venue.get("filled") is not None:
            return to_decimal(venue["filled"])
        return _dec(value)

    def _record(self, order: Order) -> Order:
        self._journal().record_order(order)
        self._orders[order.id] = order
        return order

    def _journal(self) -> Journal:
        if self.journal is None:
            raise RuntimeError("ccxt gateway: call start(journal) before trading")
        return self.journal

    def _ready(self) -> Journal:
        journal = self._journal()
        if self.exchange is None:
            raise RuntimeError("ccxt gateway: start() did not finish")
        return journal

    _SIGNATURE = re.compile(
        r"(signature|apiKey|secret|X-MBX-APIKEY)(['\"]?\s*[=:]\s*['\"]?)[^&\s\"',}]*", re.IGNORECASE
    )
    _QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = self._SIGNATURE.sub(r"\1\2***", text)
        return self._QUERY.sub(r"\1?…", text)

    def _safe(self, exc: BaseException) -> str:
        """One line about ``exc`` with no secret, signature or query string in it."""
        return self._scrub(f"{type(exc).__name__}: {exc}".splitlines()[0][:300])


def _options(recv_window: int) -> dict[str, Any]:
    options = {k: (dict(v) if isinstance(v, dict) else v) for k, v in _BINANCE_OPTIONS.items()}
    options["recvWindow"] = recv_window
    return options


class _ScrubbingLogger:
    """ccxt's ``exchange.logger``: its DEBUG lines carry request headers (the API key) and
    signed URLs; this one formats each message, scrubs it, then logs it as ccxt would."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        self._logger = logging.getLogger("ccxt.base.exchange")
        self._scrub = scrub

    def _log(self, level: int, msg: str, *args: Any, **kwargs: Any) -> None:
        if self._logger.isEnabledFor(level):
            text = msg % args if args else str(msg)
            kwargs.pop("exc_info", None)
            self._logger.log(level, "%s", self._scrub(text))

    def debug(self, msg, *args, **kwargs):
        self._log(logging.DEBUG, msg, *args, **kwargs)

    def info(self, msg, *args, **kwargs):
        self._log(logging.INFO, msg, *args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        self._log(logging.WARNING, msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs):
        self._log(logging.ERROR, msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs):
        self._log(logging.ERROR, msg, *args, **kwargs)


class _Refused(Exception):
    """Internal: the order fails a check before it is sent; the message becomes the reason."""


@attrs.frozen
class _RawTrade:
    """A fill as the venue wrote it (exact strings), from any of ccxt's trade shapes."""

    symbol: str | None
    symbol_id: str | None
    trade_id: str
    order_id: str | None
    client_id: str | None
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str | None
    ts: int

    @classmethod
    def parse(cls, trade: dict[str, Any]) -> _RawTrade:
        info = trade.get("info") or {}
        if "e" in info:  # a WebSocket executionReport
            return cls(trade.get("symbol"), info.get("s"), str(info["t"]), str(info["i"]),
                       info.get("c") or None, Decimal(info["l"]), Decimal(info["L"]),
                       Decimal(info.get("n") or 0), info.get("N"), int(info["T"]))  # fmt: skip
        if "qty" in info and "id" in info:  # a REST myTrades row
            return cls(trade.get("symbol"), info.get("symbol"), str(info["id"]),
                       str(info["orderId"]), None, Decimal(info["qty"]), Decimal(info["price"]),
                       Decimal(info.get("commission") or 0), info.get("commissionAsset"),
                       int(info["time"]))  # fmt: skip
        if "tradeId" in info:  # a fill inside a FULL order response
            fee = trade.get("fee") or {}
            return cls(trade.get("symbol"), None, str(info["tradeId"]), trade.get("order"), None,
                       Decimal(info["qty"]), Decimal(info["price"]),
                       Decimal(info.get("commission") or 0), info.get("commissionAsset")
                       or fee.get("currency"),
                       int(trade.get("timestamp") or time.time() * 1000))  # fmt: skip
        fee = trade.get("fee") or {}
        return cls(trade.get("symbol"), None, str(trade["id"]), trade.get("order"),
                   trade.get("clientOrderId"), to_decimal(trade["amount"]),
                   to_decimal(trade["price"]), to_decimal(fee.get("cost") or 0),
                   fee.get("currency"), int(trade["timestamp"]))  # fmt: skip


class _UserStream:
    """ccxt.pro's ``watch_orders`` and ``watch_my_trades`` on a thread with its own loop.

    It only queues: ``("connected", n)`` each time the stream is subscribed (the first one, and
    after every reconnect, which makes the gateway reconcile), ``("disconnected", why)``,
    ``("order", ccxt order)`` and ``("trade", ccxt trade)``. A dropped connection makes both
    watchers raise; the supervisor waits (doubling, capped at 30 s), subscribes again and says so.
    A reconnect ccxt did on its own between two calls is noticed by the client object changing.
    """

    def __init__(self, gateway: CcxtGateway, events: queue.Queue) -> None:
        self.gateway = gateway
        self.events = events
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="ccxt-user-stream", daemon=True)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        loop = self._loop
        if loop is not None and self._task is not None:
            loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(15)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._task = loop.create_task(self._supervise())
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    async def _supervise(self) -> None:
        gateway = self.gateway
        exchange = gateway._build_stream_exchange()
        delay = gateway.options.reconnect_delay
        connects = 0
        try:
            await exchange.load_markets()
            url = exchange.urls["api"]["ws"]["ws-api"]["spot"]
            while not self._stop.is_set():
                try:
                    await exchange.authenticate({"type": "spot"})
                    client = exchange.clients.get(url)
                    connects += 1
                    self.events.put(("connected", connects))
                    delay = gateway.options.reconnect_delay
                    tasks = [
                        asyncio.ensure_future(self._watch(w, kind, exchange, url, client))
                        for w, kind in ((exchange.watch_my_trades, "trade"),
                                        (exchange.watch_orders, "order"))
                    ]  # fmt: skip
                    try:
                        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                    finally:
                        for task in tasks:
                            task.cancel()
                        await asyncio.gather(*tasks, return_exceptions=True)
                    for task in done:
                        if task.exception() is not None:
                            raise task.exception()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # ccxt errors, and anything else: reconnect
                    self.events.put(("disconnected", gateway._safe(exc)))
                    await asyncio.sleep(delay)
                    delay = min(max(delay, 0.05) * 2, 30.0)
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection may raise
                await exchange.close()

    async def _watch(self, watch, kind: str, exchange, url: str, client) -> None:
        while not self._stop.is_set():
            if exchange.clients.get(url) is not client:
                raise ConnectionError("the user-data connection was replaced")
            items = await watch()
            for item in items:
                self.events.put((kind, item))
