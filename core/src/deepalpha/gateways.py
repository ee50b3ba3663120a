"""The gateway extension point: where orders go.

Money safety lives here. A gateway must hand every order and fill to the ``Journal`` (which writes
it to storage and commits) *before* it acknowledges it to the engine, so a crash can lose nothing
that was reported as done. Gateways that reach a real venue with real money declare ``live = True``
and the engine refuses them unless live trading was explicitly enabled.
"""

from __future__ import annotations

import abc
from typing import Protocol

from .domain import Bar, Fill, Order, OrderIntent, Portfolio, Position


class Journal(Protocol):
    """Durable record of orders, fills and positions; each call returns once committed."""

    def record_order(self, order: Order) -> None: ...

    def record_fill(self, fill: Fill, position: Position) -> None: ...


class NullJournal:
    """A journal that keeps nothing, for unit tests of a gateway in isolation."""

    def record_order(self, order: Order) -> None:
        pass

    def record_fill(self, fill: Fill, position: Position) -> None:
        pass


class Gateway(abc.ABC):
    name: str = "gateway"
    live: bool = False
    #: True when the venue books short positions (a sell beyond the holding); the engine refuses
    #: ``trading.direction: long_short`` on a gateway that does not.
    allows_short: bool = False

    def start(self, journal: Journal) -> None:
        """Attach the journal before the first order. Called once per run."""
        self.journal = journal

    @abc.abstractmethod
    def submit(self, intent: OrderIntent) -> Order:
        """Place a sized, approved intent; return the order as persisted (open/filled/rejected)."""

    @abc.abstractmethod
    def cancel(self, order_id: str) -> Order:
        """Cancel a resting order and return it as persisted."""

    @abc.abstractmethod
    def on_bar(self, bar: Bar) -> list[Fill]:
        """Advance the venue to ``bar``: match resting orders, return new fills (persisted)."""

    @abc.abstractmethod
    def portfolio(self) -> Portfolio:
        """Balances and positions as the venue knows them now."""

    def open_orders(self) -> list[Order]:
        return []

    def close(self) -> None:
        """Release connections."""
