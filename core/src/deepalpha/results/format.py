"""Human formatting of a ``Summary``: one list of rows shared by the CLI table and the HTML report.

Keeping the rows in one place means the terminal and the report always show the same numbers with
the same rounding, in the order users compare them (freqtrade's and quantstats' headline rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .metrics import Summary

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


def profit_factor(summary: Summary) -> str:
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
