"""What a gateway finds when it reconciles itself with its venue (at start, after a reconnect) is
stored as `venue_reconciled` run events, each difference once. Two symbols."""

from __future__ import annotations

import heapq
import types

import pytest
from deepalpha import hookimpl
from deepalpha.config import load_config, load_raw
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins
from deepalpha.records import GatewaySpec
from deepalpha.storage import Store
from deepalpha.testing import random_walk_bars
from deepalpha_gateway_paper.gateway import PaperGateway
from deepalpha_gateway_paper.options import PaperOptions

H = 3_600_000


class Found:
    def __init__(self, text: str) -> None:
        self.text = text

    def line(self) -> str:
        return self.text


class Reconciling(PaperGateway):
    """A paper venue that 'finds' a difference at start and another after a 'reconnect'."""

    def start(self, journal):
        super().start(journal)
        self.reconciliations = [Found("start: balance USD 10000 -> 10000.5 (venue wins)")]

    def on_bar(self, bar):
        if bar.ts == 50 * H and bar.symbol == "AAA/USD":
            self.reconciliations.append(Found("reconnect: adopted order cid-7 (open at venue)"))
        return super().on_bar(bar)


@pytest.fixture
def plugins():
    extra = types.SimpleNamespace(
        register_gateways=hookimpl(
            lambda: [GatewaySpec(name="rec", factory=Reconciling, options=PaperOptions)]
        )
    )
    return load_plugins(extra=[("rec", extra)], allow=None, strict=False)


def test_reconciliations_are_stored_once_each(tmp_path, monkeypatch, plugins) -> None:
    monkeypatch.chdir(tmp_path)
    agents = {name: {"enabled": False} for name in load_raw()["agents"]}
    agents["technical"] = {"enabled": True}
    config = load_config(
        overrides={
            "storage": {"url": f"sqlite:///{tmp_path}/rec.db"},
            "market": {"symbols": ["AAA/USD", "BBB/USD"]},
            "agents": agents,
            "decision": {"llm": {"providers": []}},
            "gateway": {"name": "rec"},
            "paper": {"view": False},
        }
    )
    bars = list(
        heapq.merge(
            random_walk_bars(100, "AAA/USD", seed=3),
            random_walk_bars(100, "BBB/USD", seed=4),
            key=lambda b: (b.ts, b.symbol),
        )
    )
    result = run(config, "paper", plugins=plugins, bars=bars, report=False)
    with Store.open(config.storage.url) as store:
        events = store.run_events(result.run_id, "venue_reconciled")
    found = [(e.details["when"], e.details["found"]) for e in events]
    assert found == [
        ("start", ["start: balance USD 10000 -> 10000.5 (venue wins)"]),
        ("venue", ["reconnect: adopted order cid-7 (open at venue)"]),
    ]
