"""Coroutine agents: stepped directly when they do not suspend, awaited together when they do,
and in paper runs cut off by the per-bar budget. Two symbols throughout."""

from __future__ import annotations

import asyncio
import types

import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.config import load_config
from deepalpha.domain import Signal
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec
from deepalpha.storage import Store
from deepalpha.testing import random_walk_bars

#: The agents the default configuration enables; tests that bring their own switch them off.
DEFAULT_AGENTS = ("technical", "pattern", "trend", "risk", "news")

SYMBOLS = ("AAA/USD", "BBB/USD")


def _csv(path, symbol, seed):
    lines = ["timestamp,open,high,low,close,volume"]
    for b in random_walk_bars(300, symbol=symbol, seed=seed):
        lines.append(f"{b.ts},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume!r}")
    path.write_text("\n".join(lines) + "\n")


class Momentum(Agent):
    """Long after an up bar, short after a down bar; may await (I/O-like) before answering."""

    pause = 0.0

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def on_bar(self, bar, history):
        self.seen.append(bar.symbol)
        if self.pause:
            await asyncio.sleep(self.pause)
        if len(history) < 2:
            return None
        up = history.close[-1] > history.close[-2]
        return Signal.buy(0.9, rationale="up") if up else Signal.sell(0.9, rationale="down")


class Sleepy(Momentum):
    pause = 0.001


class Slow(Momentum):
    pause = 0.5


def _run(tmp_path, factory, mode="backtest", budget=5.0):
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    for i, sym in enumerate(SYMBOLS):
        _csv(folder / f"{sym.replace('/', '_')}-1h.csv", sym, i)
    plugin = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="mom", factory=factory)])
    )
    plugins = load_plugins(extra=[("mom", plugin)], allow=None)
    cfg = load_config(
        overrides={
            "storage": {"url": f"sqlite:///{tmp_path}/t.db"},
            "market": {"symbols": list(SYMBOLS), "options": {"path": None, "datadir": str(folder)}},
            "agents": {**{n: {"enabled": False} for n in DEFAULT_AGENTS}, "mom": {"weight": 1.0}},
            "decision": {"llm": {"providers": []}},
            "paper": {"start": None, "view": False, "agent_budget_seconds": budget},
            "app": {"report_dir": str(tmp_path / "reports")},
        }
    )
    result = run(cfg, mode, plugins=plugins, report=False)
    with Store.open(f"sqlite:///{tmp_path}/t.db") as store:
        decisions = store.decisions(result.run_id)
    return result, decisions


def _sides(decisions):
    return [(d.symbol, d.ts, d.action.value) for d in decisions]


def test_suspending_and_direct_coroutine_agents_decide_alike(tmp_path) -> None:
    direct, d1 = _run(tmp_path / "a", Momentum)
    awaited, d2 = _run(tmp_path / "b", Sleepy)
    assert direct.bars == awaited.bars == 600
    assert _sides(d1) == _sides(d2) and len(d1) > 20
    assert {d.symbol for d in d1} == set(SYMBOLS)


@pytest.mark.parametrize("mode", ["paper"])
def test_an_agent_over_its_budget_abstains(tmp_path, mode) -> None:
    result, decisions = _run(tmp_path, Slow, mode=mode, budget=0.01)
    assert result.bars == 600
    assert decisions == []  # the only agent never answered in time: nothing was decided


def test_paper_runs_within_the_budget_decide_as_backtests(tmp_path) -> None:
    """The budgeted path (paper: agents run concurrently, sync ones on threads) changes nothing
    for agents that answer in time."""
    _, backtest = _run(tmp_path / "bt", Sleepy)
    _, paper = _run(tmp_path / "paper", Sleepy, mode="paper", budget=5.0)
    assert _sides(paper) == _sides(backtest) and len(paper) > 20
