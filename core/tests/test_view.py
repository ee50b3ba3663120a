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
            stats={"decisions": decisions, "llm_calls": calls, "llm_replayed": replayed}
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
    assert "17 decision points, LLM 5 calls + 12 replayed" in text
