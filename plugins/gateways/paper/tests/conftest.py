"""Helpers shared by the paper gateway tests, handed out as fixtures.

The workspace runs pytest in ``importlib`` mode (every plugin's tests in one session), where a test
module cannot import a sibling module; fixtures are the way to share code. They are session-scoped
and return plain functions, so hypothesis tests can use them too.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import Bar, Fill, Order, OrderIntent, OrderType, Position, Side
from deepalpha_gateway_paper import PaperGateway, PaperOptions
from deepalpha_gateway_paper.options import ENGINES

HOUR = 3_600_000
SYMBOL = "BTC/USD"


class RecordingJournal:
    """Keeps every record in call order; ``fail_on`` makes a chosen call raise."""

    def __init__(self, fail_on: str | None = None, fail_after: int = 0) -> None:
        self.events: list[tuple[str, object]] = []
        self.fail_on = fail_on
        self.fail_after = fail_after

    def _maybe_fail(self, kind: str) -> None:
        if self.fail_on == kind:
            if self.fail_after == 0:
                raise OSError(f"disk full while writing {kind}")
            self.fail_after -= 1

    def record_order(self, order: Order) -> None:
        self._maybe_fail("order")
        self.events.append(("order", order))

    def record_fill(self, fill: Fill, position: Position) -> None:
        self._maybe_fail("fill")
        self.events.append(("fill", (fill, position)))

    def orders(self) -> list[Order]:
        return [rec for kind, rec in self.events if kind == "order"]

    def fills(self) -> list[Fill]:
        return [rec[0] for kind, rec in self.events if kind == "fill"]


def bar(i: int, o: float, h: float, lo: float, c: float, symbol: str = SYMBOL) -> Bar:
    return Bar(symbol, i * HOUR, o, h, lo, c, 1.0)


def intent(
    i: int,
    side: Side,
    quantity: str | Decimal | None,
    *,
    limit: str | None = None,
    reduce_only: bool = False,
    symbol: str = SYMBOL,
) -> OrderIntent:
    return OrderIntent(
        symbol=symbol,
        side=side,
        ts=i * HOUR,
        quantity=None if quantity is None else Decimal(quantity),
        order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        limit_price=None if limit is None else Decimal(limit),
        reduce_only=reduce_only,
    )


def new_gateway(**options) -> tuple[PaperGateway, RecordingJournal]:
    """A started gateway with ``options`` and the journal it writes to."""
    journal = RecordingJournal()
    gateway = PaperGateway(PaperOptions(**options))
    gateway.start(journal)
    return gateway, journal


@pytest.fixture(scope="session")
def make_bar():
    return bar


@pytest.fixture(scope="session")
def make_intent():
    return intent


@pytest.fixture(scope="session", params=ENGINES)
def make_gateway(request):
    """``new_gateway`` on each engine (``python``, ``rust``) unless a test names one."""
    engine = request.param

    def make(**options) -> tuple[PaperGateway, RecordingJournal]:
        options.setdefault("engine", engine)
        return new_gateway(**options)

    return make


@pytest.fixture(scope="session")
def journal_class():
    return RecordingJournal
