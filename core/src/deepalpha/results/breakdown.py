"""Where a portfolio's result came from: one P&L curve and one set of metrics per symbol.

A run over several symbols has one equity curve, one cash balance and one list of fills. This
module splits it without re-running anything, from what the run already holds (its equity rows,
its fills in order and each symbol's bars), so the report can say which symbol earned what.

Conventions:

- **A symbol's P&L curve** at each portfolio timestamp ``t`` is the cash its fills moved (sells
  bring in ``quantity x price``, buys pay it, every fee is paid) plus its signed position marked at
  its last close at or before ``t``. A short (negative position) therefore earns ``entry - exit``
  per unit, like the paper venue's cash/margin booking. A fill counts from the first row whose bar
  has not closed before it (``fill.ts < t + timeframe``): the paper venue stamps a fill with the bar
  that filled it, and the engine marks equity after that bar's fills. Cash changes only through
  fills, so ``equity == initial_cash + sum of the symbols' P&L curves`` at every row, up to float
  rounding (the booked amounts are summed exactly as ``Decimal`` and converted once).
- **Initial cash** is ``equity[0]`` minus the symbols' P&L at the first row (zero unless a fill
  landed on it), so it needs no second source of truth.
- **Contribution** of a symbol is what its P&L curve gained from the first row to the last, over
  the equity at the first row: the contributions add up to the portfolio's total return (which is
  measured from the first row too). With no fill on the first row, as in any paper run, that is
  the symbol's final P&L over the initial cash.
- **Exposure** of a symbol is the share of *its own* bars in the run at whose close it held a
  position; a symbol listed half way through a run is judged on the bars it had.
- **Buy and hold.** For one symbol: its last close over its first close in the run, exactly as
  ``summarize(close=...)`` computes it. For several: an **equal-weight portfolio**: the initial
  capital is split equally, each share buys its symbol at the symbol's first close in the run (a
  share waits in cash until its symbol's first bar) and is held to the end; no fees, no
  rebalancing. Its return is the mean of the symbols' buy-and-hold returns (a symbol without a bar
  inside the run is left out). Computed once here and handed to ``summarize`` and to the report.
- **Portfolio exposure** is the share of rows at whose close any symbol is held, taken from the
  symbols' positions built here (the same figure ``summarize`` derives from the fills).
- **Trades** are FIFO round trips (``deepalpha.results.trades``), split by symbol.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
from attrs import frozen

from ..domain import ZERO, Fill
from .metrics import (
    Summary,
    _array,
    _finite,
    equity_curve,
    record_from_dict,
    record_to_dict,
    summarize,
    total_fees,
    trade_stats,
)
from .trades import _EXACT, Trade, build_trades

_SYMBOL_DECIMAL_FIELDS = ("gross_profit", "gross_loss", "net_pnl", "fees_paid", "open_quantity")


@frozen
class SymbolSummary:
    """One symbol's share of a run. Fractions are fractions (0.05 is 5 %).

    ``net_pnl`` is the closed trades' PnL net of their fees (as ``Summary.net_pnl``); ``pnl`` is the
    last value of the symbol's P&L curve: closed and open positions, net of every fee paid, the
    position marked at the last close. ``open_quantity`` is the signed position at the end.
    """

    symbol: str
    bars: int
    trades: int
    wins: int
    losses: int
    win_rate: float | None
    profit_factor: float | None
    gross_profit: Decimal
    gross_loss: Decimal
    net_pnl: Decimal
    pnl: float
    fees_paid: Decimal
    exposure: float
    buy_hold_return: float | None
    contribution: float
    open_quantity: Decimal

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe mapping; Decimals become strings so no cent is lost."""
        return record_to_dict(self, _SYMBOL_DECIMAL_FIELDS)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SymbolSummary:
        """Inverse of ``to_dict``; unknown or missing keys are errors naming them."""
        return record_from_dict(cls, data, _SYMBOL_DECIMAL_FIELDS)


@frozen
class Breakdown:
    """A run's portfolio summary, its per-symbol summaries, and the curves the report draws.

    ``symbols`` keeps the order of the ``closes`` mapping given to ``breakdown``. The arrays are
    the run's own (not copied): ``ts``/``equity`` as given, ``pnl[symbol]`` on ``ts``,
    ``buy_hold`` the benchmark's equity on ``ts`` (``None`` without prices), ``closes`` each
    symbol's bars.
    """

    portfolio: Summary
    symbols: dict[str, SymbolSummary]
    initial_cash: float
    trades: tuple[Trade, ...] = attrs.field(repr=False)
    ts: np.ndarray = attrs.field(repr=False, eq=False)
    equity: np.ndarray = attrs.field(repr=False, eq=False)
    pnl: dict[str, np.ndarray] = attrs.field(repr=False, eq=False)
    buy_hold: np.ndarray | None = attrs.field(repr=False, eq=False)
    closes: dict[str, tuple[np.ndarray, np.ndarray]] = attrs.field(repr=False, eq=False)
    timeframe_ms: int = 0

    @property
    def summary(self) -> Summary:
        """The portfolio summary (what single-symbol callers used to get from ``summarize``)."""
        return self.portfolio

    def trades_of(self, symbol: str) -> list[Trade]:
        return [t for t in self.trades if t.symbol == symbol]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``{"summary": portfolio, "symbols": {symbol: ...}, "initial_cash": ...,
        "buy_hold": "equal-weight" | "single" | None}``; ``json.dumps(allow_nan=False)`` takes it.

        ``summary`` is ``Summary.to_dict()`` unchanged, so readers of the old run record keep
        working.
        """
        method = None
        if self.portfolio.buy_hold_return is not None:
            method = "single" if len(self.symbols) == 1 else "equal-weight"
        return {
            "summary": self.portfolio.to_dict(),
            "symbols": {name: s.to_dict() for name, s in self.symbols.items()},
            "initial_cash": self.initial_cash,
            "buy_hold": method,
        }


def _closes(closes: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Validated (ts, close) columns per symbol, without copying arrays that are already fine."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for symbol, pair in closes.items():
        try:
            raw_ts, raw_close = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"closes[{symbol!r}]: must be a (ts, close) pair of arrays, "
                f"got {type(pair).__name__}"
            ) from None
        ts = _array(f"closes[{symbol!r}].ts", raw_ts, np.int64)
        close = _array(f"closes[{symbol!r}].close", raw_close, np.float64)
        if len(ts) != len(close):
            raise ValueError(f"closes[{symbol!r}]: close has {len(close)} values, ts has {len(ts)}")
        _finite(f"closes[{symbol!r}].close", close)
        if len(ts) > 1 and not bool(np.all(np.diff(ts) > 0)):
            raise ValueError(f"closes[{symbol!r}].ts: timestamps must increase strictly")
        out[str(symbol)] = (ts, close)
    return out


def _marks(sym_ts: np.ndarray, close: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The last close at or before each of ``at``; 0 before the symbol's first bar."""
    idx = np.searchsorted(sym_ts, at, side="right") - 1
    out = np.zeros(len(at), dtype=np.float64)
    has = idx >= 0
    out[has] = close[idx[has]]
    return out


@frozen
class _Ledger:
    """One symbol's fills as running totals: after fill ``i``, the signed position and the cash
    its fills moved (fees paid). Summed exactly and converted to float once, so flat is exactly 0.
    """

    fill_ts: np.ndarray
    position: np.ndarray
    cash: np.ndarray
    final_position: Decimal

    @classmethod
    def of(cls, fills: Sequence[Fill]) -> _Ledger:
        qty = cash = ZERO
        position = np.empty(len(fills), dtype=np.float64)
        moved = np.empty(len(fills), dtype=np.float64)
        fill_ts = np.empty(len(fills), dtype=np.int64)
        for i, fill in enumerate(fills):
            signed = _EXACT.multiply(fill.quantity, Decimal(fill.side.sign))
            qty = _EXACT.add(qty, signed)
            cash = _EXACT.subtract(
                _EXACT.subtract(cash, _EXACT.multiply(signed, fill.price)), fill.fee
            )
            position[i] = float(qty)
            moved[i] = float(cash)
            fill_ts[i] = fill.ts
        return cls(fill_ts, position, moved, qty)

    def at(self, rows_ts: np.ndarray, timeframe_ms: int) -> tuple[np.ndarray, np.ndarray]:
        """(position, cash moved) at the close of each row: fills with ``ts < row + timeframe``."""
        n = len(rows_ts)
        position = np.zeros(n, dtype=np.float64)
        moved = np.zeros(n, dtype=np.float64)
        done = np.searchsorted(self.fill_ts, rows_ts + timeframe_ms, side="left")
        has = done > 0
        position[has] = self.position[done[has] - 1]
        moved[has] = self.cash[done[has] - 1]
        return position, moved


def _benchmark(
    closes: Mapping[str, tuple[np.ndarray, np.ndarray]], ts: np.ndarray, start_equity: float
) -> tuple[dict[str, float | None], float | None, np.ndarray | None]:
    """Per-symbol buy-and-hold returns over the run, the portfolio's, and its equity curve."""
    first, last = ts[0], ts[-1]
    returns: dict[str, float | None] = {}
    ratios = []
    for symbol, (sym_ts, close) in closes.items():
        lo = int(np.searchsorted(sym_ts, first, side="left"))
        hi = int(np.searchsorted(sym_ts, last, side="right"))
        if hi <= lo or close[lo] <= 0:
            returns[symbol] = None
            continue
        entry = close[lo]
        returns[symbol] = float(close[hi - 1] / entry - 1.0)
        # The symbol's value relative to its entry at each row; its share waits in cash before.
        ratio = _marks(sym_ts[lo:hi], close[lo:hi], ts) / entry
        ratio[ts < sym_ts[lo]] = 1.0
        ratios.append(ratio)
    held = [r for r in returns.values() if r is not None]
    if not held:
        return returns, None, None
    curve = start_equity * (ratios[0] if len(ratios) == 1 else np.mean(ratios, axis=0))
    return returns, math.fsum(held) / len(held), curve


def breakdown(
    ts: Any,
    equity: Any,
    closes: Mapping[str, tuple[Any, Any]],
    fills: Sequence[Fill],
    timeframe_ms: int,
    *,
    trades: Sequence[Trade] | None = None,
) -> Breakdown:
    """The ``Breakdown`` of a run (see the module docstring for every convention).

    ``ts``/``equity`` are the run's equity rows; ``closes`` maps each symbol of the run to its bars
    as ``(ts, close)`` arrays (the report draws these, so pass all of them, not only the run's
    span); ``fills`` are the run's fills (any order: sorted stably by time here); ``trades`` may be
    passed when already built from ``fills``.

    Raises ``ValueError`` naming the argument for the inputs ``summarize`` refuses, for malformed
    ``closes`` and for a fill whose symbol has no bars in ``closes``.
    """
    cols = _closes(closes)
    ordered = sorted(fills, key=lambda f: f.ts)
    by_symbol: dict[str, list[Fill]] = {symbol: [] for symbol in cols}
    for fill in ordered:
        if fill.symbol not in by_symbol:
            raise ValueError(
                f"fills: fill {fill.id!r} is for {fill.symbol!r}, which has no bars in closes "
                f"(symbols: {', '.join(cols) or 'none'})"
            )
        by_symbol[fill.symbol].append(fill)
    if trades is None:
        trades = build_trades(ordered).trades
    trades = tuple(trades)
    for trade in trades:
        if trade.symbol not in by_symbol:
            raise ValueError(
                f"trades: a trade is for {trade.symbol!r}, which has no bars in closes"
            )

    ts_a, eq, timeframe_ms = equity_curve(ts, equity, timeframe_ms)
    pnl: dict[str, np.ndarray] = {}
    held_at_end: dict[str, Decimal] = {}
    exposure: dict[str, float] = {}
    bars: dict[str, int] = {}
    any_open = np.zeros(len(ts_a), dtype=bool)
    for symbol, (sym_ts, close) in cols.items():
        ledger = _Ledger.of(by_symbol[symbol])
        position, moved = ledger.at(ts_a, timeframe_ms)
        pnl[symbol] = moved + position * _marks(sym_ts, close, ts_a)
        any_open |= position != 0.0
        # Exposure over the symbol's own bars within the run.
        lo = int(np.searchsorted(sym_ts, ts_a[0], side="left"))
        hi = int(np.searchsorted(sym_ts, ts_a[-1], side="right"))
        bars[symbol] = hi - lo
        own_position, _ = ledger.at(sym_ts[lo:hi], timeframe_ms)
        exposure[symbol] = float(np.count_nonzero(own_position)) / (hi - lo) if hi > lo else 0.0
        held_at_end[symbol] = ledger.final_position

    sym_returns, hold_return, hold_curve = _benchmark(cols, ts_a, float(eq[0]))
    # Portfolio exposure from the positions just built: bars at whose close any symbol is held.
    portfolio = summarize(
        ts_a,
        eq,
        timeframe_ms=timeframe_ms,
        fills=ordered,
        trades=trades,
        position_qty=any_open.astype(np.float64),
        buy_hold_return=hold_return,
    )

    initial_cash = float(eq[0]) - math.fsum(float(curve[0]) for curve in pnl.values())
    trades_by: dict[str, list[Trade]] = {symbol: [] for symbol in cols}
    for trade in trades:
        trades_by[trade.symbol].append(trade)
    symbols: dict[str, SymbolSummary] = {}
    for symbol in cols:
        stats = trade_stats(trades_by[symbol])
        final = float(pnl[symbol][-1])
        symbols[symbol] = SymbolSummary(
            symbol=symbol,
            bars=bars[symbol],
            trades=stats.trades,
            wins=stats.wins,
            losses=stats.losses,
            win_rate=stats.win_rate,
            profit_factor=stats.profit_factor,
            gross_profit=stats.gross_profit,
            gross_loss=stats.gross_loss,
            net_pnl=stats.net_pnl,
            pnl=final,
            fees_paid=total_fees(by_symbol[symbol]),
            exposure=exposure[symbol],
            buy_hold_return=sym_returns[symbol],
            contribution=(final - float(pnl[symbol][0])) / float(eq[0]),
            open_quantity=held_at_end[symbol],
        )
    return Breakdown(
        portfolio=portfolio,
        symbols=symbols,
        initial_cash=initial_cash,
        trades=trades,
        ts=ts_a,
        equity=eq,
        pnl=pnl,
        buy_hold=hold_curve,
        closes=cols,
        timeframe_ms=int(timeframe_ms),
    )


def symbol_table(bd: Breakdown, title: str | None = None) -> Any:
    """A ``rich.table.Table`` with one row per symbol, for the CLI (rich is imported only here)."""
    from rich.table import Table

    from .format import SYMBOL_COLUMNS, symbol_row

    table = Table(title=title, show_header=True, header_style="bold")
    for i, column in enumerate(SYMBOL_COLUMNS):
        table.add_column(column, justify="left" if i == 0 else "right")
    for s in bd.symbols.values():
        table.add_row(*symbol_row(s))
    return table
