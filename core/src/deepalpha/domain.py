"""Domain value types shared by every part of the pipeline.

Prices on bars are floats: they are observations used for analytics. Everything that is *booked*
(order quantities and prices, fills, fees, cash, positions) is a ``Decimal`` so that accounting is
exact and a portfolio always reconciles to the last cent. Timestamps are integer milliseconds since
the Unix epoch in UTC, the unit exchanges (and ccxt) use, which keeps the per-bar path free of
datetime objects.

All values are frozen; derive a changed copy with ``attrs.evolve``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
from attrs import field, frozen

ZERO = Decimal(0)


def ms_to_datetime(ts: int) -> datetime:
    """Convert epoch milliseconds (UTC) to an aware ``datetime``."""
    return datetime.fromtimestamp(ts / 1000, tz=UTC)


def datetime_to_ms(dt: datetime) -> int:
    """Convert a ``datetime`` to epoch milliseconds; naive values are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    """Exact Decimal from user or venue input; floats go through ``repr`` to avoid binary noise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


class Direction(enum.IntEnum):
    """What an agent thinks the price will do."""

    SHORT = -1
    FLAT = 0
    LONG = 1


class Action(enum.Enum):
    """What the decision engine resolves to do."""

    BUY = "buy"
    SELL = "sell"
    HOLD = "hold"


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(enum.Enum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(enum.Enum):
    """Order life cycle. ``NEW`` is persisted before the venue sees the order."""

    NEW = "new"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED})

#: Allowed order status transitions; anything else is a bug in a gateway.
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.NEW: frozenset(
        {
            OrderStatus.OPEN,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.FILLED,
            OrderStatus.REJECTED,
            OrderStatus.CANCELED,
        }
    ),
    OrderStatus.OPEN: frozenset(
        {OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED, OrderStatus.CANCELED}
    ),
    OrderStatus.PARTIALLY_FILLED: frozenset(
        {OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED, OrderStatus.CANCELED}
    ),
    OrderStatus.FILLED: frozenset(),
    OrderStatus.CANCELED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
}


@frozen(slots=True)
class Bar:
    """One closed OHLCV candle. ``ts`` is the candle's open time in epoch milliseconds (UTC)."""

    symbol: str
    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    @property
    def time(self) -> datetime:
        return ms_to_datetime(self.ts)


@frozen(slots=True)
class Signal:
    """An agent's view of one symbol at one bar.

    ``strength`` is how far the evidence points in ``direction`` and ``confidence`` how much the
    agent trusts it; both are in [0, 1]. ``rationale`` is shown to people and to LLM arbiters.

    ``stop_loss`` / ``take_profit`` are prices the agent suggests for a position opened on this
    signal; risk rules decide whether to use them. ``veto`` is a risk-off signal: while any agent
    vetoes, the decision engine opens and adds to nothing on the symbol (exits still go through).

    ``agent``, ``symbol`` and ``ts`` may be left empty by an agent (``Signal.buy(confidence=0.8)``):
    the engine fills them in with the agent's configured name and the bar the signal answers.
    """

    agent: str
    symbol: str
    ts: int
    direction: Direction
    strength: float = 0.0
    confidence: float = 0.0
    rationale: str = ""
    stop_loss: float | None = None
    take_profit: float | None = None
    veto: bool = False

    def __attrs_post_init__(self) -> None:
        # One combined check rather than two attrs validators: agents build a Signal on every
        # bar, and this halves what validation costs there. NaN fails both comparisons.
        if not (0.0 <= self.strength <= 1.0 and 0.0 <= self.confidence <= 1.0):
            name = "strength" if not 0.0 <= self.strength <= 1.0 else "confidence"
            raise ValueError(f"Signal.{name} must be in [0, 1], got {getattr(self, name)!r}")
        for name in ("stop_loss", "take_profit"):
            value = getattr(self, name)
            if value is not None and not value > 0.0:  # also refuses NaN
                raise ValueError(f"Signal.{name} must be a price > 0, got {value!r}")

    @property
    def score(self) -> float:
        """Signed conviction in [-1, 1]: direction x strength x confidence."""
        return int(self.direction) * self.strength * self.confidence

    # -- named constructors (the product description's agent API) -------------------------------

    @classmethod
    def buy(
        cls,
        confidence: float = 1.0,
        strength: float = 1.0,
        rationale: str = "",
        *,
        agent: str = "",
        symbol: str = "",
        ts: int = 0,
        stop_loss: float | None = None,
        take_profit: float | None = None,
    ) -> Signal:
        """A long signal; the engine fills in ``agent``, ``symbol`` and ``ts`` when left empty."""
        return cls(agent, symbol, ts, Direction.LONG, strength, confidence, rationale, stop_loss,
                   take_profit)  # fmt: skip

    @classmethod
    def sell(
        cls,
        confidence: float = 1.0,
        strength: float = 1.0,
        rationale: str = "",
        *,
        agent: str = "",
        symbol: str = "",
        ts: int = 0,
        stop_loss: float | None = None,
        take_profit: float | None = None,
    ) -> Signal:
        """A short signal (an exit while long; a short entry where the policy allows shorts)."""
        return cls(agent, symbol, ts, Direction.SHORT, strength, confidence, rationale, stop_loss,
                   take_profit)  # fmt: skip

    @classmethod
    def hold(
        cls,
        confidence: float = 1.0,
        rationale: str = "",
        *,
        agent: str = "",
        symbol: str = "",
        ts: int = 0,
    ) -> Signal:
        """A neutral vote: it counts (it pulls the weighted vote towards zero), unlike abstaining
        by returning ``None``."""
        return cls(agent, symbol, ts, Direction.FLAT, 0.0, confidence, rationale)

    @classmethod
    def risk_off(
        cls,
        confidence: float = 1.0,
        rationale: str = "",
        *,
        agent: str = "",
        symbol: str = "",
        ts: int = 0,
        strength: float = 1.0,
    ) -> Signal:
        """A veto: nothing is opened or added on the symbol while it stands; exits go through."""
        return cls(agent, symbol, ts, Direction.SHORT, strength, confidence, rationale, veto=True)


@frozen(slots=True)
class Decision:
    """What the decision engine resolved for a symbol at a bar, and why.

    ``rationale`` is one line for people; ``explanation`` is the structured account it is derived
    from (signals, weights, votes, veto, LLM answers, combined score, cache hit; see
    ``deepalpha.engine.explain``), a JSON-ready mapping stored with the decision. It is left out of
    the hash (a dict cannot be hashed) and must not be modified.
    """

    symbol: str
    ts: int
    action: Action
    confidence: float
    rationale: str
    source: str
    signals: tuple[Signal, ...] = ()
    explanation: dict[str, Any] | None = field(default=None, hash=False)


@frozen(slots=True)
class OrderIntent:
    """A wish to trade, before risk rules have sized and approved it.

    ``quantity`` is ``None`` until a sizing rule fills it in; ``reduce_only`` marks exits
    (stop-loss, take-profit, closing a position) which risk rules must not block for exposure
    reasons.
    """

    symbol: str
    side: Side
    ts: int
    quantity: Decimal | None = None
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    reduce_only: bool = False
    reason: str = ""
    #: Exit prices the agents behind the decision suggested (``Signal.stop_loss`` /
    #: ``take_profit``); risk rules decide whether to use them, nothing else does.
    stop_loss: float | None = None
    take_profit: float | None = None


@frozen(slots=True)
class Order:
    id: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    ts: int
    status: OrderStatus = OrderStatus.NEW
    limit_price: Decimal | None = None
    filled_quantity: Decimal = ZERO
    average_price: Decimal | None = None
    reduce_only: bool = False
    reason: str = ""
    client_tag: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity

    def transition(self, status: OrderStatus, **changes: object) -> Order:
        """Return a copy in ``status``; raises ``ValueError`` for a move the life cycle forbids."""
        if status is not self.status and status not in ORDER_TRANSITIONS[self.status]:
            raise ValueError(
                f"order {self.id}: illegal status change {self.status.value} -> {status.value}"
            )
        return attrs.evolve(self, status=status, **changes)


@frozen(slots=True)
class Fill:
    id: str
    order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal
    ts: int

    @property
    def notional(self) -> Decimal:
        return self.quantity * self.price


@frozen(slots=True)
class Position:
    """Net holding in one symbol. ``quantity`` is signed: negative is short."""

    symbol: str
    quantity: Decimal = ZERO
    average_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO

    def market_value(self, price: float) -> float:
        return float(self.quantity) * price

    def apply(self, fill: Fill) -> Position:
        """The position after ``fill``; realised PnL is booked when a fill reduces exposure."""
        signed = fill.quantity * fill.side.sign
        qty, avg, realized = self.quantity, self.average_price, self.realized_pnl
        new_qty = qty + signed
        if qty == 0 or (qty > 0) == (signed > 0):
            # Opening or adding: weighted average entry price.
            avg = (qty * avg + signed * fill.price) / new_qty
        else:
            closed = min(abs(signed), abs(qty))
            direction = 1 if qty > 0 else -1
            realized += (fill.price - avg) * closed * direction
            if new_qty == 0:
                avg = ZERO
            elif (new_qty > 0) != (qty > 0):
                # Flipped through zero: the remainder opens at the fill price.
                avg = fill.price
        return Position(self.symbol, new_qty, avg, realized)


@frozen(slots=True)
class Portfolio:
    """Balances and positions of one account at a moment; ``cash`` is in the quote currency."""

    cash: Decimal
    positions: dict[str, Position] = field(factory=dict)
    fees_paid: Decimal = ZERO

    def position(self, symbol: str) -> Position:
        return self.positions.get(symbol) or Position(symbol)

    def equity(self, prices: dict[str, float]) -> float:
        """Mark-to-market value, using ``prices`` (last known) for each open position."""
        value = float(self.cash)
        for symbol, pos in self.positions.items():
            if pos.quantity:
                value += pos.market_value(prices.get(symbol, float(pos.average_price)))
        return value
