"""The kill switch in a paper run: `deepalpha halt` (the trading-state file) is read before every
order and once per bar. HALTED and REDUCING let only reducing orders through; a book set back to
ACTIVE trades again. Two symbols, one alternating agent per symbol."""

from __future__ import annotations

import heapq
import types

import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.config import load_config, load_raw
from deepalpha.domain import Direction, Side, Signal
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec
from deepalpha.risk_state import TradingState, set_state
from deepalpha.storage import Store
from deepalpha.testing import random_walk_bars

BOOK = "paper:DeepAlpha"
H = 3_600_000
HALT_AT, RESUME_AT = 105 * H, 240 * H  # halted while long: the exit at 110 must pass


class Alternating(Agent):
    """Long for 10 bars, short for 10, per symbol; sets the book's state at set bar times (as
    `deepalpha halt` would from another process)."""

    name = "alt"
    state_dir = None

    def on_bar(self, bar, history):
        if bar.symbol == "AAA/USD" and bar.ts == HALT_AT:
            set_state(self.state_dir, [BOOK], TradingState.HALTED, reason="test halt")
        if bar.symbol == "AAA/USD" and bar.ts == RESUME_AT:
            set_state(self.state_dir, [BOOK], TradingState.ACTIVE)
        direction = Direction.LONG if (bar.ts // H) // 10 % 2 == 0 else Direction.SHORT
        return Signal(self.name, bar.symbol, bar.ts, direction, 1.0, 1.0, "alternating")


@pytest.fixture
def plugins():
    extra = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="alt", factory=Alternating)])
    )
    return load_plugins(extra=[("alt", extra)], allow=None, strict=False)


def test_halt_lets_only_reducing_orders_through_and_active_trades_again(
    tmp_path, monkeypatch, plugins
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEEPALPHA_STATE_DIR", str(tmp_path))
    Alternating.state_dir = tmp_path
    agents = {name: {"enabled": False} for name in load_raw()["agents"]}
    config = load_config(
        overrides={
            "storage": {"url": f"sqlite:///{tmp_path}/halt.db"},
            "market": {"symbols": ["AAA/USD", "BBB/USD"]},
            "agents": {**agents, "alt": {}},
            "decision": {"llm": {"providers": []}, "weights": {"enabled": False}},
            "paper": {"view": False},
        }
    )
    bars = list(
        heapq.merge(
            random_walk_bars(360, "AAA/USD", seed=1),
            random_walk_bars(360, "BBB/USD", seed=2),
            key=lambda b: (b.ts, b.symbol),
        )
    )
    result = run(config, "paper", plugins=plugins, bars=bars, report=False)
    with Store.open(config.storage.url) as store:
        orders = store.orders(result.run_id)
    refused = [o for o in orders if o.id.startswith("risk-")]
    # Every entry the halt refused is stored, rejected, with the state and its reason.
    assert refused and all(HALT_AT < o.ts < RESUME_AT and o.side is Side.BUY for o in refused)
    assert all(o.status.value == "rejected" for o in refused)
    assert all("trading_state: HALTED (test halt)" in o.reason for o in refused)
    held: dict[str, int] = {}
    during = after = 0
    for order in sorted((o for o in orders if o not in refused), key=lambda o: o.ts):
        sign = 1 if order.side is Side.BUY else -1
        if HALT_AT < order.ts < RESUME_AT:
            # Sent while halted: only a sell of what is held (long-only: exits are sells).
            during += 1
            assert order.side is Side.SELL and held.get(order.symbol, 0) > 0, order
        elif order.ts > RESUME_AT:
            after += 1
        if order.status.value == "filled":
            held[order.symbol] = held.get(order.symbol, 0) + sign
    assert during > 0 and after > 0  # exits passed while halted; entries came back after
    assert result.stats["risk_rejections"] == len(refused)
