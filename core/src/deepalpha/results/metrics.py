"""Performance metrics of a run: the numbers users compare between strategies and tools.

Everything is computed from the equity curve (one mark-to-market value per bar), the fills, and
optionally the close prices of the traded symbol, with numpy over whole arrays: a million-point
curve takes milliseconds, so the CLI can summarise any backtest without a progress bar.

Conventions, chosen to match what freqtrade and quantstats users expect:

- **Per-bar returns** are ``equity[i] / equity[i-1] - 1``. The risk-free rate is 0.
- **Annualisation** uses ``bars_per_year = 365 days / timeframe`` (crypto trades every day; this is
  quantstats' ``periods=365`` for daily bars and freqtrade's 365-day year). CAGR uses the same
  365-day year over the *calendar* time from the first to the last timestamp.
- **Sharpe** = mean / sample standard deviation (``ddof=1``, as pandas) x sqrt(bars_per_year).
- **Sortino** = mean / downside deviation x sqrt(bars_per_year), where the downside deviation is
  ``sqrt(sum(min(r, 0)^2) / N)`` over *all* N returns, not only the negative ones (quantstats'
  convention, and Sortino's own target-semideviation with target 0).
- **Max drawdown** is the largest fall from a running peak as a fraction of that peak, in [0, 1]
  while equity stays positive (it exceeds 1 only if equity goes below zero). Its duration runs from
  the peak to the first bar back at or above that peak, or to the last bar if it never recovered.
- **Trades** are FIFO round trips (``deepalpha.results.trades``); a trade with net PnL > 0 is a win,
  < 0 a loss (a trade at exactly 0 is neither, but counts in the total).
- **Exposure** is the fraction of bars at whose close a position is open (any symbol).

Degenerate inputs never raise and never produce NaN; a metric that is undefined is ``None``:

================  ================================================================================
metric            when it is ``None`` (or the stated value)
================  ================================================================================
cagr              ``None`` with a single bar (no elapsed time) or when the figure overflows a float
                  (a tiny span with a large gain); ``-1.0`` when final equity is <= 0
sharpe            ``None`` with fewer than 2 returns, when returns are constant (flat equity: zero
                  deviation), or when equity touched <= 0 before the last bar
sortino           ``None`` as for sharpe, and when no return is negative (zero downside deviation)
max_drawdown      ``0.0`` for one bar or a curve that never falls; duration 0, timestamps ``None``
win_rate          ``None`` with no closed trades
profit_factor     ``None`` when gross loss is 0 (no losing trade): the ratio is undefined or
                  infinite. ``gross_profit`` tells which; ``summary_table`` prints "inf" then
buy_hold_return   ``None`` when neither close prices nor a precomputed return were given
================  ================================================================================
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
from .trades import _EXACT, Trade, build_trades

DAY_MS = 86_400_000
#: The year used for annualisation and CAGR (see the module docstring).
YEAR_MS = 365 * DAY_MS

_DECIMAL_FIELDS = ("gross_profit", "gross_loss", "net_pnl", "fees_paid")


@frozen
class Summary:
    """Headline metrics of one run. Fractions are fractions (0.05 is 5 %), not percent."""

    start_ts: int
    end_ts: int
    bars: int
    timeframe_ms: int
    initial_equity: float
    final_equity: float
    total_return: float
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_duration_ms: int
    max_drawdown_start_ts: int | None
    max_drawdown_end_ts: int | None
    max_drawdown_recovered: bool
    trades: int
    wins: int
    losses: int
    win_rate: float | None
    profit_factor: float | None
    gross_profit: Decimal
    gross_loss: Decimal
    net_pnl: Decimal
    exposure: float
    buy_hold_return: float | None
    fees_paid: Decimal

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe mapping (``json.dumps(..., allow_nan=False)`` accepts it).

        Decimals become strings so no cent is lost; every float is finite or ``None``.
        """
        return record_to_dict(self, _DECIMAL_FIELDS)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        """Inverse of ``to_dict``; unknown keys are rejected so stale rows are noticed."""
        return record_from_dict(cls, data, _DECIMAL_FIELDS)


def record_to_dict(record: Any, decimals: tuple[str, ...]) -> dict[str, Any]:
    """An attrs record as a JSON-safe mapping, its Decimal fields as strings (no cent lost)."""
    out = attrs.asdict(record)
    for name in decimals:
        out[name] = str(out[name])
    return out


def record_from_dict(cls: type, data: Mapping[str, Any], decimals: tuple[str, ...]) -> Any:
    """Inverse of ``record_to_dict``: unknown or missing keys are errors naming them."""
    names = {a.name for a in attrs.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{cls.__name__}.from_dict: unknown keys {unknown}")
    missing = sorted(names - set(data))
    if missing:
        raise ValueError(f"{cls.__name__}.from_dict: missing keys {missing}")
    values = dict(data)
    for name in decimals:
        values[name] = Decimal(values[name])
    return cls(**values)


def _array(name: str, value: Any, dtype: type) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        kind = np.dtype(dtype).name
        raise ValueError(f"{name}: cannot be read as {kind} numbers ({exc})") from None
    if array.ndim != 1:
        raise ValueError(f"{name}: must be one-dimensional, got shape {array.shape}")
    return array


def _finite(name: str, array: np.ndarray) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}[{i}]: must be finite, got {array[i]!r}")


def _returns(equity: np.ndarray) -> np.ndarray | None:
    """Per-bar returns, or ``None`` when a previous equity is <= 0 (returns are meaningless)."""
    prev = equity[:-1]
    if len(prev) and prev.min() <= 0:
        return None
    return np.diff(equity) / prev


def sharpe_ratio(returns: np.ndarray, bars_per_year: float) -> float | None:
    """Annualised Sharpe of per-bar ``returns`` (risk-free 0, ``ddof=1``); ``None`` if undefined."""
    if len(returns) < 2:
        return None
    mean = float(returns.mean())
    std = float(returns.std(ddof=1))
    # Constant returns (a flat curve, or steady compounding) have zero deviation up to rounding.
    if std <= 1e-12 * abs(mean) or std == 0.0:
        return None
    return mean / std * math.sqrt(bars_per_year)


def sortino_ratio(returns: np.ndarray, bars_per_year: float) -> float | None:
    """Annualised Sortino with downside deviation over all N returns; ``None`` if undefined."""
    if len(returns) < 2:
        return None
    downside = np.minimum(returns, 0.0)
    dd = math.sqrt(float(np.dot(downside, downside)) / len(returns))
    if dd == 0.0:
        return None
    return float(returns.mean()) / dd * math.sqrt(bars_per_year)


def drawdown(equity: np.ndarray) -> np.ndarray:
    """Fall from the running peak at each bar, as a fraction of that peak (0 at a new high)."""
    peak = np.maximum.accumulate(equity)
    return (peak - equity) / peak


@frozen
class _MaxDrawdown:
    depth: float
    duration_ms: int
    start_ts: int | None
    end_ts: int | None
    recovered: bool


def _max_drawdown(ts: np.ndarray, equity: np.ndarray) -> _MaxDrawdown:
    dd = drawdown(equity)
    trough = int(np.argmax(dd))
    depth = float(dd[trough])
    if depth <= 0.0:
        return _MaxDrawdown(0.0, 0, None, None, True)
    peak_value = equity[: trough + 1].max()
    # The *last* bar at the peak before the trough is where this drawdown began.
    start = trough - int(np.argmax(equity[trough::-1] == peak_value))
    back = equity[trough:] >= peak_value
    recovered = bool(back.any())
    end = trough + int(np.argmax(back)) if recovered else len(equity) - 1
    return _MaxDrawdown(depth, int(ts[end] - ts[start]), int(ts[start]), int(ts[end]), recovered)


def _cagr(initial: float, final: float, span_ms: int) -> float | None:
    if span_ms <= 0:
        return None
    if final <= 0:
        return -1.0
    years = span_ms / YEAR_MS
    try:
        value = math.exp(math.log(final / initial) / years) - 1.0
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def _exposure(ts: np.ndarray, timeframe_ms: int, fills: Sequence[Fill], position_qty: Any) -> float:
    n = len(ts)
    if position_qty is not None:
        qty = _array("position_qty", position_qty, np.float64)
        if len(qty) != n:
            raise ValueError(f"position_qty: has {len(qty)} values, ts has {n}")
        return float(np.count_nonzero(qty)) / n
    if not fills:
        return 0.0
    ordered = sorted(fills, key=lambda f: f.ts)
    # Net position per symbol after each fill, exactly; "open" if any symbol is non-zero.
    net: dict[str, Decimal] = {}
    nonzero = 0
    open_after = np.empty(len(ordered), dtype=bool)
    fill_ts = np.empty(len(ordered), dtype=np.int64)
    for i, fill in enumerate(ordered):
        before = net.get(fill.symbol, ZERO)
        after = _EXACT.add(before, _EXACT.multiply(fill.quantity, Decimal(fill.side.sign)))
        net[fill.symbol] = after
        nonzero += (after != 0) - (before != 0)
        open_after[i] = nonzero > 0
        fill_ts[i] = fill.ts
    # Fills that happened by a bar's close (ts < bar open + timeframe) define its position.
    done = np.searchsorted(fill_ts, ts + timeframe_ms, side="left")
    exposed = np.zeros(n, dtype=bool)
    has = done > 0
    exposed[has] = open_after[done[has] - 1]
    return float(np.count_nonzero(exposed)) / n


@frozen
class TradeStats:
    """Counts and sums over a list of round trips (shared by the portfolio and each symbol)."""

    trades: int
    wins: int
    losses: int
    gross_profit: Decimal
    gross_loss: Decimal
    net_pnl: Decimal

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.trades if self.trades else None

    @property
    def profit_factor(self) -> float | None:
        return float(self.gross_profit / self.gross_loss) if self.gross_loss else None


def trade_stats(trades: Sequence[Trade]) -> TradeStats:
    """Wins (net PnL > 0), losses (< 0), their exact gross sums and the net PnL of ``trades``."""
    gross_profit = gross_loss = net_pnl = ZERO
    wins = losses = 0
    for trade in trades:
        net_pnl = _EXACT.add(net_pnl, trade.pnl)
        if trade.pnl > 0:
            wins += 1
            gross_profit = _EXACT.add(gross_profit, trade.pnl)
        elif trade.pnl < 0:
            losses += 1
            gross_loss = _EXACT.subtract(gross_loss, trade.pnl)
    return TradeStats(len(trades), wins, losses, gross_profit, gross_loss, net_pnl)


def total_fees(fills: Sequence[Fill]) -> Decimal:
    """Exact sum of the fills' fees."""
    fees = ZERO
    for fill in fills:
        fees = _EXACT.add(fees, fill.fee)
    return fees


def equity_curve(ts: Any, equity: Any, timeframe_ms: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """``ts``, ``equity`` and ``timeframe_ms`` validated as ``summarize`` needs them.

    Raises ``ValueError`` naming the argument (see ``summarize``).
    """
    ts_a = _array("ts", ts, np.int64)
    eq = _array("equity", equity, np.float64)
    n = len(ts_a)
    if n == 0:
        raise ValueError("ts: the equity curve is empty; at least one bar is needed")
    if len(eq) != n:
        raise ValueError(f"equity: has {len(eq)} values, ts has {n}")
    if isinstance(timeframe_ms, bool) or int(timeframe_ms) != timeframe_ms or timeframe_ms <= 0:
        raise ValueError(f"timeframe_ms: must be a positive integer, got {timeframe_ms!r}")
    timeframe_ms = int(timeframe_ms)
    _finite("equity", eq)
    if eq[0] <= 0:
        raise ValueError(f"equity[0]: the starting equity must be > 0, got {eq[0]!r}")
    if n > 1:
        steps = np.diff(ts_a)
        if steps.min() <= 0:
            i = int(np.argmax(steps <= 0)) + 1
            raise ValueError(
                f"ts[{i}]: timestamps must increase strictly, got {ts_a[i]} after {ts_a[i - 1]}"
            )

    return ts_a, eq, timeframe_ms


def summarize(
    ts: Any,
    equity: Any,
    *,
    timeframe_ms: int,
    fills: Sequence[Fill] = (),
    close: Any = None,
    position_qty: Any = None,
    trades: Sequence[Trade] | None = None,
    buy_hold_return: float | None = None,
) -> Summary:
    """Compute the ``Summary`` of a run.

    ``ts`` (epoch ms, strictly increasing) and ``equity`` (mark-to-market value at each bar's
    close; the first value is the starting capital) are equal-length arrays with at least one row.
    ``close`` is the traded symbol's close over the same bars (for buy-and-hold). ``position_qty``
    is the net position at each bar's close when the caller has it; otherwise exposure is derived
    from ``fills``. ``trades`` may be passed when already built from ``fills``.
    ``buy_hold_return`` replaces ``close`` when the caller already knows the benchmark's return
    (``deepalpha.results.breakdown`` computes a multi-symbol one once and passes it here).

    Raises ``ValueError`` naming the argument for mismatched lengths, non-finite values, a
    non-positive starting equity, unordered timestamps or a non-positive ``timeframe_ms``.
    """
    ts_a, eq, timeframe_ms = equity_curve(ts, equity, timeframe_ms)
    n = len(ts_a)

    bars_per_year = YEAR_MS / timeframe_ms
    initial, final = float(eq[0]), float(eq[-1])
    returns = _returns(eq)
    sharpe = sortino = None
    if returns is not None:
        sharpe = sharpe_ratio(returns, bars_per_year)
        sortino = sortino_ratio(returns, bars_per_year)
    mdd = _max_drawdown(ts_a, eq)

    if trades is None:
        trades = build_trades(fills).trades
    stats = trade_stats(trades)
    fees_paid = total_fees(fills)

    if close is not None and buy_hold_return is not None:
        raise ValueError("close, buy_hold_return: give one or the other, not both")
    buy_hold = buy_hold_return
    if buy_hold is not None and not math.isfinite(buy_hold):
        raise ValueError(f"buy_hold_return: must be finite, got {buy_hold!r}")
    if close is not None:
        px = _array("close", close, np.float64)
        if len(px) != n:
            raise ValueError(f"close: has {len(px)} values, ts has {n}")
        _finite("close", px)
        if px[0] <= 0:
            raise ValueError(f"close[0]: must be > 0 for a buy-and-hold return, got {px[0]!r}")
        buy_hold = float(px[-1] / px[0] - 1.0)

    return Summary(
        start_ts=int(ts_a[0]),
        end_ts=int(ts_a[-1]),
        bars=n,
        timeframe_ms=timeframe_ms,
        initial_equity=initial,
        final_equity=final,
        total_return=final / initial - 1.0,
        cagr=_cagr(initial, final, int(ts_a[-1] - ts_a[0])),
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=mdd.depth,
        max_drawdown_duration_ms=mdd.duration_ms,
        max_drawdown_start_ts=mdd.start_ts,
        max_drawdown_end_ts=mdd.end_ts,
        max_drawdown_recovered=mdd.recovered,
        trades=stats.trades,
        wins=stats.wins,
        losses=stats.losses,
        win_rate=stats.win_rate,
        profit_factor=stats.profit_factor,
        gross_profit=stats.gross_profit,
        gross_loss=stats.gross_loss,
        net_pnl=stats.net_pnl,
        exposure=_exposure(ts_a, timeframe_ms, fills, position_qty),
        buy_hold_return=buy_hold,
        fees_paid=fees_paid,
    )


def summary_table(summary: Summary, title: str | None = None) -> Any:
    """A ``rich.table.Table`` of the headline rows, for the CLI (rich is imported only here)."""
    from rich.table import Table

    from .format import summary_rows

    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    for label, value in summary_rows(summary):
        table.add_row(label, value)
    return table
