"""Results of a run: round-trip trades, performance metrics, the CLI table and the HTML report.

Nothing here touches the engine or storage: every function takes plain arrays and domain records,
so a backtest, a paper session and a run read back from the database are summarised the same way.
Importing this package does not import rich or plotly; the table and the report load them lazily.
"""

from .metrics import Summary, summarize, summary_table
from .report import write_report
from .trades import OpenLot, Trade, TradeBook, build_trades, round_trips

__all__ = [
    "OpenLot",
    "Summary",
    "Trade",
    "TradeBook",
    "build_trades",
    "round_trips",
    "summarize",
    "summary_table",
    "write_report",
]
