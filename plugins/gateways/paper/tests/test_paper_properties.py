"""Property tests: random sessions of bars and orders must keep the venue's invariants.

A session is a random interleaving of bars (strictly later each time) and order intents. After
every step the checks below must hold whatever the sequence:

- the cash ledger is exact: cash == initial - sum(signed notional) - sum(fees), to the last digit;
- the PnL identity: cash + sum(qty x mark) == initial + realized + unrealized - fees. Its only
  inexact term is ``Position.average_price``, which the core computes by division (average-cost
  accounting), so it holds to within that rounding: a few units in the 27th significant digit;
- cash never goes negative;
- orders only move along ``ORDER_TRANSITIONS``; ``filled_quantity`` never exceeds ``quantity``;
- everything the gateway returns is already in the journal, and a fill is journaled before the
  gateway's balances move;
- no order fills on the bar it was placed on (``fill.ts > order.ts``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import (
    ORDER_TRANSITIONS,
    ZERO,
    Bar,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from deepalpha_gateway_paper import PaperGateway, PaperOptions
from deepalpha_gateway_paper.options import ENGINES
from hypothesis import event, given, settings
from hypothesis import strategies as st

SYMBOL = "BTC/USD"
OTHER = "ETH/USD"
HOUR = 3_600_000


class CheckingJournal:
    """Journal that asserts, at the moment of each write, that the gateway has not yet moved."""

    def __init__(self) -> None:
        self.gateway: PaperGateway | None = None
        self.orders: dict[str, list[Order]] = {}
        self.fills: list[Fill] = []

    def record_order(self, order: Order) -> None:
        history = self.orders.setdefault(order.id, [])
        if history:
            previous = history[-1]
            assert (
                order.status is previous.status
                or order.status in (ORDER_TRANSITIONS[previous.status])
            ), f"{order.id}: {previous.status} -> {order.status}"
        else:
            assert order.status is OrderStatus.NEW, "the first record of an order must be NEW"
        assert ZERO <= order.filled_quantity <= order.quantity
        history.append(order)

    def record_fill(self, fill: Fill, position: Position) -> None:
        assert self.gateway is not None
        before = self.gateway.portfolio()
        # Persisted before acknowledged: the gateway's books still show the state before the fill.
        assert before.position(fill.symbol).apply(fill) == position
        booked = sum((f.quantity * f.price * f.side.sign + f.fee for f in self.fills), ZERO)
        assert before.cash == self.gateway.options.initial_cash - booked
        self.fills.append(fill)


# A narrow band of prices so limits get hit and sizes stay affordable: the interesting cases are
# fills, not refusals. Cents become floats whose repr is the decimal the bar "printed".
prices = st.integers(min_value=5_000, max_value=15_000).map(lambda cents: cents / 100)


@st.composite
def bars(draw):
    open_, close = draw(prices), draw(prices)
    high = max(open_, close) + draw(st.integers(0, 2_000)) / 100
    low = max(0.01, min(open_, close) - draw(st.integers(0, 2_000)) / 100)
    return ("bar", draw(st.sampled_from([SYMBOL, SYMBOL, OTHER])), open_, high, low, close)


@st.composite
def orders(draw):
    limit = draw(st.none() | prices)
    return (
        "order",
        draw(st.sampled_from([SYMBOL, SYMBOL, SYMBOL, OTHER])),
        draw(st.sampled_from([Side.BUY, Side.BUY, Side.SELL])),
        draw(st.decimals(min_value="0.001", max_value="20", places=3)),
        None if limit is None else Decimal(repr(limit)),
        draw(st.integers(0, 3)) == 0,  # reduce_only
        draw(st.integers(0, 4)) == 0,  # placed "ahead": stamped with the next bar's time
    )


cancels = st.tuples(st.just("cancel"), st.integers(1, 30))

sessions = st.lists(st.one_of(bars(), bars(), orders(), orders(), cancels), min_size=4, max_size=80)


def check_accounts(gw: PaperGateway, journal: CheckingJournal, marks: dict[str, Decimal]) -> None:
    opts = gw.options
    pf = gw.portfolio()
    assert pf.cash >= 0
    signed_notional = sum((f.quantity * f.price * f.side.sign for f in journal.fills), ZERO)
    fees = sum((f.fee for f in journal.fills), ZERO)
    assert pf.fees_paid == fees
    assert pf.cash == opts.initial_cash - signed_notional - fees  # exact, no tolerance
    for symbol, pos in pf.positions.items():
        signed = sum((f.quantity * f.side.sign for f in journal.fills if f.symbol == symbol), ZERO)
        assert pos.quantity == signed
        if not opts.allow_short:
            assert pos.quantity >= 0

    held = sum((p.quantity * marks[s] for s, p in pf.positions.items()), ZERO)
    realized = sum((p.realized_pnl for p in pf.positions.values()), ZERO)
    unrealized = sum(
        ((marks[s] - p.average_price) * p.quantity for s, p in pf.positions.items()), ZERO
    )
    residual = (pf.cash + held) - (opts.initial_cash + realized + unrealized - pf.fees_paid)
    scale = max([Decimal(1)] + [f.quantity * f.price for f in journal.fills])
    assert abs(residual) <= scale * (len(journal.fills) + 1) * Decimal("1e-25"), residual


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=300, deadline=None)
@given(session=sessions, allow_short=st.booleans(), limits_on_touch=st.booleans())
def test_random_sessions_keep_every_invariant(engine, session, allow_short, limits_on_touch):
    gw = PaperGateway(
        PaperOptions(
            allow_short=allow_short,
            fill_limit_on_touch=limits_on_touch,
            initial_cash=5000,
            engine=engine,
        )
    )
    journal = CheckingJournal()
    journal.gateway = gw
    gw.start(journal)
    clock = 1
    marks: dict[str, Decimal] = {}
    for symbol in (SYMBOL, OTHER):  # a first price for each symbol, so market orders can be sized
        gw.on_bar(Bar(symbol, clock * HOUR, 100.0, 100.0, 100.0, 100.0, 1.0))
        marks[symbol] = Decimal(100)
    placed_at: dict[str, int] = {}
    for step in session:
        if step[0] == "bar":
            _, symbol, o, h, lo, c = step
            clock += 1
            fills = gw.on_bar(Bar(symbol, clock * HOUR, o, h, lo, c, 1.0))
            marks[symbol] = Decimal(repr(c))
            for fill in fills:
                assert fill in journal.fills  # persisted before returned
                assert fill.ts == clock * HOUR > placed_at[fill.order_id]  # never on its own bar
        elif step[0] == "order":
            _, symbol, side, qty, limit, reduce_only, ahead = step
            ts = (clock + 1 if ahead else clock) * HOUR
            order = gw.submit(
                OrderIntent(
                    symbol,
                    side,
                    ts,
                    qty,
                    OrderType.LIMIT if limit is not None else OrderType.MARKET,
                    limit,
                    reduce_only,
                )
            )
            placed_at[order.id] = ts
            assert journal.orders[order.id][-1] == order  # persisted before acknowledged
            assert order.status in (OrderStatus.OPEN, OrderStatus.REJECTED)
            # Intents here carry no reason, so only a refusal fills it in.
            assert bool(order.reason) == (order.status is OrderStatus.REJECTED)
        else:
            order_id = f"paper-{step[1]}"
            if order_id in journal.orders:
                result = gw.cancel(order_id)
                assert journal.orders[order_id][-1] == result
                assert result.status.is_terminal
        for order in gw.open_orders():
            assert journal.orders[order.id][-1] == order
        check_accounts(gw, journal, {s: marks.get(s, Decimal(1)) for s in gw.portfolio().positions})

    event(f"fills: {min(len(journal.fills), 5)}+")
    for order_id, history in journal.orders.items():
        filled = sum((f.quantity for f in journal.fills if f.order_id == order_id), ZERO)
        assert filled == history[-1].filled_quantity <= history[-1].quantity


class FailingJournal(CheckingJournal):
    """Raises on its ``fail_at``-th write (orders and fills counted together)."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.writes = 0
        self.fail_at = fail_at

    def _count(self) -> None:
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError("storage went away")

    def record_order(self, order: Order) -> None:
        self._count()
        super().record_order(order)

    def record_fill(self, fill: Fill, position: Position) -> None:
        self._count()
        super().record_fill(fill, position)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=200, deadline=None)
@given(session=sessions, fail_at=st.integers(1, 40))
def test_a_failing_journal_acknowledges_nothing_more(engine, session, fail_at):
    gw = PaperGateway(PaperOptions(initial_cash=5000, engine=engine))
    journal = FailingJournal(fail_at)
    journal.gateway = gw
    gw.start(journal)
    clock = 1
    for symbol in (SYMBOL, OTHER):
        gw.on_bar(Bar(symbol, clock * HOUR, 100.0, 100.0, 100.0, 100.0, 1.0))
    acknowledged: list[Order] = []
    failed = False
    for step in session:
        try:
            if step[0] == "bar":
                _, symbol, o, h, lo, c = step
                clock += 1
                gw.on_bar(Bar(symbol, clock * HOUR, o, h, lo, c, 1.0))
            elif step[0] == "order":
                _, symbol, side, qty, limit, reduce_only, _ = step
                kind = OrderType.LIMIT if limit is not None else OrderType.MARKET
                intent = OrderIntent(symbol, side, clock * HOUR, qty, kind, limit, reduce_only)
                acknowledged.append(gw.submit(intent))
        except OSError:
            assert not failed, "only the failing write may raise OSError"
            failed = True
        except Exception as exc:
            assert failed and type(exc).__name__ == "GatewayHalted", exc
    event("journal failed" if journal.writes >= fail_at else "journal held")
    if journal.writes < fail_at:
        return  # the session ended before the journal broke
    assert failed
    # Whatever was acknowledged is in the journal in exactly that state or a later one.
    for order in acknowledged:
        assert order in journal.orders[order.id]
    # The books hold only fills whose order record was also written: a fill journaled just
    # before the failing order write was not applied.
    pf = gw.portfolio()
    applied = [f for f in journal.fills if journal.orders[f.order_id][-1].status.is_terminal]
    booked = sum((f.quantity * f.price * f.side.sign + f.fee for f in applied), ZERO)
    assert pf.cash == gw.options.initial_cash - booked
    assert pf.cash >= 0
