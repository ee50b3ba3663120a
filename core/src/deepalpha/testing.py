"""Pytest plugin for plugin authors (registered under the ``pytest11`` entry point).

Fixtures give a test the real parts of DeepAlpha it needs, and the ``check_*`` functions are the
contracts the engine relies on, so a third-party plugin can prove it honours them::

    from deepalpha.testing import check_agent

    def test_my_agent_honours_the_contract(sample_bars):
        check_agent(MyAgent(), sample_bars)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pytest

from .agents import Agent
from .data import BarSeries, DataSource
from .domain import Bar, Fill, Order, OrderIntent, Position, Side, Signal
from .gateways import Gateway
from .history import History
from .llm import LLMAnswer, LLMProvider
from .plugins import DeepAlphaPlugins, load_plugins
from .risk import RiskContext, RiskRule, Verdict


class RecordingJournal:
    """A journal that keeps what it was given, in order, to check persistence-before-ack."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def record_order(self, order: Order) -> None:
        self.events.append(("order", order))

    def record_fill(self, fill: Fill, position: Position) -> None:
        self.events.append(("fill", fill))

    @property
    def orders(self) -> list[Order]:
        return [e for kind, e in self.events if kind == "order"]

    @property
    def fills(self) -> list[Fill]:
        return [e for kind, e in self.events if kind == "fill"]


class ScriptedLLM(LLMProvider):
    """An LLM provider that answers from a script (answers or exceptions), for engine tests."""

    name = "scripted"
    model = "scripted-1"

    def __init__(self, answers: Sequence[LLMAnswer | Exception]) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        self.prompts.append(prompt)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def random_walk_bars(n: int = 300, symbol: str = "TEST/USD", seed: int = 0) -> list[Bar]:
    """Valid hourly candles (low <= open, close <= high) from a seeded random walk."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.005, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.005, n))
    volume = rng.uniform(1, 10, n)
    return [
        Bar(symbol, 3_600_000 * (i + 1), float(o), float(h), float(lo), float(c), float(v))
        for i, (o, h, lo, c, v) in enumerate(zip(open_, high, low, close, volume, strict=True))
    ]


# -- contracts ------------------------------------------------------------------------------------


def check_agent(agent: Agent, bars: Sequence[Bar]) -> list[Signal | None]:
    """An agent's signals are about the bar it was given, bounded, reproducible after ``reset``,
    and do not depend on later bars (the signal at t is the same on a prefix ending at t)."""

    def run(upto: int) -> list[Signal | None]:
        agent.reset()
        history = History(bars[0].symbol)
        out = []
        for bar in bars[:upto]:
            history.append(bar)
            sig = agent.on_bar(bar, history)
            if sig is not None:
                assert isinstance(sig, Signal), f"on_bar returned {type(sig).__name__}"
                assert (sig.symbol, sig.ts) == (bar.symbol, bar.ts), "signal is about another bar"
            out.append(sig)
        return out

    full = run(len(bars))
    assert run(len(bars)) == full, "signals differ after reset()"
    half = len(bars) // 2
    assert run(half) == full[:half], "signals at t depend on bars after t (look-ahead)"
    return full


def check_data_source(source: DataSource, symbol: str, timeframe: str) -> BarSeries:
    """``fetch`` returns a sorted series of the symbol and honours ``[start, end)``."""
    series = source.fetch(symbol, timeframe)
    assert isinstance(series, BarSeries)
    assert series.symbol == symbol and series.timeframe == timeframe
    assert len(series) > 2, "the source returned fewer than three bars"
    assert bool(np.all(series.low <= series.high))
    start, end = int(series.ts[1]), int(series.ts[-1])
    window = source.fetch(symbol, timeframe, start, end)
    assert int(window.ts[0]) == start and int(window.ts[-1]) < end
    return series


def check_gateway(gateway: Gateway, bars: Sequence[Bar], quantity: Decimal) -> RecordingJournal:
    """Orders are journaled before ``submit`` returns, never fill on their own bar, and every fill
    is journaled before ``on_bar`` returns it."""
    journal = RecordingJournal()
    gateway.start(journal)
    first, second = bars[0], bars[1]
    assert gateway.on_bar(first) == []
    order = gateway.submit(OrderIntent(first.symbol, Side.BUY, first.ts, quantity=quantity))
    assert journal.orders and journal.orders[-1].id == order.id, "order acknowledged unpersisted"
    assert not journal.fills, "an order filled on the bar it was placed"
    fills = gateway.on_bar(second)
    for fill in fills:
        assert fill in journal.fills, "fill returned before it was persisted"
        assert fill.ts >= second.ts
    return journal


def check_risk_rule(rule: RiskRule, intent: OrderIntent, ctx: RiskContext) -> Verdict:
    """``check`` returns a ``Verdict``; an accepted intent keeps its symbol and side."""
    verdict = rule.check(intent, ctx)
    assert isinstance(verdict, Verdict)
    if verdict.approved:
        assert (verdict.intent.symbol, verdict.intent.side) == (intent.symbol, intent.side)
    else:
        assert verdict.reason, "a rejection must say why"
    return verdict


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def deepalpha_plugins() -> DeepAlphaPlugins:
    """A freshly loaded plugin manager (never the process-wide cached one)."""
    return load_plugins()


@pytest.fixture
def sample_bars() -> list[Bar]:
    return random_walk_bars()


@pytest.fixture
def recording_journal() -> RecordingJournal:
    return RecordingJournal()


@pytest.fixture
def paper_gateway(deepalpha_plugins: DeepAlphaPlugins) -> Gateway:
    """The installed ``paper`` gateway with default options, started on a recording journal."""
    spec = deepalpha_plugins.resolve("gateway", "paper")
    gateway = spec.build(spec.options()) if spec.options else spec.build()
    gateway.start(RecordingJournal())
    return gateway


@pytest.fixture
def scripted_llm() -> ScriptedLLM:
    return ScriptedLLM([])


__all__ = [
    "RecordingJournal",
    "ScriptedLLM",
    "check_agent",
    "check_data_source",
    "check_gateway",
    "check_risk_rule",
    "random_walk_bars",
]
