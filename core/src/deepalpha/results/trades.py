"""Round trips (closed trades) from a list of fills, matched first in, first out per symbol.

A backtest books ``Fill`` records; people judge a strategy by its *trades*: when a position was
opened, when it was closed, and what it earned after fees. This module rebuilds those trades from
the fills alone, so one function serves backtests, paper sessions and fills read back from storage.

Conventions (the ones pyfolio's ``extract_round_trips`` and most broker statements use):

- Each symbol keeps a FIFO queue of open *lots*, one per opening fill. A fill on the opposite side
  closes the oldest lots first; every (opening fill, closing fill) pair that meets produces one
  ``Trade``. A partial close therefore yields a trade for the closed quantity and leaves the rest of
  the lot open; one exit that closes three lots yields three trades.
- A fill that closes more than the open quantity flips the position: the surplus opens a new lot on
  the fill's side.
- Fees are allocated pro rata to quantity: a trade carries the share of its opening fill's fee
  and of its closing fill's fee that corresponds to its quantity. The last share taken from a fill
  is the exact remainder, so the fees of all trades plus the fees still held by open lots add up
  to the fills' fees exactly. Shares are rounded (half even) to ``FEE_DECIMALS`` places, or to the
  fee's own places when it has more, so they stay readable and ordinary ``Decimal`` sums of them
  are exact.
- ``pnl`` is net of those fees. Summed over the trades of a book that ends flat it equals the
  realised PnL that ``Position.apply`` books minus every fill's fee (average-cost and FIFO realise
  the same total once the position is closed).

Money stays ``Decimal``; only ``return_pct`` (an analytic ratio) is a float.
"""

from __future__ import annotations

import decimal
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Decimal

from attrs import frozen

from ..domain import ZERO, Fill, Side

#: Additions, subtractions and products of booked amounts are exact (no rounding, ever): this
#: context has as many digits as the operands need and traps any inexact result.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow],
)
_ROUND = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.Overflow],
)

#: Decimal places of a pro-rata fee share (more if the fee itself has more).
FEE_DECIMALS = 12


def _fee_share(fee: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``fee * part / whole`` rounded to ``FEE_DECIMALS`` places (or the fee's own, if finer)."""
    places = max(FEE_DECIMALS, -int(fee.as_tuple().exponent))
    return _ROUND.quantize(fee * part / whole, Decimal(1).scaleb(-places))


@frozen(slots=True)
class Trade:
    """One closed round trip: ``quantity`` opened by one fill and closed by a later one.

    ``side`` is the side of the *opening* fill: ``BUY`` for a long trade, ``SELL`` for a short.
    ``fees`` is this trade's pro-rata share of both fills' fees; ``pnl`` is net of it.
    ``return_pct`` is ``pnl`` over the entry notional (``entry_price * quantity``), in percent.
    """

    symbol: str
    side: Side
    quantity: Decimal
    entry_ts: int
    exit_ts: int
    entry_price: Decimal
    exit_price: Decimal
    pnl: Decimal
    return_pct: float
    fees: Decimal
    entry_fill_id: str = ""
    exit_fill_id: str = ""

    @property
    def gross_pnl(self) -> Decimal:
        """PnL before fees."""
        return _EXACT.add(self.pnl, self.fees)

    @property
    def is_long(self) -> bool:
        return self.side is Side.BUY

    @property
    def duration_ms(self) -> int:
        return self.exit_ts - self.entry_ts


@frozen(slots=True)
class OpenLot:
    """What is left of an opening fill that no later fill has closed yet.

    ``fee`` is the part of the opening fee not yet allocated to a trade.
    """

    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    ts: int
    fee: Decimal
    fill_id: str = ""


@frozen
class TradeBook:
    """The result of matching: closed trades in exit order, and lots still open per symbol."""

    trades: tuple[Trade, ...]
    open_lots: tuple[OpenLot, ...]

    @property
    def open_quantity(self) -> dict[str, Decimal]:
        """Signed open quantity per symbol (negative is short); symbols that are flat are absent."""
        out: dict[str, Decimal] = {}
        for lot in self.open_lots:
            out[lot.symbol] = _EXACT.add(
                out.get(lot.symbol, ZERO), _EXACT.multiply(lot.quantity, Decimal(lot.side.sign))
            )
        return {symbol: qty for symbol, qty in out.items() if qty}


class _Lot:
    """Mutable open lot used while matching (kept private; exposed as ``OpenLot``)."""

    __slots__ = ("fee", "fill", "quantity")

    def __init__(self, fill: Fill, quantity: Decimal, fee: Decimal) -> None:
        self.fill = fill
        self.quantity = quantity
        self.fee = fee

    def take_fee(self, quantity: Decimal) -> Decimal:
        """Remove and return the fee share of ``quantity``; the whole rest when the lot empties."""
        whole = quantity == self.quantity
        share = self.fee if whole else _fee_share(self.fee, quantity, self.quantity)
        self.fee = _EXACT.subtract(self.fee, share)
        self.quantity = _EXACT.subtract(self.quantity, quantity)
        return share

    def freeze(self) -> OpenLot:
        f = self.fill
        return OpenLot(f.symbol, f.side, self.quantity, f.price, f.ts, self.fee, f.id)


def _check(fill: Fill) -> None:
    for name, positive in (("quantity", True), ("price", True), ("fee", False)):
        value = getattr(fill, name)
        if not isinstance(value, Decimal) or not value.is_finite() or (positive and value <= 0):
            need = "a finite Decimal > 0" if positive else "a finite Decimal"
            raise ValueError(f"fill {fill.id!r}: {name} must be {need}, got {value!r}")


def _close(lot: _Lot, fill: Fill, quantity: Decimal, exit_fee: Decimal) -> Trade:
    entry = lot.fill
    entry_fee = lot.take_fee(quantity)
    fees = _EXACT.add(entry_fee, exit_fee)
    move = _EXACT.subtract(fill.price, entry.price)
    gross = _EXACT.multiply(_EXACT.multiply(move, quantity), Decimal(entry.side.sign))
    pnl = _EXACT.subtract(gross, fees)
    notional = entry.price * quantity
    return Trade(
        symbol=entry.symbol,
        side=entry.side,
        quantity=quantity,
        entry_ts=entry.ts,
        exit_ts=fill.ts,
        entry_price=entry.price,
        exit_price=fill.price,
        pnl=pnl,
        return_pct=float(pnl / notional) * 100.0,
        fees=fees,
        entry_fill_id=entry.id,
        exit_fill_id=fill.id,
    )


def build_trades(fills: Iterable[Fill]) -> TradeBook:
    """Match ``fills`` FIFO per symbol into closed trades and the lots left open.

    Fills are processed in timestamp order (a stable sort, so fills sharing a timestamp keep the
    order given). Raises ``ValueError`` naming the fill when a quantity, price or fee is not a
    finite ``Decimal`` or a quantity or price is not positive.
    """
    ordered = sorted(fills, key=lambda f: f.ts)
    books: dict[str, deque[_Lot]] = {}
    trades: list[Trade] = []
    for fill in ordered:
        _check(fill)
        lots = books.setdefault(fill.symbol, deque())
        remaining = fill.quantity
        fee_left = fill.fee
        while remaining and lots and lots[0].fill.side is not fill.side:
            lot = lots[0]
            quantity = min(remaining, lot.quantity)
            # The closing fill's fee, pro rata; the last piece of the fill takes the exact rest.
            last = quantity == remaining
            exit_fee = fee_left if last else _fee_share(fill.fee, quantity, fill.quantity)
            fee_left = _EXACT.subtract(fee_left, exit_fee)
            trades.append(_close(lot, fill, quantity, exit_fee))
            remaining = _EXACT.subtract(remaining, quantity)
            if not lot.quantity:
                lots.popleft()
        if remaining:
            # Opening, adding, or the surplus of a flip: a new lot with the rest of the fee.
            lots.append(_Lot(fill, remaining, fee_left))
    open_lots = tuple(lot.freeze() for lots in books.values() for lot in lots)
    return TradeBook(tuple(trades), open_lots)


def round_trips(fills: Iterable[Fill]) -> list[Trade]:
    """Closed trades of ``fills`` (see ``build_trades``), in the order they were closed."""
    return list(build_trades(fills).trades)


def total_pnl(trades: Sequence[Trade]) -> Decimal:
    """Exact sum of the trades' net PnL."""
    total = ZERO
    for trade in trades:
        total = _EXACT.add(total, trade.pnl)
    return total
