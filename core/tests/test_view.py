"""The backtest's progress line reads the engine's counts when it is drawn."""

from __future__ import annotations

import io
import types

from deepalpha.cli.view import BacktestProgress
from rich.console import Console


def _engine(bars: int, decisions: int, calls: int, replayed: int):
    return types.SimpleNamespace(
        state=types.SimpleNamespace(bars=bars),
        decisions=types.SimpleNamespace(
            stats={
                "decisions": decisions,
                "llm_calls": calls,
                "llm_replayed": replayed,
                "llm_cost_usd": 0.0123,
            }
        ),
    )


def test_the_progress_line_shows_bars_decision_points_and_model_calls() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    series = [list(range(1_200)), list(range(1_200))]  # two symbols' bars: 2,400 in all
    view = BacktestProgress(console, series)
    view.update(_engine(1_234, 17, 5, 12), bar=None)
    console.print(view)
    text = out.getvalue()
    assert "1,234/2,400 bars" in text
    assert "17 decision points, LLM 5 calls + 12 replayed, $0.0123" in text


def test_the_live_view_has_a_row_per_symbol_and_fills_the_screen_with_decisions() -> None:
    from deepalpha.cli.view import LiveView
    from deepalpha.domain import Action, Decision
    from deepalpha.history import History
    from deepalpha.testing import random_walk_bars

    histories = {}
    for i, symbol in enumerate(("AAA/USD", "BBB/USD")):
        histories[symbol] = History(symbol, timeframe="1h")
        for bar in random_walk_bars(30, symbol=symbol, seed=i):
            histories[symbol].append(bar)
    state = types.SimpleNamespace(
        bars=60, equity=10_050.0, peak_equity=10_100.0, orders=3, fills=3, last_decision=None
    )
    engine = types.SimpleNamespace(
        state=state,
        histories=histories,
        account=types.SimpleNamespace(cash=9_000.0, positions={"AAA/USD": 0.5}),
        decisions=types.SimpleNamespace(stats={"llm_calls": 2, "llm_replayed": 1}),
    )
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, height=20, color_system=None)
    view = LiveView(console, None, None)
    for k in range(40):  # forty decisions, one per bar
        state.last_decision = Decision(
            "AAA/USD", 3_600_000 * (k + 1), Action.BUY, 0.5, f"decision number {k}", "vote"
        )
        view.update(engine, bar=None)
    console.print(view)
    lines = out.getvalue().splitlines()
    assert any("AAA/USD" in line and "0.500000" in line for line in lines)
    assert any("BBB/USD" in line and "0.000000" in line for line in lines)
    shown = [line for line in lines if "decision number" in line]
    assert shown and "decision number 39" in shown[0]  # newest first
    assert len(lines) <= 20  # what fits on the 20-line screen, no more
