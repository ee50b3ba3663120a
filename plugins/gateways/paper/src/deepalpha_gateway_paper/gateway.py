"""The paper gateway: a simulated venue with exact, journaled booking.

Timing (no look-ahead). An order submitted while the engine processes bar ``t`` carries
``ts = t``; it can only be matched by a later bar (``bar.ts > order.ts``). The engine calls
``on_bar(t+1)`` before agents see bar ``t+1``: market orders then fill at that bar's open moved by
slippage, and resting limit orders fill when the bar trades through their limit.

Money safety. Each change is computed first, handed to the journal, and only applied to the
gateway's own state once the journal returned: what the engine is told is always already
persisted. A submit persists the order as ``NEW`` before the venue looks at it, then as ``OPEN``
or ``REJECTED``. If the journal raises, the exception propagates (the order is not acknowledged)
and the gateway halts: every later ``submit``, ``cancel`` or ``on_bar`` raises ``GatewayHalted``,
because memory and storage may now disagree and guessing which one is right is not safe with
money. Reading (``portfolio``, ``open_orders``) keeps working.

Rejections are returned, not raised: an order the venue refuses (no quantity, too small, not enough
cash or holdings) comes back persisted with status ``REJECTED`` and the reason in ``Order.reason``.
A refusal is an ordinary outcome of trading and the engine records it like any other order;
``OrderRejected`` is left for venues that can only report failure by raising.

Reservations. Open buy orders reserve cash (quantity x expected price x (1 + fee)), open sell
orders reserve holdings, so two orders placed on the same bar cannot both spend the same money.
A market order's expected price is the last close plus slippage; at fill time the real cost is
checked again and an order the account can no longer pay for (a gap up) is canceled with a reason,
never booked into negative cash.

Fills are atomic. A fill, the position after it and the order's new state (``FILLED``) go to the
journal in one call, ``record_execution``, which a store journal commits in one transaction: no
crash can leave a stored fill on an order that still looks open. A journal without that method
(a test's) gets ``record_fill`` then ``record_order``.

Restarts. The venue's state is rebuilt from what the journal stored (``restore``): cash, fees,
positions from the fills, resting orders and their reservations, and the order and fill id
sequences, so a resumed run never issues ``paper-1`` again. ``reconcile`` compares the state the
gateway holds with the one the stored orders and fills give, returns every difference and adopts
the stored one; an order stored as ``NEW`` (the venue never answered before the crash) is
rejected with that reason.

Exactness. Cash and fees are updated in a wide ``Decimal`` context that traps ``Inexact``: a
booking that would need rounding raises instead of silently losing a fraction of a cent.

Engines. With ``engine: rust`` (the default) the matching and the fill amounts come from the Rust
execution engine (``deepalpha_kernel.ExecutionEngine``, run with ``bar_matching="arrival"``,
``account_rules="cash"`` and ``fee_increment=fee_tick``: the rules above, in Rust). Everything
else stays here, in the same order: admission and reservations (an order the gateway admits is
then submitted to the engine, and only then journaled ``OPEN``), the journal calls, the halt, the
``Decimal`` records. Each engine fill is checked against the price and fee rules of ``pricing``
before it is journaled; a disagreement raises and halts, like a journal failure.
Cancellations the engine makes at fill time (a gap up, holdings, reduce-only) come back with the
same reasons. ``restore`` rebuilds the engine from the stored fills and resting orders.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal

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
)
from deepalpha.errors import DeepAlphaError
from deepalpha.gateways import Gateway, Journal

from .options import PaperOptions
from .pricing import fee_for, limit_price, market_price, to_tick

#: Booking context: wide enough for any realistic balance, and it refuses to round.
_BOOKING = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation])


_ORDER_ID = re.compile(r"paper-(\d+)")
_FILL_ID = re.compile(r"paper-fill-(\d+)")
_RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def _seq(pattern: re.Pattern[str], ids: Iterable[str]) -> int:
    numbers = [int(m.group(1)) for m in map(pattern.fullmatch, ids) if m is not None]
    return max(numbers, default=0)


def _num(value: Decimal) -> str:
    """A booked amount as people write it: no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Refused(Exception):
    """Internal: the venue refuses an order; the message becomes ``Order.reason``."""


class GatewayHalted(DeepAlphaError):
    """The gateway stopped trading because its journal failed; restart from storage."""


class PaperGateway(Gateway):
    """A simulated spot (or, with ``allow_short``, short-capable) account on one quote currency."""

    name = "paper"
    live = False

    def __init__(self, options: PaperOptions | None = None) -> None:
        self.options = options if options is not None else PaperOptions()
        self.journal: Journal | None = None
        self._cash = self.options.initial_cash
        self._fees = ZERO
        self._positions: dict[str, Position] = {}
        #: Last persisted state of every order, so cancel can answer for finished ones.
        self._orders: dict[str, Order] = {}
        #: Resting orders in arrival order, which is also their matching priority.
        self._book: dict[str, Order] = {}
        #: Expected fill price of each resting buy, for the cash reservation.
        self._expected: dict[str, Decimal] = {}
        #: Last close per symbol, kept as the bar's float: converting only when a market buy
        #: needs it keeps ``on_bar`` cheap on the many bars with nothing to match.
        self._last_close: dict[str, float] = {}
        self._last_ts: dict[str, int] = {}
        self._order_seq = 0
        self._fill_seq = 0
        self._halt: BaseException | None = None
        #: With ``engine: rust``: the engine, and each resting order's id in it.
        self._rust = self._new_engine() if self.options.engine == "rust" else None
        self._rust_ids: dict[str, int] = {}

    # -- engine-facing API ------------------------------------------------------------------------

    @property
    def allows_short(self) -> bool:
        return self.options.allow_short

    def start(self, journal: Journal) -> None:
        self.journal = journal

    def submit(self, intent: OrderIntent) -> Order:
        journal = self._ready()
        self._order_seq += 1
        order = Order(
            id=f"paper-{self._order_seq}",
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity if intent.quantity is not None else ZERO,
            ts=intent.ts,
            limit_price=intent.limit_price,
            reduce_only=intent.reduce_only,
            reason=intent.reason,
        )
        self._persist(journal.record_order, order)
        self._orders[order.id] = order
        try:
            if intent.quantity is None:
                raise _Refused("quantity is not set: a sizing rule must run before the gateway")
            order, expected = self._admit(order)
            if self._rust is not None:
                self._rust_submit(order)
        except _Refused as refusal:
            rejected = order.transition(OrderStatus.REJECTED, reason=str(refusal))
            self._persist(journal.record_order, rejected)
            self._orders[order.id] = rejected
            return rejected
        opened = order.transition(OrderStatus.OPEN)
        self._persist(journal.record_order, opened)
        self._orders[opened.id] = opened
        self._book[opened.id] = opened
        if expected is not None:
            self._expected[opened.id] = expected
        return opened

    def cancel(self, order_id: str) -> Order:
        """Cancel a resting order. Canceling a finished order returns it unchanged."""
        journal = self._ready()
        order = self._orders.get(order_id)
        if order is None:
            raise KeyError(f"paper gateway: no order {order_id!r}")
        if order.status.is_terminal:
            return order
        canceled = order.transition(OrderStatus.CANCELED, reason="canceled by request")
        if self._rust is not None and order.id in self._rust_ids:
            self._rust.cancel_order(self._rust_ids[order.id])
        self._persist(journal.record_order, canceled)
        self._unbook(canceled)
        return canceled

    def on_bar(self, bar: Bar) -> list[Fill]:
        symbol = bar.symbol
        last = self._last_ts.get(symbol)
        if last is not None and bar.ts <= last:
            raise ValueError(f"paper gateway: {symbol} bar at {bar.ts} is not after {last}")
        self._last_ts[symbol] = bar.ts
        self._last_close[symbol] = bar.close
        if not self._book and self._halt is None and self.journal is not None:
            return []  # the common case on every bar of a backtest: nothing rests
        journal = self._ready()
        if self._rust is not None:
            return self._on_bar_rust(journal, bar)
        fills: list[Fill] = []
        resting = [o for o in self._book.values() if o.symbol == symbol]
        for order in resting:
            if order.ts >= bar.ts:
                continue  # placed on this bar (or later): it may only fill on a later one
            price = self._fill_price(order, bar)
            if price is not None:
                fill = self._execute(journal, order, price, bar.ts)
                if fill is not None:
                    fills.append(fill)
        return fills

    def portfolio(self) -> Portfolio:
        return Portfolio(cash=self._cash, positions=dict(self._positions), fees_paid=self._fees)

    def open_orders(self) -> list[Order]:
        return list(self._book.values())

    # -- admission --------------------------------------------------------------------------------

    def _admit(self, order: Order) -> tuple[Order, Decimal | None]:
        """Put ``order`` on the venue's grid and check the account can honour it.

        Returns the order as it will rest and, for a buy, its expected fill price (the basis of
        its cash reservation). Raises ``_Refused`` with the reason the venue gives.
        """
        opts = self.options
        if not order.quantity.is_finite() or order.quantity <= 0:
            raise _Refused(f"quantity must be > 0, got {_num(order.quantity)}")
        order = self._checked_limit(order)
        quantity = (order.quantity / opts.quantity_step).to_integral_value(ROUND_DOWN)
        quantity *= opts.quantity_step
        if quantity <= 0 or quantity < opts.min_quantity:
            raise _Refused(
                f"quantity {_num(order.quantity)} is below the venue minimum "
                f"(step {_num(opts.quantity_step)}, minimum {_num(opts.min_quantity)})"
            )
        order = attrs.evolve(order, quantity=self._checked_holdings(order, quantity))
        if order.side is Side.SELL:
            return order, None
        if order.order_type is OrderType.LIMIT:
            expected = order.limit_price
        else:
            close = self._last_close.get(order.symbol)
            if close is None:
                raise _Refused(f"no price for {order.symbol} yet: no bar of it was seen")
            expected = market_price(close, Side.BUY, opts.slippage_bps, opts.price_tick)
        cost = self._cost(order.quantity, expected, self._rate(order))
        available = self._cash - self._reserved_cash()
        if cost > available:
            quote = opts.quote
            raise _Refused(
                f"insufficient cash: need {_num(cost)} {quote}, available {_num(available)} {quote}"
            )
        return order, expected

    def _checked_limit(self, order: Order) -> Order:
        """Validate the limit price and round it to the tick, never looser than asked."""
        if order.order_type is OrderType.MARKET:
            if order.limit_price is not None:
                raise _Refused("market order must not carry a limit_price")
            return order
        if order.limit_price is None:
            raise _Refused("limit order without limit_price")
        if not order.limit_price.is_finite() or not order.limit_price > 0:
            raise _Refused(f"limit_price must be > 0, got {_num(order.limit_price)}")
        # A buy limit rounds down and a sell limit up: the rounded order is never looser.
        stricter = Side.SELL if order.side is Side.BUY else Side.BUY
        limit = to_tick(order.limit_price, self.options.price_tick, stricter)
        if limit <= 0:
            raise _Refused(f"limit_price {_num(order.limit_price)} rounds to 0")
        return attrs.evolve(order, limit_price=limit)

    def _checked_holdings(self, order: Order, quantity: Decimal) -> Decimal:
        """The quantity the position allows: reduce-only orders shrink, spot sells must be held."""
        position = self._positions.get(order.symbol, Position(order.symbol)).quantity
        committed = self._committed(order.symbol, order.side)
        if order.reduce_only:
            if position * order.side.sign >= 0:
                raise _Refused(
                    f"reduce_only {order.side.value} would not reduce the "
                    f"{order.symbol} position of {_num(position)}"
                )
            reducible = abs(position) - committed
            if reducible <= 0:
                raise _Refused(
                    f"reduce_only {order.side.value}: the {order.symbol} position of "
                    f"{_num(position)} is already covered by open orders"
                )
            return min(quantity, reducible)
        if order.side is Side.SELL and not self.options.allow_short:
            available = max(position, ZERO) - committed
            if quantity > available:
                raise _Refused(
                    f"insufficient {order.symbol} holdings: sell {_num(quantity)}, available "
                    f"{_num(available)} (short selling is off)"
                )
        return quantity

    def _committed(self, symbol: str, side: Side) -> Decimal:
        """Quantity already promised by resting orders on ``symbol`` and ``side``."""
        return sum(
            (o.remaining for o in self._book.values() if o.symbol == symbol and o.side is side),
            ZERO,
        )

    def _reserved_cash(self) -> Decimal:
        return sum(
            (
                self._cost(self._book[oid].remaining, price, self._rate(self._book[oid]))
                for oid, price in self._expected.items()
            ),
            ZERO,
        )

    def _rate(self, order: Order) -> Decimal:
        maker = self.options.maker_fee_rate
        if order.order_type is OrderType.LIMIT and maker is not None:
            return maker
        return self.options.fee_rate

    def _cost(self, quantity: Decimal, price: Decimal, rate: Decimal) -> Decimal:
        notional = _BOOKING.multiply(quantity, price)
        return _BOOKING.add(notional, fee_for(notional, rate, self.options.fee_tick))

    # -- matching ---------------------------------------------------------------------------------

    def _fill_price(self, order: Order, bar: Bar) -> Decimal | None:
        opts = self.options
        if order.order_type is OrderType.MARKET:
            return market_price(bar.open, order.side, opts.slippage_bps, opts.price_tick)
        return limit_price(order, bar, opts.price_tick, opts.fill_limit_on_touch)

    def _execute(self, journal: Journal, order: Order, price: Decimal, ts: int) -> Fill | None:
        """Fill the rest of ``order`` at ``price``, or cancel it if the account cannot take it."""
        quantity = order.remaining
        position = self._positions.get(order.symbol) or Position(order.symbol)
        notional = _BOOKING.multiply(quantity, price)
        fee = fee_for(notional, self._rate(order), self.options.fee_tick)
        problem = None
        if price <= 0:
            problem = f"fill price {_num(price)} is not positive"
        elif order.side is Side.BUY:
            cost = _BOOKING.add(notional, fee)
            if cost > self._cash:
                problem = (
                    f"insufficient cash at fill: need {_num(cost)} {self.options.quote}, "
                    f"have {_num(self._cash)} {self.options.quote}"
                )
        elif not self.options.allow_short and quantity > position.quantity:
            problem = f"insufficient {order.symbol} holdings at fill: {_num(position.quantity)}"
        if (
            order.reduce_only
            and problem is None
            and (position.quantity * order.side.sign >= 0 or quantity > abs(position.quantity))
        ):
            problem = f"reduce_only: the {order.symbol} position is now {_num(position.quantity)}"
        if problem is not None:
            canceled = order.transition(OrderStatus.CANCELED, reason=problem)
            self._persist(journal.record_order, canceled)
            self._unbook(canceled)
            return None

        return self._book_fill(journal, order, position, price, notional, fee, ts)

    def _book_fill(
        self,
        journal: Journal,
        order: Order,
        position: Position,
        price: Decimal,
        notional: Decimal,
        fee: Decimal,
        ts: int,
    ) -> Fill:
        """Journal the fill of the rest of ``order`` (with the position after it and the order's
        ``FILLED`` state), then move the venue's own state."""
        fill = Fill(
            id=f"paper-fill-{self._fill_seq + 1}",
            order_id=order.id,
            symbol=order.symbol,
            side=order.side,
            quantity=order.remaining,
            price=price,
            fee=fee,
            ts=ts,
        )
        after = position.apply(fill)
        # The simulator has no volume model: an order fills whole, so its average is this price.
        done = order.transition(
            OrderStatus.FILLED, filled_quantity=order.quantity, average_price=price
        )
        record = getattr(journal, "record_execution", None)
        if record is not None:
            self._persist(record, fill, after, done)
        else:
            self._persist(journal.record_fill, fill, after)
            self._persist(journal.record_order, done)
        # Both records are durable: now the venue's own state may move.
        self._fill_seq += 1
        self._positions[order.symbol] = after
        signed = notional if order.side is Side.BUY else -notional
        self._cash = _BOOKING.subtract(_BOOKING.subtract(self._cash, signed), fee)
        self._fees = _BOOKING.add(self._fees, fee)
        self._unbook(done)
        return fill

    # -- the Rust engine (``engine: rust``) --------------------------------------------------------

    def _new_engine(self):
        from deepalpha_kernel import ExecutionEngine

        opts = self.options
        try:
            return ExecutionEngine(
                balances={opts.quote: opts.initial_cash},
                default_instrument={
                    "price_increment": opts.price_tick,
                    "size_increment": opts.quantity_step,
                    "taker_fee": opts.fee_rate,
                    "maker_fee": (
                        opts.fee_rate if opts.maker_fee_rate is None else opts.maker_fee_rate
                    ),
                    "quote": opts.quote,
                },
                allow_short=opts.allow_short,
                slippage={"model": "fixed", "bps": opts.slippage_bps},
                fill_limit_on_touch=opts.fill_limit_on_touch,
                bar_matching="arrival",
                account_rules="cash",
                fee_increment=opts.fee_tick,
            )
        except ValueError as exc:
            raise ValueError(f"engine: the rust engine cannot run these options: {exc}") from None

    def _rust_submit(self, order: Order, restored: bool = False) -> None:
        """Hand an admitted order to the engine; its refusal becomes the venue's (``_Refused``).
        A ``restored`` order (resting at a restart) skips the checks it passed before."""
        rust = self._rust
        close = self._last_close.get(order.symbol)
        if order.order_type is OrderType.MARKET and close is not None:
            if close > 0:
                rust.set_last_price(order.symbol, close)
            else:  # the engine takes no price <= 0; this gateway's admission already ran
                restored = True
        request = {
            "symbol": order.symbol,
            "side": order.side.value,
            "type": order.order_type.value,
            "quantity": order.remaining,
            "reduce_only": order.reduce_only,
            "ts": order.ts,
        }
        if order.limit_price is not None:
            request["price"] = order.limit_price
        rid = (rust.restore_order if restored else rust.submit_order)(request)
        state = rust.get_order(rid)
        if state["status"] != "accepted":
            raise _Refused(f"{state['reason']} ({state['reason_code']})")
        self._rust_ids[order.id] = rid

    def _on_bar_rust(self, journal: Journal, bar: Bar) -> list[Fill]:
        rust = self._rust
        symbol = bar.symbol
        got = {
            f["order_id"]: f
            for f in rust.on_bar(symbol, bar.ts, bar.open, bar.high, bar.low, bar.close)
        }
        fills: list[Fill] = []
        for order in [o for o in self._book.values() if o.symbol == symbol]:
            if order.ts >= bar.ts:
                continue
            rid = self._rust_ids[order.id]
            fill = got.get(rid)
            if fill is not None:
                fills.append(self._rust_fill(journal, order, fill, bar))
                continue
            state = rust.get_order(rid)
            if state["status"] in ("cancelled", "expired", "rejected"):
                canceled = order.transition(OrderStatus.CANCELED, reason=state["reason"])
                self._persist(journal.record_order, canceled)
                self._unbook(canceled)
        return fills

    def _rust_fill(self, journal: Journal, order: Order, got: dict, bar: Bar) -> Fill:
        """Check an engine fill against the price and fee rules of ``pricing``, then book it.

        Two implementations of the same rules must agree on every fill, or the gateway halts
        (as on a journal failure). The booked values are the ``Decimal`` objects those rules
        give, so the stored text is the python engine's digit for digit (``50.0`` stays
        ``50.0``, not ``50.00000000``).
        """
        price = self._fill_price(order, bar)
        quantity = order.remaining
        notional = None if price is None else _BOOKING.multiply(quantity, price)
        fee = None
        if notional is not None:
            fee = fee_for(notional, self._rate(order), self.options.fee_tick)
        if (price, quantity, notional, fee) != (
            got["price"],
            got["quantity"],
            got["notional"],
            got["fee"],
        ):
            self._halt = RuntimeError(
                f"paper gateway: the rust engine filled {order.id} with {got['quantity']} at "
                f"{got['price']}, fee {got['fee']}; the paper rules give {quantity} at {price}, "
                f"fee {fee}"
            )
            raise self._halt
        position = self._positions.get(order.symbol) or Position(order.symbol)
        return self._book_fill(journal, order, position, price, notional, fee, bar.ts)

    def _rust_restore(self, fills: list[Fill]) -> None:
        """A new engine holding what ``restore`` rebuilt: the fills, last prices, resting orders."""
        self._rust = rust = self._new_engine()
        self._rust_ids = {}
        for fill in fills:
            rust.restore_fill(fill.symbol, fill.side.value, fill.quantity, fill.price, fill.fee)
        for symbol, close in self._last_close.items():
            rust.set_last_price(symbol, close)
        for order in self._book.values():
            try:
                self._rust_submit(order, restored=True)
            except _Refused as refusal:
                raise RuntimeError(
                    f"paper gateway: the rust engine refuses restored order {order.id}: {refusal}"
                ) from None

    # -- restarts ---------------------------------------------------------------------------------

    def restore(
        self,
        orders: Iterable[Order],
        fills: Iterable[Fill],
        prices: Mapping[str, float] | None = None,
    ) -> None:
        """Rebuild the venue's state from stored ``orders`` (their latest states, in submission
        order) and ``fills`` (in booking order): cash and fees, positions, resting orders with
        their reservations (a market buy's at ``prices``, the last closes), and the id sequences.
        """
        orders = list(orders)
        fills = list(fills)
        cash = self.options.initial_cash
        fees = ZERO
        positions: dict[str, Position] = {}
        for fill in fills:
            position = positions.get(fill.symbol) or Position(fill.symbol)
            positions[fill.symbol] = position.apply(fill)
            notional = _BOOKING.multiply(fill.quantity, fill.price)
            signed = notional if fill.side is Side.BUY else -notional
            cash = _BOOKING.subtract(_BOOKING.subtract(cash, signed), fill.fee)
            fees = _BOOKING.add(fees, fill.fee)
        for symbol, close in (prices or {}).items():
            self._last_close[symbol] = close
        self._cash, self._fees, self._positions = cash, fees, positions
        self._orders = {o.id: o for o in orders}
        self._book = {o.id: o for o in orders if o.status in _RESTING}
        self._expected = {}
        for order in self._book.values():
            if order.side is not Side.BUY:
                continue
            if order.order_type is OrderType.LIMIT:
                self._expected[order.id] = order.limit_price
            elif order.symbol in self._last_close:
                self._expected[order.id] = market_price(
                    self._last_close[order.symbol],
                    Side.BUY,
                    self.options.slippage_bps,
                    self.options.price_tick,
                )
        self._order_seq = _seq(_ORDER_ID, self._orders)
        self._fill_seq = _seq(_FILL_ID, (f.id for f in fills))
        if self.options.engine == "rust":
            self._rust_restore(fills)

    def reconcile(
        self,
        orders: Iterable[Order],
        fills: Iterable[Fill],
        prices: Mapping[str, float] | None = None,
    ) -> list[str]:
        """Compare this venue's state with the one the stored ``orders`` and ``fills`` give;
        adopt the stored one and return every difference (empty: they agree).

        An order stored as ``NEW`` never got the venue's answer (the process died in between):
        it is rejected, through the journal, with that reason.
        """
        orders = list(orders)
        stored = PaperGateway(self.options)
        stored._last_close = dict(self._last_close)
        stored.restore(orders, fills, prices)
        differences: list[str] = []
        if stored._cash != self._cash:
            differences.append(f"cash: venue {_num(self._cash)}, stored {_num(stored._cash)}")
        if stored._fees != self._fees:
            differences.append(f"fees: venue {_num(self._fees)}, stored {_num(stored._fees)}")
        for symbol in sorted(set(stored._positions) | set(self._positions)):
            mine = self._positions.get(symbol) or Position(symbol)
            theirs = stored._positions.get(symbol) or Position(symbol)
            if mine != theirs:
                differences.append(
                    f"position {symbol}: venue {_num(mine.quantity)} @ "
                    f"{_num(mine.average_price)}, stored {_num(theirs.quantity)} @ "
                    f"{_num(theirs.average_price)}"
                )
        for oid in sorted(set(stored._orders) | set(self._orders)):
            mine_o, theirs_o = self._orders.get(oid), stored._orders.get(oid)
            if mine_o != theirs_o:

                def show(o: Order | None) -> str:
                    if o is None:
                        return "missing"
                    return f"{o.status.value} {_num(o.filled_quantity)}/{_num(o.quantity)}"

                differences.append(f"order {oid}: venue {show(mine_o)}, stored {show(theirs_o)}")
        if (stored._order_seq, stored._fill_seq) != (self._order_seq, self._fill_seq):
            differences.append(
                f"id sequences: venue {self._order_seq}/{self._fill_seq}, "
                f"stored {stored._order_seq}/{stored._fill_seq}"
            )
        last_close, last_ts = self._last_close, self._last_ts
        self.restore(orders, fills, prices)
        self._last_close.update(last_close)
        self._last_ts = last_ts
        for order in orders:
            if order.status is OrderStatus.NEW:
                journal = self._ready()
                rejected = order.transition(
                    OrderStatus.REJECTED,
                    reason="the venue never acknowledged it: the process stopped in between",
                )
                self._persist(journal.record_order, rejected)
                self._unbook(rejected)
                differences.append(f"order {order.id}: stored NEW, rejected (never acknowledged)")
        return differences

    # -- plumbing ---------------------------------------------------------------------------------

    def _unbook(self, order: Order) -> None:
        """``order`` reached a final state: keep its last state, release its reservation."""
        self._orders[order.id] = order
        self._book.pop(order.id, None)
        self._expected.pop(order.id, None)

    def _ready(self) -> Journal:
        if self._halt is not None:
            raise GatewayHalted(
                f"paper gateway halted after a journal failure: {self._halt!r}; "
                "its state may differ from storage, so it accepts no more orders"
            )
        if self.journal is None:
            raise RuntimeError("paper gateway: call start(journal) before trading")
        return self.journal

    def _persist(self, write, *records: object) -> None:
        try:
            write(*records)
        except BaseException as exc:
            self._halt = exc
            raise
