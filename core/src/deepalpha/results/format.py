"""Human formatting of summaries and trades: rows shared by the CLI table and the HTML report.

Keeping the rows in one place means the terminal and the report always show the same numbers with
the same rounding, in the order users compare them (freqtrade's and quantstats' headline rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

    from .breakdown import SymbolSummary
    from .metrics import Summary
    from .trades import Trade

#: Shown for a metric that is undefined for this run (see ``deepalpha.results.metrics``).
NA = "n/a"


def pct(value: float | None) -> str:
    return NA if value is None else f"{value * 100:.2f}%"


def ratio(value: float | None) -> str:
    return NA if value is None else f"{value:.2f}"


def duration(ms: int) -> str:
    """``3d 4h``, ``5h 30m``, ``45m``: the two largest units, enough to compare drawdowns."""
    minutes = ms // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


def money(value: Decimal | float) -> str:
    return f"{float(value):,.2f}"


def signed_pct(value: float | None) -> str:
    return NA if value is None else f"{value * 100:+.2f}%"


def profit_factor(summary: Summary | SymbolSummary) -> str:
    if summary.profit_factor is not None:
        return f"{summary.profit_factor:.2f}"
    # No losing trade: infinite when something was won, undefined otherwise.
    return "inf" if summary.gross_profit > 0 else NA


def summary_rows(summary: Summary) -> list[tuple[str, str]]:
    """(label, value) rows in display order."""
    s = summary
    mdd = pct(s.max_drawdown)
    if s.max_drawdown > 0:
        state = "" if s.max_drawdown_recovered else ", not recovered"
        mdd += f" ({duration(s.max_drawdown_duration_ms)}{state})"
    return [
        ("Total return", pct(s.total_return)),
        ("CAGR", pct(s.cagr)),
        ("Sharpe", ratio(s.sharpe)),
        ("Sortino", ratio(s.sortino)),
        ("Max drawdown", mdd),
        ("Win rate", pct(s.win_rate)),
        ("Profit factor", profit_factor(s)),
        ("Trades", str(s.trades)),
        ("Exposure", pct(s.exposure)),
        ("Buy & hold", pct(s.buy_hold_return)),
        ("Fees paid", f"{float(s.fees_paid):,.2f}"),
        ("Final equity", f"{s.final_equity:,.2f}"),
    ]


#: Column headers of ``symbol_rows``, in order.
SYMBOL_COLUMNS = (
    "Symbol",
    "Trades",
    "Wins",
    "Losses",
    "Win rate",
    "Profit factor",
    "Closed P&L",
    "P&L",
    "Fees",
    "Exposure",
    "Buy & hold",
    "Contribution",
)


def symbol_row(s: SymbolSummary) -> tuple[str, ...]:
    """One row of the per-symbol table; ``P&L`` includes the open position, ``Closed P&L`` not."""
    return (
        s.symbol,
        str(s.trades),
        str(s.wins),
        str(s.losses),
        pct(s.win_rate),
        profit_factor(s),
        money(s.net_pnl),
        money(s.pnl),
        money(s.fees_paid),
        pct(s.exposure),
        pct(s.buy_hold_return),
        signed_pct(s.contribution),
    )


#: Column headers of ``trade_row``, in order.
TRADE_COLUMNS = (
    "Symbol",
    "Side",
    "Entry time",
    "Entry price",
    "Exit time",
    "Exit price",
    "Quantity",
    "P&L",
    "Return",
    "Fees",
    "Duration",
)


def _when(ms: int) -> str:
    from ..domain import ms_to_datetime

    return ms_to_datetime(ms).strftime("%Y-%m-%d %H:%M")


def trade_row(t: Trade) -> tuple[str, ...]:
    """One row of the trade list: prices and quantity as booked (exact), money to the cent."""
    return (
        t.symbol,
        "long" if t.is_long else "short",
        _when(t.entry_ts),
        f"{t.entry_price:f}",
        _when(t.exit_ts),
        f"{t.exit_price:f}",
        f"{t.quantity:f}",
        money(t.pnl),
        f"{t.return_pct:+.2f}%",
        money(t.fees),
        duration(t.duration_ms),
    )
