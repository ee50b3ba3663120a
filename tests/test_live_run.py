"""A whole live run through the engine with the real ccxt gateway against a loopback Binance on
127.0.0.1: two symbols, an alternating agent, market orders that the venue fills at once. What the
database says the run traded is exactly what the venue says it did: every fill, every client
order id once, positions equal to the venue's balances."""

from __future__ import annotations

import heapq
import types
from decimal import Decimal

import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.config import load_config, load_raw
from deepalpha.domain import Direction, Signal
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec
from deepalpha.storage import Store
from deepalpha.testing import random_walk_bars
from deepalpha_gateway_ccxt.testing import LoopbackBinance

H = 3_600_000
SYMBOLS = ("BTC/USDT", "ETH/USDT")
KEY, SECRET = "loopback-key", "live-run-secret-never-logged-7"


class Alternating(Agent):
    """Long for 10 bars, short for 10 (long-only: a sell closes), per symbol."""

    name = "alt"

    def on_bar(self, bar, history):
        direction = Direction.LONG if (bar.ts // H) // 10 % 2 == 0 else Direction.SHORT
        return Signal(self.name, bar.symbol, bar.ts, direction, 1.0, 1.0, "alternating")


@pytest.fixture
def plugins():
    extra = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="alt", factory=Alternating)])
    )
    return load_plugins(extra=[("alt", extra)], allow=None, strict=False)


def test_a_live_run_books_exactly_what_the_venue_did(tmp_path, monkeypatch, caplog, plugins):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BINANCE_API_KEY", KEY)
    monkeypatch.setenv("BINANCE_SECRET", SECRET)
    agents = {name: {"enabled": False} for name in load_raw()["agents"]}
    with LoopbackBinance(api_key=KEY) as venue:
        venue.prices = {"BTCUSDT": Decimal("100"), "ETHUSDT": Decimal("50")}
        config = load_config(
            overrides={
                "storage": {"url": f"sqlite:///{tmp_path}/live.db"},
                "market": {"symbols": list(SYMBOLS)},
                "agents": {**agents, "alt": {}},
                "decision": {"llm": {"providers": []}, "weights": {"enabled": False}},
                "gateway": {
                    "name": "ccxt",
                    "options": {
                        "base_url": venue.url,
                        "symbols": {s: s for s in SYMBOLS},
                        "retry_delay": 0.01,
                        "reconnect_delay": 0.05,
                    },
                },
                "live": {"enabled": True},
                "paper": {"view": False},
            }
        )
        bars = list(
            heapq.merge(
                random_walk_bars(80, "BTC/USDT", seed=5),
                random_walk_bars(80, "ETH/USDT", seed=6),
                key=lambda b: (b.ts, b.symbol),
            )
        )
        result = run(config, "live", plugins=plugins, bars=bars, report=False)
        trades = list(venue.trades)
        posted = venue.client_ids()
    with Store.open(config.storage.url) as store:
        fills = store.fills(result.run_id)
        orders = store.orders(result.run_id)
        positions = store.positions(result.run_id)
    assert len(fills) >= 8 and {f.symbol for f in fills} == set(SYMBOLS)
    # Every trade the venue made is booked once, at the venue's price and quantity.
    assert sorted((f.symbol.replace("/", ""), f.price, f.quantity) for f in fills) == sorted(
        (t["symbol"], Decimal(t["price"]), Decimal(t["qty"])) for t in trades
    )
    assert (
        len(posted) == len(set(posted)) == len([o for o in orders if o.status.value != "rejected"])
    )
    net = {
        s: sum(
            (f.quantity if f.side.value == "buy" else -f.quantity) for f in fills if f.symbol == s
        )
        for s in SYMBOLS
    }
    for p in positions:
        assert p.quantity == net[p.symbol]
    for symbol, asset in (("BTC/USDT", "BTC"), ("ETH/USDT", "ETH")):
        free, locked = venue.balances[asset]
        assert free + locked == net[symbol]  # the venue holds what the database says we hold
    assert SECRET not in caplog.text
