"""The ``{{ cookiecutter.plugin_name }}`` gateway against the gateway contract, on two symbols."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import OrderIntent, OrderStatus, OrderType, Side
from deepalpha.testing import RecordingJournal, check_gateway, random_walk_bars

from {{ cookiecutter.__package }}.options import {{ cookiecutter.__class_prefix }}Options
from {{ cookiecutter.__package }}.plugin import build

SYMBOLS = ("BTC/USD", "ETH/USD")


def new_gateway(**options):
    gateway = build({{ cookiecutter.__class_prefix }}Options(**options))
    journal = RecordingJournal()
    gateway.start(journal)
    return gateway, journal


def test_honours_the_gateway_contract_on_two_symbols() -> None:
    for n, symbol in enumerate(SYMBOLS):
        gateway = build({{ cookiecutter.__class_prefix }}Options())
        journal = check_gateway(gateway, random_walk_bars(5, symbol, seed=n), Decimal("1"))
        assert journal.fills and journal.fills[0].symbol == symbol


def test_orders_fill_at_their_own_symbols_next_open_with_exact_booking() -> None:
    gateway, journal = new_gateway(initial_cash="10000", fee_rate="0.001")
    btc = random_walk_bars(3, "BTC/USD", seed=1)
    eth = random_walk_bars(3, "ETH/USD", seed=2)
    gateway.on_bar(btc[0])
    gateway.on_bar(eth[0])
    gateway.submit(OrderIntent("BTC/USD", Side.BUY, btc[0].ts, Decimal("2")))
    gateway.submit(OrderIntent("ETH/USD", Side.BUY, eth[0].ts, Decimal("3")))
    (btc_fill,) = gateway.on_bar(btc[1])  # only the BTC order: this is a BTC bar
    assert btc_fill.symbol == "BTC/USD" and btc_fill.price == Decimal(repr(btc[1].open))
    (eth_fill,) = gateway.on_bar(eth[1])
    assert eth_fill.price == Decimal(repr(eth[1].open))
    spent = Decimal("2") * Decimal(repr(btc[1].open)) + Decimal("3") * Decimal(repr(eth[1].open))
    account = gateway.portfolio()
    assert account.cash == Decimal("10000") - spent * Decimal("1.001")
    assert account.fees_paid == spent * Decimal("0.001")
    assert {s: p.quantity for s, p in account.positions.items()} == {
        "BTC/USD": Decimal("2"),
        "ETH/USD": Decimal("3"),
    }
    # each fill was journaled before the order was marked filled, and both before on_bar returned
    kinds = [(kind, getattr(e, "status", None)) for kind, e in journal.events[-4:]]
    assert kinds == [
        ("fill", None),
        ("order", OrderStatus.FILLED),
        ("fill", None),
        ("order", OrderStatus.FILLED),
    ]


def test_refusals_are_persisted_orders_with_a_reason() -> None:
    gateway, journal = new_gateway(initial_cash="100")
    bars = random_walk_bars(3, "BTC/USD", seed=3)
    limit = gateway.submit(
        OrderIntent("BTC/USD", Side.BUY, bars[0].ts, Decimal("1"), OrderType.LIMIT, Decimal("90"))
    )
    assert limit.status is OrderStatus.REJECTED and "only market orders" in limit.reason
    short = gateway.submit(OrderIntent("BTC/USD", Side.SELL, bars[0].ts, Decimal("1")))
    too_big = gateway.submit(OrderIntent("BTC/USD", Side.BUY, bars[0].ts, Decimal("5")))
    assert gateway.on_bar(bars[1]) == []
    assert journal.orders[-2].id == short.id and "long only" in journal.orders[-2].reason
    assert journal.orders[-1].id == too_big.id and "not enough cash" in journal.orders[-1].reason
    assert gateway.portfolio().cash == Decimal("100") and not gateway.open_orders()


def test_a_canceled_order_never_fills() -> None:
    gateway, journal = new_gateway()
    bars = random_walk_bars(3, "ETH/USD", seed=4)
    order = gateway.submit(OrderIntent("ETH/USD", Side.BUY, bars[0].ts, Decimal("1")))
    canceled = gateway.cancel(order.id)
    assert canceled.status is OrderStatus.CANCELED and journal.orders[-1] == canceled
    assert gateway.on_bar(bars[1]) == []
    with pytest.raises(KeyError, match="no order 'nope'"):
        gateway.cancel("nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"initial_cash": 0}, "initial_cash: must be a number > 0, got 0"),
        ({"fee_rate": "-0.1"}, "fee_rate: must be a number >= 0, got '-0.1'"),
    ],
)
def test_bad_options_name_the_field(changes: dict, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        {{ cookiecutter.__class_prefix }}Options(**changes)
    assert str(excinfo.value) == message
