"""The ``{{ cookiecutter.plugin_name }}`` gateway: a simulated venue filling market orders.

Timing (no look-ahead): an order placed while the engine handles bar ``t`` carries ``ts = t`` and
fills at the open of the symbol's next bar, never on its own bar.

Money safety: every order and fill goes to the ``Journal`` (storage, committed) *before* the engine
hears of it and before this gateway changes its own balances, so a crash loses nothing that was
reported as done. A venue's refusal is an ordinary outcome, returned as a persisted order with
status ``REJECTED`` or ``CANCELED`` and the reason, never raised.

To connect a real venue, keep that order of events in ``submit`` and ``on_bar`` and replace the
matching in ``_fill`` with the venue's answers.
"""

from __future__ import annotations

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
from deepalpha.gateways import Gateway, Journal

from .options import {{ cookiecutter.__class_prefix }}Options


class {{ cookiecutter.__class_prefix }}Gateway(Gateway):
    name = "{{ cookiecutter.plugin_name }}"
    live = False

    def __init__(self, options: {{ cookiecutter.__class_prefix }}Options | None = None) -> None:
        self.options = options if options is not None else {{ cookiecutter.__class_prefix }}Options()
        self.journal: Journal | None = None
        self._cash = self.options.initial_cash
        self._fees = ZERO
        self._positions: dict[str, Position] = {}
        self._orders: dict[str, Order] = {}  # the last persisted state of every order
        self._resting: dict[str, Order] = {}  # open orders, in arrival order
        self._order_seq = 0
        self._fill_seq = 0

    # -- the engine's side -------------------------------------------------------------------

    def start(self, journal: Journal) -> None:
        self.journal = journal

    def submit(self, intent: OrderIntent) -> Order:
        journal = self._journal()
        self._order_seq += 1
        order = Order(
            id=f"{self.name}-{self._order_seq}",
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity if intent.quantity is not None else ZERO,
            ts=intent.ts,
            limit_price=intent.limit_price,
            reduce_only=intent.reduce_only,
            reason=intent.reason,
        )
        journal.record_order(order)  # NEW: persisted before the venue looks at it
        refusal = self._refusal(order)
        if refusal:
            order = order.transition(OrderStatus.REJECTED, reason=refusal)
        else:
            order = order.transition(OrderStatus.OPEN)
        journal.record_order(order)
        self._orders[order.id] = order
        if order.status is OrderStatus.OPEN:
            self._resting[order.id] = order
        return order

    def cancel(self, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None:
            raise KeyError(f"{self.name}: no order {order_id!r}")
        if order.status.is_terminal:
            return order
        return self._close(order, OrderStatus.CANCELED, "canceled by request")

    def on_bar(self, bar: Bar) -> list[Fill]:
        due = [o for o in self._resting.values() if o.symbol == bar.symbol and o.ts < bar.ts]
        fills = []
        for order in due:
            fill = self._fill(order, bar)
            if fill is not None:
                fills.append(fill)
        return fills

    def portfolio(self) -> Portfolio:
        held = {s: p for s, p in self._positions.items() if p.quantity}
        return Portfolio(self._cash, held, self._fees)

    def open_orders(self) -> list[Order]:
        return list(self._resting.values())

    # -- the venue ---------------------------------------------------------------------------

    def _refusal(self, order: Order) -> str:
        if order.order_type is not OrderType.MARKET:
            return f"{self.name}: only market orders are supported"
        if not order.quantity > 0:
            return f"{self.name}: quantity must be > 0, got {order.quantity}"
        return ""

    def _fill(self, order: Order, bar: Bar) -> Fill | None:
        journal = self._journal()
        price = to_decimal(bar.open)
        quantity = order.quantity
        value = quantity * price
        fee = value * self.options.fee_rate
        position = self._positions.get(order.symbol) or Position(order.symbol)
        if order.side is Side.BUY and value + fee > self._cash:
            reason = f"{self.name}: not enough cash: needs {value + fee}, has {self._cash}"
            self._close(order, OrderStatus.CANCELED, reason)
            return None
        if order.side is Side.SELL and quantity > position.quantity:
            reason = f"{self.name}: long only: sells {quantity}, holds {position.quantity}"
            self._close(order, OrderStatus.CANCELED, reason)
            return None
        self._fill_seq += 1
        fill = Fill(
            f"{self.name}-fill-{self._fill_seq}",
            order.id,
            order.symbol,
            order.side,
            quantity,
            price,
            fee,
            bar.ts,
        )
        after = position.apply(fill)
        filled = order.transition(OrderStatus.FILLED, filled_quantity=quantity, average_price=price)
        journal.record_fill(fill, after)
        journal.record_order(filled)
        # Both are persisted: only now does the account change.
        self._cash += -(value + fee) if order.side is Side.BUY else value - fee
        self._fees += fee
        self._positions[order.symbol] = after
        self._orders[order.id] = filled
        del self._resting[order.id]
        return fill

    def _close(self, order: Order, status: OrderStatus, reason: str) -> Order:
        closed = order.transition(status, reason=reason)
        self._journal().record_order(closed)
        self._orders[order.id] = closed
        self._resting.pop(order.id, None)
        return closed

    def _journal(self) -> Journal:
        if self.journal is None:
            raise RuntimeError(f"{self.name}: start(journal) must be called before trading")
        return self.journal
