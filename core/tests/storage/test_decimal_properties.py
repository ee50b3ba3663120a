"""Property: every Decimal booked through the journal reads back exactly, on both backends."""

from __future__ import annotations

from decimal import Decimal

from deepalpha.domain import Fill, Order, OrderStatus, OrderType, Position, Side
from deepalpha.storage import Store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Plain decimals with up to 30 places, and mantissa x 10^exp forms ("1.5E-12", "7E+9") that a
# float or a fixed-scale column would round.
amounts = st.one_of(
    st.integers(0, 30).flatmap(
        lambda places: st.decimals(
            min_value=Decimal("-1e18"),
            max_value=Decimal("1e18"),
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    ),
    st.builds(
        lambda m, e: Decimal(m).scaleb(e),
        st.integers(-(10**24), 10**24),
        st.integers(-30, 12),
    ),
)

settings_ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings_
@given(quantity=amounts, limit=st.none() | amounts, filled=amounts, average=st.none() | amounts)
def test_order_decimals_round_trip(store: Store, quantity, limit, filled, average) -> None:
    run_id = store.start_run("backtest", {}, ["BTC/USD"])
    order = Order(
        id="o",
        symbol="BTC/USD",
        side=Side.SELL,
        order_type=OrderType.LIMIT,
        quantity=quantity,
        ts=2**53 + 1,  # beyond float precision: BIGINT must keep it
        status=OrderStatus.PARTIALLY_FILLED,
        limit_price=limit,
        filled_quantity=filled,
        average_price=average,
    )
    store.journal(run_id).record_order(order)
    [back] = store.orders(run_id)
    assert back == order
    assert all(isinstance(v, Decimal) for v in (back.quantity, back.filled_quantity))


@settings_
@given(quantity=amounts, price=amounts, fee=amounts, realized=amounts)
def test_fill_and_position_decimals_round_trip(store: Store, quantity, price, fee, realized):
    run_id = store.start_run("backtest", {}, ["BTC/USD"])
    journal = store.journal(run_id)
    journal.record_order(
        Order("o", "BTC/USD", Side.BUY, OrderType.MARKET, quantity=abs(quantity), ts=1)
    )
    fill = Fill("f", "o", "BTC/USD", Side.BUY, quantity, price, fee, ts=2)
    position = Position("BTC/USD", quantity, price, realized)
    journal.record_fill(fill, position)
    assert store.fills(run_id) == [fill]
    assert store.positions(run_id) == [position]
