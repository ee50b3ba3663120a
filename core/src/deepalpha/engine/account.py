"""The engine's one view of the account: what is booked, what is in flight, what it is worth.

The gateway owns the books (cash, positions, fees, in exact ``Decimal``); this object is the only
place the engine keeps a copy of them, refreshed after every fill and order, so nothing else in the
engine holds a second, drifting version. Booked amounts stay ``Decimal`` (``portfolio``,
``quantity``); marking to market is analytics and runs in floats (``mark``), which is why the
float copies of cash and quantities are derived here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..domain import ZERO, Fill, Order, Portfolio


class Account:
    """Booked money (from the gateway) plus the orders the engine is still waiting on."""

    __slots__ = ("_gateway", "_held", "_pending", "cash", "portfolio", "positions")

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        #: The gateway's last portfolio snapshot: exact, what risk rules see.
        self.portfolio: Portfolio = Portfolio(ZERO)
        #: Float copies for marking and display: quote cash and signed quantity per symbol.
        self.cash = 0.0
        self.positions: dict[str, float] = {}
        self._held: dict[str, Decimal] = {}
        #: symbol -> id of an order sent and not yet settled (one at a time per symbol).
        self._pending: dict[str, str] = {}

    def refresh(self) -> None:
        """Take the gateway's books as they are now (after a fill, an order, a cancel)."""
        pf = self._gateway.portfolio()
        self.portfolio = pf
        self.cash = float(pf.cash)
        self._held = {s: p.quantity for s, p in pf.positions.items() if p.quantity}
        self.positions = {s: float(q) for s, q in self._held.items()}

    def quantity(self, symbol: str) -> Decimal:
        """Signed booked quantity of ``symbol`` (negative: short)."""
        return self._held.get(symbol, ZERO)

    def side(self, symbol: str) -> int:
        """-1 short, 0 flat, 1 long."""
        qty = self._held.get(symbol)
        if not qty:
            return 0
        return 1 if qty > 0 else -1

    def holds(self, symbol: str) -> bool:
        return symbol in self._held

    @property
    def invested(self) -> bool:
        return bool(self._held)

    def mark(self, prices: Mapping[str, float]) -> float:
        """Equity at ``prices`` (float analytics; the books themselves are never rounded)."""
        equity = self.cash
        for symbol, qty in self.positions.items():
            equity += qty * prices.get(symbol, 0.0)
        return equity

    # -- orders in flight -------------------------------------------------------------------------

    def pending(self, symbol: str) -> bool:
        return symbol in self._pending

    def sent(self, order: Order) -> None:
        """``order`` went to the venue; until it settles, no other order goes out for its symbol."""
        if not order.status.is_terminal:
            self._pending[order.symbol] = order.id
        self.refresh()

    def filled(self, fills: Iterable[Fill]) -> None:
        pending = self._pending
        for fill in fills:
            if pending.get(fill.symbol) == fill.order_id:
                del pending[fill.symbol]
        self.refresh()

    def resync(self) -> None:
        """Take the gateway's books and resting orders as they are now (a resumed run, after
        the venue was reconciled with the database)."""
        self._pending = {o.symbol: o.id for o in self._gateway.open_orders()}
        self.refresh()

    def settle_unfilled(self, symbol: str) -> None:
        """Drop the pending mark of an order that ended without a fill (canceled, rejected)."""
        order_id = self._pending.get(symbol)
        if order_id is None:
            return
        if not any(o.id == order_id for o in self._gateway.open_orders()):
            del self._pending[symbol]
            self.refresh()
