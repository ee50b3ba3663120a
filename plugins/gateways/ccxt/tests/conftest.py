"""Fixtures for the ccxt gateway tests: a loopback Binance, a recording journal, a gateway on it.

The workspace runs pytest in ``importlib`` mode, so helpers are handed out as fixtures.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from deepalpha.domain import Fill, Order, OrderIntent, OrderType, Position
from deepalpha_gateway_ccxt import CcxtGatewayOptions
from deepalpha_gateway_ccxt.testing import LoopbackBinance

KEY = "loopback-key"
SECRET = "Sup3rSecretValue-do-not-leak-42"
ENV = {"BINANCE_API_KEY": KEY, "BINANCE_SECRET": SECRET}


class RecordingJournal:
    """Every record in call order; it has a run id, as the engine's journals do."""

    run_id = "run-test-1"

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def record_order(self, order: Order) -> None:
        self.events.append(("order", order))

    def record_fill(self, fill: Fill, position: Position) -> None:
        self.events.append(("fill", (fill, position)))

    def orders(self) -> list[Order]:
        return [r for k, r in self.events if k == "order"]

    def fills(self) -> list[Fill]:
        return [r[0] for k, r in self.events if k == "fill"]

    def last(self, order_id: str) -> Order:
        return [o for o in self.orders() if o.id == order_id][-1]


def wait_for(condition, gateway=None, timeout: float = 15.0):
    """Poll ``condition`` (draining the gateway's stream each time) until true; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        if gateway is not None:
            gateway.sync()
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def intent(symbol, side, quantity, limit=None, ts=0):
    return OrderIntent(
        symbol=symbol,
        side=side,
        ts=ts,
        quantity=None if quantity is None else Decimal(quantity),
        order_type=OrderType.LIMIT if limit is not None else OrderType.MARKET,
        limit_price=None if limit is None else Decimal(limit),
    )


@pytest.fixture
def venue():
    with LoopbackBinance(api_key=KEY) as server:
        yield server


@pytest.fixture
def make_gateway(venue):
    """Build and start a gateway on the loopback venue; closes every one it made."""
    from deepalpha_gateway_ccxt import CcxtGateway

    made = []

    def build(journal=None, stream=True, sleeps=None, **options):
        opts = CcxtGatewayOptions(
            base_url=venue.url,
            symbols={"BTC/USDT": "BTC/USDT", "ETH/USDT": "ETH/USDT"},
            retry_delay=0.01,
            reconnect_delay=0.05,
            stream=stream,
            **options,
        )
        sleep = time.sleep if sleeps is None else (lambda s: (sleeps.append(s), time.sleep(0.01)))
        gateway = CcxtGateway(opts, environ=dict(ENV), sleep=sleep)
        journal = journal if journal is not None else RecordingJournal()
        gateway.start(journal)
        made.append(gateway)
        if stream:
            wait_for(lambda: gateway.stream_connects >= 1, gateway)
        return gateway, journal

    yield build
    for gateway in made:
        gateway.close()


@pytest.fixture(scope="session")
def helpers():
    class H:
        pass

    h = H()
    h.wait_for = wait_for
    h.intent = intent
    h.Journal = RecordingJournal
    h.KEY, h.SECRET, h.ENV = KEY, SECRET, ENV
    return h
