"""Fixtures for the basic risk rules' tests.

Helpers are fixtures (session-scoped, returning plain functions) because the workspace runs pytest
in ``importlib`` mode, where a test module cannot import a sibling module.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import Bar, OrderIntent, OrderType, Portfolio, Position, Side
from deepalpha.risk import RiskContext

SYMBOL = "BTC/USD"


def ctx(
    *,
    equity: float = 10_000.0,
    peak: float | None = None,
    day_start: float | None = None,
    held: str | Decimal = "0",
    entry: str | Decimal = "0",
    price: float | None = 100.0,
    ts: int = 0,
) -> RiskContext:
    position = Position(SYMBOL, Decimal(held), Decimal(entry))
    return RiskContext(
        ts=ts,
        portfolio=Portfolio(cash=Decimal(10_000), positions={SYMBOL: position}),
        prices={} if price is None else {SYMBOL: price},
        equity=equity,
        peak_equity=equity if peak is None else peak,
        day_start_equity=equity if day_start is None else day_start,
    )


def intent(
    side: Side,
    quantity: str | Decimal | None = None,
    *,
    reduce_only: bool = False,
    limit: str | None = None,
) -> OrderIntent:
    return OrderIntent(
        symbol=SYMBOL,
        side=side,
        ts=0,
        quantity=None if quantity is None else Decimal(quantity),
        order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        limit_price=None if limit is None else Decimal(limit),
        reduce_only=reduce_only,
    )


def bar(o: float, h: float, lo: float, c: float, ts: int = 3_600_000) -> Bar:
    return Bar(SYMBOL, ts, o, h, lo, c, 1.0)


@pytest.fixture(scope="session")
def make_ctx():
    return ctx


@pytest.fixture(scope="session")
def make_intent():
    return intent


@pytest.fixture(scope="session")
def make_bar():
    return bar


# -- several symbols ---------------------------------------------------------------------------


def book(
    positions: dict[str, tuple[str, str] | tuple[str, str, str]],
    prices: dict[str, float],
    *,
    equity: float = 10_000.0,
    peak: float | None = None,
    day_start: float | None = None,
    initial: float = 10_000.0,
    ts: int = 0,
    market=None,
) -> RiskContext:
    """A context over several symbols: ``positions`` maps a symbol to (quantity, average entry)
    or (quantity, average entry, realised P&L)."""
    held = {
        symbol: Position(symbol, *(Decimal(v) for v in values))
        for symbol, values in positions.items()
    }
    return RiskContext(
        ts=ts,
        portfolio=Portfolio(cash=Decimal(10_000), positions=held),
        prices=dict(prices),
        equity=equity,
        peak_equity=equity if peak is None else peak,
        day_start_equity=equity if day_start is None else day_start,
        initial_equity=initial,
        market=market,
    )


def order(
    symbol: str,
    side: Side,
    quantity: str | Decimal | None,
    *,
    reduce_only: bool = False,
    limit: str | None = None,
    ts: int = 0,
) -> OrderIntent:
    return OrderIntent(
        symbol=symbol,
        side=side,
        ts=ts,
        quantity=None if quantity is None else Decimal(quantity),
        order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        limit_price=None if limit is None else Decimal(limit),
        reduce_only=reduce_only,
    )


def market(bars: dict[str, list[Bar]], timeframe: str = "1h"):
    """A ``Market`` over histories holding ``bars`` (per symbol, oldest first)."""
    from deepalpha.history import History, Market

    histories: dict[str, History] = {}
    out = Market(histories)
    for symbol, rows in bars.items():
        history = History(symbol, timeframe=timeframe, market=out)
        for row in rows:
            history.append(row)
        histories[symbol] = history
    return out


@pytest.fixture(scope="session")
def make_book():
    return book


@pytest.fixture(scope="session")
def make_order():
    return order


@pytest.fixture(scope="session")
def make_market():
    return market
