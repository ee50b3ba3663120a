"""The engine with the real first-party plugins: timing, error policy, persistence, one pipeline.

Every run here trades two symbols on one clock, as the engine's users do.
"""

from __future__ import annotations

import types
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.config import load_config
from deepalpha.domain import Direction, Signal
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec, RiskRuleSpec
from deepalpha.risk import RiskRule
from deepalpha.storage import Store
from deepalpha.testing import random_walk_bars

#: The agents the default configuration enables; tests that bring their own switch them off.
DEFAULT_AGENTS = ("technical", "pattern", "trend", "risk", "news")

SYMBOLS = ("TEST/USD", "TWO/USD")
BY_SYMBOL = {s: random_walk_bars(400, symbol=s, seed=11 + i) for i, s in enumerate(SYMBOLS)}
#: Every bar of the run in the order the feed hands them out (by time, then symbol).
BARS = sorted(
    (b for bars in BY_SYMBOL.values() for b in bars), key=lambda b: (b.ts, SYMBOLS.index(b.symbol))
)
HOURS = 400


def _write_csv(folder) -> None:
    folder.mkdir(exist_ok=True)
    for symbol, bars in BY_SYMBOL.items():
        lines = ["timestamp,open,high,low,close,volume"]
        for b in bars:
            when = datetime.fromtimestamp(b.ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            lines.append(f"{when},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume!r}")
        (folder / f"{symbol.replace('/', '_')}-1h.csv").write_text("\n".join(lines) + "\n")


class Alternating(Agent):
    """Long for 10 bars, short for 10: trades often, predictably; checks what it is shown."""

    def __init__(self) -> None:
        self.seen = 0

    def reset(self) -> None:
        self.seen = 0

    def on_bar(self, bar, history):
        self.seen += 1
        assert len(history) == self.seen and history.ts[-1] == bar.ts  # nothing beyond bar t
        direction = Direction.LONG if (self.seen // 10) % 2 == 0 else Direction.SHORT
        return Signal("alt", bar.symbol, bar.ts, direction, 1.0, 1.0, "alternating")


class Raising(Agent):
    def on_bar(self, bar, history):
        raise RuntimeError("agent bug")


class RaisingRule(RiskRule):
    name = "raising"

    def check(self, intent, ctx):
        raise RuntimeError("rule bug")


def _plugins(**agents):
    extra_agents = [AgentSpec(name=n, factory=f) for n, f in agents.items()]
    plugin = types.SimpleNamespace(
        register_agents=hookimpl(lambda: extra_agents),
        register_risk_rules=hookimpl(lambda: [RiskRuleSpec(name="raising", factory=RaisingRule)]),
    )
    return load_plugins(extra=[("testplugin", plugin)], allow=None)


def _config(tmp_path, agents=("alt",), risk_extra=None, **over):
    _write_csv(tmp_path / "candles")
    overrides = {
        "storage": {"url": f"sqlite:///{tmp_path}/t.db"},
        "market": {
            "symbols": list(SYMBOLS),
            "options": {"path": None, "datadir": str(tmp_path / "candles")},
        },
        "agents": {
            **{n: {"enabled": False} for n in DEFAULT_AGENTS},
            **{a: {"weight": 1.0} for a in agents},
        },
        "decision": {"llm": {"providers": []}},
        "paper": {"start": None, "view": False},
        "app": {"report_dir": str(tmp_path / "reports")},
    }
    if risk_extra:
        overrides["risk"] = risk_extra
    for key, value in over.items():
        overrides.setdefault(key, {}).update(value)
    return load_config(overrides=overrides)


def test_orders_fill_on_the_next_bar_at_its_open(tmp_path) -> None:
    plugins = _plugins(alt=Alternating)
    result = run(_config(tmp_path), "backtest", plugins=plugins, report=False)
    assert result.bars == len(BARS) == 2 * HOURS
    with Store.open(f"sqlite:///{tmp_path}/t.db") as store:
        orders = {o.id: o for o in store.orders(result.run_id)}
        fills = store.fills(result.run_id)
    assert fills, "the alternating agent should have traded"
    slip = Decimal(5) / Decimal(10_000)
    for fill in fills:
        order = orders[fill.order_id]
        assert fill.ts > order.ts, "filled on the bar the order was placed"
        bars = BY_SYMBOL[fill.symbol]
        i = next(k for k, b in enumerate(bars) if b.ts == fill.ts)
        bar = bars[i]
        assert bars[i - 1].ts == order.ts  # the symbol's next bar after the order's
        expected = Decimal(repr(bar.open)) * (1 + slip if fill.side.value == "buy" else 1 - slip)
        assert abs(fill.price - expected) <= Decimal("1e-6") * expected


def test_a_raising_agent_abstains_and_the_others_trade(tmp_path) -> None:
    plugins = _plugins(alt=Alternating, bad=Raising)
    result = run(
        _config(tmp_path, agents=("alt", "bad")), "backtest", plugins=plugins, report=False
    )
    assert result.stats["fills"] > 0


def test_a_raising_risk_rule_rejects_every_order(tmp_path) -> None:
    plugins = _plugins(alt=Alternating)
    cfg = _config(tmp_path, risk_extra={"raising": {"enabled": True}})
    result = run(cfg, "backtest", plugins=plugins, report=False)
    assert result.stats["orders"] == 0 and result.stats["rejections"] > 0


def test_orders_and_fills_are_persisted_before_anyone_is_told(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    seen = {"orders": 0, "fills": 0}

    def on_order(run_id, order):
        with Store.open(url) as other:  # a separate connection sees it: committed
            assert order.id in {o.id for o in other.orders(run_id)}
        seen["orders"] += 1

    def on_fill(run_id, fill):
        with Store.open(url) as other:
            assert fill.id in {f.id for f in other.fills(run_id)}
        seen["fills"] += 1

    observer = types.SimpleNamespace(on_order=hookimpl(on_order), on_fill=hookimpl(on_fill))
    plugins = load_plugins(
        extra=[
            (
                "alt",
                types.SimpleNamespace(
                    register_agents=hookimpl(lambda: [AgentSpec(name="alt", factory=Alternating)])
                ),
            ),
            ("observer", observer),
        ],
        allow=None,
    )
    run(_config(tmp_path), "backtest", plugins=plugins, report=False)
    assert seen["orders"] > 0 and seen["fills"] > 0


def test_backtest_and_paper_replay_are_one_pipeline(tmp_path) -> None:
    plugins = _plugins(alt=Alternating)
    cfg = _config(tmp_path)
    backtest = run(cfg, "backtest", plugins=plugins, report=False)
    paper = run(cfg, "paper", plugins=plugins, report=False)
    assert paper.summary == backtest.summary
    with Store.open(f"sqlite:///{tmp_path}/t.db") as store:
        strip = lambda fills: [(f.ts, f.side, f.quantity, f.price, f.fee) for f in fills]  # noqa: E731
        assert strip(store.fills(paper.run_id)) == strip(store.fills(backtest.run_id))


@pytest.mark.parametrize("mode", ["backtest", "paper"])
def test_html_report_is_written(tmp_path, mode) -> None:
    plugins = _plugins(alt=Alternating)
    result = run(_config(tmp_path), mode, plugins=plugins, report=True)
    assert result.report is not None and result.report.exists()
    assert "Max drawdown" in result.report.read_text()


def test_async_agents_run_concurrently(tmp_path) -> None:
    """Two async agents that each wait for the other: only concurrent execution completes."""
    import asyncio

    events: dict[str, asyncio.Event] = {}

    class Handshake(Agent):
        def __init__(self, me: str, other: str) -> None:
            self.me, self.other = me, other

        async def on_bar(self, bar, history):
            mine = events.setdefault(f"{self.me}{bar.symbol}{bar.ts}", asyncio.Event())
            mine.set()
            theirs = events.setdefault(f"{self.other}{bar.symbol}{bar.ts}", asyncio.Event())
            await asyncio.wait_for(theirs.wait(), timeout=5)
            return Signal(self.me, bar.symbol, bar.ts, Direction.LONG, 1.0, 1.0, "both ran")

    plugins = _plugins(
        ping=lambda: Handshake("ping", "pong"), pong=lambda: Handshake("pong", "ping")
    )
    cfg = _config(tmp_path, agents=("ping", "pong"), backtest={"end": "1970-01-02"})
    result = run(cfg, "backtest", plugins=plugins, report=False)
    assert result.bars == 2 * 23  # 1970-01-01 01:00 .. 23:00, two symbols
    with Store.open(f"sqlite:///{tmp_path}/t.db") as store:
        agents = {s.agent for s in store.signals(result.run_id)}
    assert agents == {"ping", "pong"}


def test_warm_up_bars_reach_agents_but_never_trade(tmp_path) -> None:
    from deepalpha.engine.components import build_components
    from deepalpha.engine.decision import DecisionEngine
    from deepalpha.engine.pipeline import Engine

    plugins = _plugins(alt=Alternating)
    cfg = _config(tmp_path)
    components = build_components(cfg, plugins)
    with Store.open(cfg.storage.url) as store:
        run_id = store.start_run("paper", {}, list(SYMBOLS))
        engine = Engine(
            components, DecisionEngine(cfg.decision, {"alt": 1.0}), store=store, run_id=run_id
        )
        warm = 2 * 300  # the first 300 hours of both symbols
        engine.run(BARS[warm:], warmup=BARS[:warm])
        for symbol in SYMBOLS:
            (agent,) = [a for name, a in engine._agents[symbol].sync if name == "alt"]
            assert agent.seen == HOURS  # every bar of its symbol, warm-up included
        orders = store.orders(run_id)
    assert orders and min(o.ts for o in orders) >= BARS[warm].ts
    assert {o.symbol for o in orders} == set(SYMBOLS)


@pytest.mark.postgres
def test_the_same_backtest_on_postgresql_stores_the_same_records(tmp_path) -> None:
    import os

    url = os.environ.get("DEEPALPHA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL not tested: DEEPALPHA_TEST_POSTGRES_URL is unset")
    plugins = _plugins(alt=Alternating)
    lite = run(_config(tmp_path), "backtest", plugins=plugins, report=False)
    pg = run(_config(tmp_path, storage={"url": url}), "backtest", plugins=plugins, report=False)
    assert pg.summary == lite.summary
    strip = lambda fills: [(f.ts, f.side, f.quantity, f.price, f.fee) for f in fills]  # noqa: E731
    with Store.open(url) as pg_store, Store.open(f"sqlite:///{tmp_path}/t.db") as lite_store:
        assert strip(pg_store.fills(pg.run_id)) == strip(lite_store.fills(lite.run_id))
        assert pg_store.positions(pg.run_id) == lite_store.positions(lite.run_id)
        ts, equity, _ = pg_store.equity(pg.run_id)
        assert len(ts) == HOURS and equity[-1] == lite.equity[-1]  # one row per timestamp
