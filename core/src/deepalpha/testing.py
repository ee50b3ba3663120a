"""Pytest plugin for plugin authors (registered under the ``pytest11`` entry point).

Fixtures give a test the real parts of DeepAlpha it needs, and the ``check_*`` functions are the
contracts the engine relies on, so a third-party plugin can prove it honours them::

    from deepalpha.testing import check_agent

    def test_my_agent_honours_the_contract(sample_bars):
        check_agent(MyAgent, sample_bars)  # a factory: one instance per symbol, as the engine
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import itertools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from .agents import Agent
from .data import TIMEFRAMES, BarSeries, DataSource
from .domain import Bar, Fill, Order, OrderIntent, Position, Side, Signal
from .gateways import Gateway
from .history import History, Market
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


def bars_from_closes(
    symbol: str, closes: Sequence[float], start: int = 3_600_000, spread: float = 0.002
) -> list[Bar]:
    """Hourly candles around ``closes`` (a price path a test builds by hand): each opens at the
    previous close, high and low a little outside the body."""
    closes = np.asarray(closes, dtype=float)
    opens = np.concatenate([[closes[0]], closes[:-1]])
    highs = np.maximum(opens, closes) * (1 + spread)
    lows = np.minimum(opens, closes) * (1 - spread)
    return [
        Bar(symbol, start + 3_600_000 * i, float(o), float(h), float(lo), float(c), 1.0)
        for i, (o, h, lo, c) in enumerate(zip(opens, highs, lows, closes, strict=True))
    ]


def bundled_bars(symbol: str = "BTC/USD", start: int = 0, stop: int | None = None) -> list[Bar]:
    """The bundled BTC/USD 1h candles (real data, 20,111 of them) or a slice, named ``symbol``,
    through the installed ``file`` data source."""
    from .plugins import get_plugin_manager

    spec = get_plugin_manager().resolve("data", "file")
    series = spec.build(spec.options(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    rows = zip(
        series.ts, series.open, series.high, series.low, series.close, series.volume, strict=True
    )
    bars = [
        Bar(symbol, int(t), float(o), float(h), float(lo), float(c), float(v))
        for t, o, h, lo, c, v in rows
    ]
    return bars[start:stop]


# -- contracts ------------------------------------------------------------------------------------


def check_agent(
    agent: Agent | Callable[[], Agent], bars: Sequence[Bar], *more: Sequence[Bar]
) -> list[Signal | None]:
    """The contract the engine relies on, checked over two or more symbols.

    ``agent`` is an agent or, better, a factory of them (its class, or a ``lambda``): the engine
    builds one instance per symbol, and so does this check. ``bars`` is one symbol's candles;
    ``more`` adds other symbols' (by default a second, seeded random walk on the same timestamps).

    For every symbol alone: signals are about the bar given, bounded, reproducible after
    ``reset``, and do not depend on later bars (the signal at t is the same on a prefix ending at
    t, higher timeframes included, since those are rebuilt from the prefix). Then all symbols run
    interleaved on one clock, as in a run, each through its own instance, and every symbol's
    signals must equal those it got alone: an agent that mixes symbols' data fails here.
    Returns the signals of ``bars``' symbol.
    """
    series = [list(bars), *(list(b) for b in more)]
    if len(series) == 1:
        series.append(_companion(series[0]))
    symbols = [s[0].symbol for s in series]
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"check_agent: every series must be another symbol, got {symbols}")
    make = _factory(agent)
    timeframe = _timeframe_of(series[0])

    def run(instance: Agent, candles: Sequence[Bar]) -> list[Signal | None]:
        instance.reset()
        histories = {candles[0].symbol: History(candles[0].symbol, timeframe=timeframe)}
        market = Market(histories)
        history = histories[candles[0].symbol]
        history.market = market
        return [_signal(instance, bar, history) for bar in candles]

    alone: dict[str, list[Signal | None]] = {}
    for candles in series:
        instance = make()
        full = run(instance, candles)
        assert run(instance, candles) == full, "signals differ after reset()"
        half = len(candles) // 2
        assert run(instance, candles[:half]) == full[:half], (
            "signals at t depend on bars after t (look-ahead)"
        )
        alone[candles[0].symbol] = full

    # Interleaved, one instance per symbol, one market: as the engine runs them.
    built: list[Agent] = []

    def tracked() -> Agent:
        built.append(make())
        return built[-1]

    together = run_symbols(tracked, dict(zip(symbols, series, strict=True)), timeframe)
    for sym, instance in zip(symbols, built, strict=True):
        if not _uses_market(instance):
            assert together[sym] == alone[sym], (
                f"{sym}'s signals change when another symbol runs beside it (state or data "
                "shared across symbols)"
            )
    return alone[symbols[0]]


def run_symbols(
    factory: Callable[[], Agent],
    bars: Mapping[str, Sequence[Bar]],
    timeframe: str | None = None,
    *,
    before: int | None = None,
) -> dict[str, list[Signal | None]]:
    """Drive agents as the engine does and return each symbol's signals, bar by bar.

    One instance per symbol (from ``factory``, in ``bars`` order), one ``History`` per symbol with
    the run's ``timeframe`` (inferred from the bars when not given), all of them in one ``Market``,
    and the bars of every symbol merged on one clock (symbols sharing a timestamp in ``bars``
    order). ``before`` keeps only bars with ``ts < before``: a run cut off at that time.
    """
    if timeframe is None:
        first = next(iter(bars.values()), ())
        timeframe = _timeframe_of(first)
    histories = {symbol: History(symbol, timeframe=timeframe) for symbol in bars}
    market = Market(histories)
    agents = {}
    for symbol, history in histories.items():
        history.market = market
        agents[symbol] = factory()
        agents[symbol].reset()
    merged = sorted(
        (bar.ts, order, bar)
        for order, series in enumerate(bars.values())
        for bar in series
        if before is None or bar.ts < before
    )
    out: dict[str, list[Signal | None]] = {symbol: [] for symbol in bars}
    for _, _, bar in merged:
        out[bar.symbol].append(_signal(agents[bar.symbol], bar, histories[bar.symbol]))
    return out


def _signal(agent: Agent, bar: Bar, history: History) -> Signal | None:
    history.append(bar)
    sig = agent.on_bar(bar, history)
    if inspect.isawaitable(sig):
        sig = asyncio.run(_await(sig))
    if sig is None:
        return None
    assert isinstance(sig, Signal), f"on_bar returned {type(sig).__name__}"
    if sig.symbol or sig.ts:
        assert (sig.symbol, sig.ts) == (bar.symbol, bar.ts), "signal is about another bar"
    assert 0.0 <= sig.strength <= 1.0 and 0.0 <= sig.confidence <= 1.0
    return sig


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _uses_market(agent: Agent) -> bool:
    """Agents that read other symbols (``history.market``) may legitimately differ together."""
    return bool(getattr(agent, "uses_market", False))


def _factory(agent: Agent | Callable[[], Agent]) -> Callable[[], Agent]:
    if not isinstance(agent, Agent):
        return agent
    options = getattr(agent, "options", None)

    def copy_of() -> Agent:
        try:
            return copy.deepcopy(agent)
        except Exception:
            pass
        try:
            return type(agent)(options) if options is not None else type(agent)()
        except TypeError as exc:
            raise TypeError(
                f"check_agent: cannot make a second {type(agent).__name__} for another symbol "
                f"({exc}); pass a factory instead: check_agent(lambda: {type(agent).__name__}"
                "(...), bars)"
            ) from None

    first = [agent]
    return lambda: first.pop() if first else copy_of()


def _companion(bars: Sequence[Bar]) -> list[Bar]:
    """Another symbol on the same timestamps: a seeded random walk at the same price level."""
    other = random_walk_bars(len(bars), symbol="CHECK2/USD", seed=4242)
    scale = bars[0].close / other[0].close if other and other[0].close else 1.0
    return [
        Bar(
            "CHECK2/USD",
            b.ts,
            o.open * scale,
            o.high * scale,
            o.low * scale,
            o.close * scale,
            o.volume,
        )
        for b, o in zip(bars, other, strict=True)
    ]


def _timeframe_of(bars: Sequence[Bar]) -> str | None:
    """The named timeframe of evenly spaced bars (their smallest step), if it is a known one."""
    if len(bars) < 2:
        return None
    step = min(b.ts - a.ts for a, b in itertools.pairwise(bars))
    return next((name for name, ms in TIMEFRAMES.items() if ms == step), None)


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
    "bars_from_closes",
    "bundled_bars",
    "check_agent",
    "check_data_source",
    "check_gateway",
    "check_risk_rule",
    "random_walk_bars",
    "run_symbols",
]
