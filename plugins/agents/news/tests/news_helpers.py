"""Helpers of the news agent's tests: hourly bars at real dates, and a run loop."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from deepalpha.domain import Bar
from deepalpha.history import History

HOUR = 3_600_000
FIXTURES = Path(__file__).parent / "fixtures"


def ms(*parts: int) -> int:
    """Epoch milliseconds of a UTC date and time (computed by datetime, not by the agent)."""
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


def hourly(symbol: str, start: int, n: int) -> list[Bar]:
    """``n`` flat hourly bars of ``symbol`` opening at ``start``, ``start + 1h``, ..."""
    return [Bar(symbol, start + i * HOUR, 100.0, 101.0, 99.0, 100.0, 1.0) for i in range(n)]


def run(agent, bars: list[Bar], timeframe: str | None = "1h") -> list:
    """The agent's signal at each bar, fed as the engine feeds it (bar appended, then asked)."""
    history = History(bars[0].symbol, timeframe=timeframe)
    out = []
    for bar in bars:
        history.append(bar)
        out.append(agent.on_bar(bar, history))
    return out
