"""The live terminal view of a paper session (rich), refreshed a few times a second.

The engine calls ``update`` on every bar; it only keeps references, and rendering happens on rich's
refresh thread, so the view costs the pipeline almost nothing.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..domain import ms_to_datetime


class BacktestProgress:
    """Where a backtest is (bars, decision points, model calls, replayed answers, dollars spent
    on models, time left), on stderr.

    A first backtest with an LLM can run for minutes (a local-model call per new decision point):
    without this it shows nothing until the end. ``update`` only keeps a reference to the engine;
    counts are read when rich redraws (four times a second), so it costs the pipeline nothing.
    """

    def __init__(self, console: Console, series: Any) -> None:
        total = sum(len(s) for s in series) if series else None
        self.progress = Progress(
            TextColumn("[bold]backtest[/]"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} bars"),
            TextColumn(
                "{task.fields[decisions]:,} decision points, LLM {task.fields[calls]:,} calls "
                "+ {task.fields[replayed]:,} replayed, ${task.fields[spend]:.4f}"
            ),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task(
            "", total=total, decisions=0, calls=0, replayed=0, spend=0.0
        )
        self.engine: Any = None
        self.live = Live(self, console=console, refresh_per_second=4, transient=True)

    def __enter__(self) -> BacktestProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)

    def update(self, engine: Any, bar: Any) -> None:
        self.engine = engine

    def __rich__(self) -> Progress:
        engine = self.engine
        if engine is not None:
            stats = engine.decisions.stats
            self.progress.update(
                self.task,
                completed=engine.state.bars,
                decisions=stats.get("decisions", 0),
                calls=stats.get("llm_calls", 0),
                replayed=stats.get("llm_replayed", 0),
                spend=stats.get("llm_cost_usd", 0.0),
            )
        return self.progress


class LiveView:
    """A paper session as it runs: the account, one row per symbol, and as many of the latest
    decisions as the terminal has room for (the screen is measured at every redraw)."""

    def __init__(self, console: Console, config: Any, series: Any) -> None:
        self.console = console
        self.config = config
        total = sum(len(s) for s in series) if series else None
        self.progress = Progress(
            TextColumn("[bold]paper[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} bars"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("replay" if series else "live", total=total)
        self.engine: Any = None
        self.initial: float | None = None
        self.decisions: deque[Any] = deque(maxlen=500)
        self._last: Any = None
        self.live = Live(self, console=console, refresh_per_second=4, transient=False)

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)
        self.console.print()  # what follows (the metrics) starts on a line of its own

    def update(self, engine: Any, bar: Any) -> None:
        """Per bar: keep references, and note a new decision (rendering happens on redraw)."""
        self.engine = engine
        if self.initial is None:
            self.initial = engine.state.equity
        last = engine.state.last_decision
        if last is not None and last is not self._last:
            self._last = last
            self.decisions.append(last)

    def __rich__(self) -> Group:
        engine = self.engine
        if engine is None:
            return Group(self.progress)
        s = engine.state
        self.progress.update(self.task, completed=s.bars)
        ret = s.equity / self.initial - 1 if self.initial else 0.0
        dd = 1 - s.equity / s.peak_equity if s.peak_equity else 0.0
        stats = engine.decisions.stats
        account = (
            f"cash {engine.account.cash:,.2f}  equity {s.equity:,.2f}  return {ret:+.2%}  "
            f"drawdown {dd:.2%}  orders {s.orders}  fills {s.fills}  LLM "
            f"{stats.get('llm_calls', 0)} calls + {stats.get('llm_replayed', 0)} replayed"
            f" ({stats.get('llm_failures', 0)} failed) ${stats.get('llm_cost_usd', 0.0):.4f}"
        )
        symbols = Table(show_header=True, header_style="bold", expand=False, box=None)
        for col in ("symbol", "last bar (UTC)", "close", "position", "value"):
            symbols.add_column(col, justify="right")
        for symbol, history in engine.histories.items():
            bar = history.last()
            if bar is None:
                symbols.add_row(symbol, "-", "-", "-", "-")
                continue
            qty = engine.account.positions.get(symbol, 0.0)
            symbols.add_row(
                symbol,
                ms_to_datetime(bar.ts).strftime("%Y-%m-%d %H:%M"),
                f"{bar.close:,.2f}",
                f"{qty:.6f}",
                f"{qty * bar.close:,.2f}",
            )
        # Whatever height is left shows the latest decisions, newest first, one line each.
        height = self.console.size.height
        room = height - 2 - (len(engine.histories) + 1) - 3
        recent = Table(
            show_header=True, header_style="bold", expand=True, box=None, title_justify="left"
        )
        recent.add_column("decided (UTC)", no_wrap=True)
        recent.add_column("symbol", no_wrap=True)
        recent.add_column("action", no_wrap=True)
        recent.add_column("conf", justify="right", no_wrap=True)
        recent.add_column("why", no_wrap=True, overflow="ellipsis", ratio=1)
        for d in list(self.decisions)[::-1][: max(room, 1)]:
            recent.add_row(
                ms_to_datetime(d.ts).strftime("%Y-%m-%d %H:%M"),
                d.symbol,
                d.action.value,
                f"{d.confidence:.2f}",
                d.rationale,
            )
        return Group(self.progress, account, symbols, "", recent)
