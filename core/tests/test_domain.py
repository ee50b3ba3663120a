"""Domain invariants: signal bounds, exact position accounting, the order state machine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import (
    ORDER_TRANSITIONS,
    Direction,
    Fill,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
    Signal,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("strength", "confidence", "message"),
    [
        (1.5, 0.5, "Signal.strength must be in [0, 1], got 1.5"),
        (0.5, -0.1, "Signal.confidence must be in [0, 1], got -0.1"),
        (float("nan"), 0.5, "Signal.strength must be in [0, 1], got nan"),
    ],
)
def test_signal_bounds(strength, confidence, message) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Signal("a", "X", 1, Direction.LONG, strength, confidence)


quantities = st.decimals("0.001", "50", places=3)
prices = st.decimals("1", "100000", places=2)


@given(st.lists(st.tuples(st.sampled_from([Side.BUY, Side.SELL]), quantities, prices), max_size=30))
def test_position_accounting_is_exact(trades) -> None:
    """Cash flows equal realised plus unrealised PnL, to the last digit, for any fill sequence
    whose average prices stay exact (prices are given with two places, quantities three)."""
    position = Position("X")
    cash = Decimal(0)
    for i, (side, qty, price) in enumerate(trades):
        fill = Fill(f"f{i}", f"o{i}", "X", side, qty, price, Decimal(0), i)
        position = position.apply(fill)
        cash -= qty * price * side.sign
    mark = trades[-1][2] if trades else Decimal(1)
    unrealized = (mark - position.average_price) * position.quantity
    total = cash + position.quantity * mark
    # average-cost accounting divides, so allow the rounding of one 28-digit division per fill
    assert abs(total - (position.realized_pnl + unrealized)) <= Decimal("1e-18") * (1 + len(trades))
    assert position.quantity == sum(q * s.sign for s, q, _ in trades)


statuses = st.sampled_from(list(OrderStatus))


@given(st.lists(statuses, max_size=8))
def test_orders_only_move_along_allowed_transitions(path) -> None:
    order = Order("o", "X", Side.BUY, OrderType.MARKET, Decimal(1), 1)
    for status in path:
        allowed = status is order.status or status in ORDER_TRANSITIONS[order.status]
        if allowed:
            order = order.transition(status)
        else:
            with pytest.raises(ValueError, match="illegal status change"):
                order.transition(status)
    if order.status.is_terminal:
        assert ORDER_TRANSITIONS[order.status] == frozenset()
