"""Results of a run: round-trip trades, performance metrics, the per-symbol breakdown, the CLI
tables and the HTML report.

Nothing here touches the engine or storage: every function takes plain arrays and domain records,
so a backtest, a paper session and a run read back from the database are summarised the same way.
Importing this package does not import rich or plotly; the tables and the report load them lazily.
"""

from .breakdown import Breakdown, SymbolSummary, breakdown, symbol_table
from .metrics import Summary, summarize, summary_table
from .report import write_report
from .trades import OpenLot, Trade, TradeBook, build_trades, round_trips

__all__ = [
    "Breakdown",
    "OpenLot",
    "Summary",
    "SymbolSummary",
    "Trade",
    "TradeBook",
    "breakdown",
    "build_trades",
    "round_trips",
    "summarize",
    "summary_table",
    "symbol_table",
    "write_report",
]
