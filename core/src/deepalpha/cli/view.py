"""The live terminal view of a paper session (rich), refreshed a few times a second.

The engine calls ``update`` on every bar; it only keeps references, and rendering happens on rich's
refresh thread, so the view costs the pipeline almost nothing.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..domain import ms_to_datetime


class BacktestProgress:
    """Where a backtest is (bars, decision points, model calls, time left), on stderr.

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
                "+ {task.fields[replayed]:,} replayed"
            ),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("", total=total, decisions=0, calls=0, replayed=0)
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
            )
        return self.progress


class LiveView:
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
        self.engine = None
        self.bar = None
        self.initial = None
        self.live = Live(self, console=console, refresh_per_second=4, transient=False)

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)

    def update(self, engine: Any, bar: Any) -> None:
        self.engine = engine
        self.bar = bar
        if self.initial is None:
            self.initial = engine.state.equity
        self.progress.update(self.task, completed=engine.state.bars)

    def __rich__(self) -> Group:
        table = Table(show_header=True, header_style="bold", expand=False)
        for col in (
            "time",
            "symbol",
            "close",
            "position",
            "cash",
            "equity",
            "return",
            "drawdown",
            "orders",
            "fills",
            "LLM",
        ):
            table.add_column(col, justify="right")
        engine, bar = self.engine, self.bar
        if engine is not None and bar is not None:
            s = engine.state
            ret = s.equity / self.initial - 1 if self.initial else 0.0
            dd = 1 - s.equity / s.peak_equity if s.peak_equity else 0.0
            stats = engine.decisions.stats
            table.add_row(
                ms_to_datetime(bar.ts).strftime("%Y-%m-%d %H:%M"),
                bar.symbol,
                f"{bar.close:,.2f}",
                f"{engine.account.positions.get(bar.symbol, 0.0):.6f}",
                f"{engine.account.cash:,.2f}",
                f"{s.equity:,.2f}",
                f"{ret:+.2%}",
                f"{dd:.2%}",
                str(s.orders),
                str(s.fills),
                f"{stats['llm_calls']} new/{stats['llm_replayed']} replayed",
            )
        parts: list[Any] = [self.progress, table]
        if engine is not None and engine.state.last_decision is not None:
            d = engine.state.last_decision
            when = ms_to_datetime(d.ts).strftime("%Y-%m-%d %H:%M")
            parts.append(
                f"last decision {when}: [bold]{d.action.value}[/] "
                f"({d.confidence:.2f}, {d.source}) {d.rationale[:160]}"
            )
        return Group(*parts)
