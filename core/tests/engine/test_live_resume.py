"""A killed run on a live gateway is not resumed by replaying its bars (that would send its orders
to the venue again): the next run refuses, in one line, until it is started with --fresh."""

from __future__ import annotations

import types

import pytest
from deepalpha import hookimpl
from deepalpha.config import load_config, load_raw
from deepalpha.engine.runner import run
from deepalpha.errors import UserError
from deepalpha.plugins import load_plugins
from deepalpha.records import GatewaySpec
from deepalpha.storage import Store
from deepalpha_gateway_paper.gateway import PaperGateway
from deepalpha_gateway_paper.options import PaperOptions


class CountingVenue(PaperGateway):
    """A paper venue that says it is live and counts what it was sent."""

    live = True
    submitted = 0

    def submit(self, intent):
        CountingVenue.submitted += 1
        return super().submit(intent)


@pytest.fixture
def plugins():
    extra = types.SimpleNamespace(
        register_gateways=hookimpl(
            lambda: [
                GatewaySpec(name="venue", factory=CountingVenue, options=PaperOptions, live=True)
            ]
        )
    )
    return load_plugins(extra=[("venue", extra)], allow=None, strict=False)


def test_a_killed_live_run_is_refused_not_replayed(tmp_path, monkeypatch, plugins) -> None:
    monkeypatch.chdir(tmp_path)
    agents = {name: {"enabled": False} for name in load_raw()["agents"]}
    agents["technical"] = {"enabled": True}
    config = load_config(
        overrides={
            "storage": {"url": f"sqlite:///{tmp_path}/live.db"},
            "market": {"symbols": ["BTC/USD", "ETH/USD"]},
            "agents": agents,
            "decision": {"llm": {"providers": []}},
            "gateway": {"name": "venue"},
            "live": {"enabled": True},
            "paper": {"start": "2019-09-01", "end": "2019-09-03", "view": False},
        }
    )
    with Store.open(config.storage.url) as store:
        killed = store.start_run("live", {}, ["BTC/USD", "ETH/USD"], book="live:DeepAlpha")
    with pytest.raises(UserError) as err:
        run(config, "live", plugins=plugins, report=False)
    text = str(err.value)
    assert f"unfinished live run {killed[:8]}" in text and "--fresh" in text
    assert "\n" not in text
    assert CountingVenue.submitted == 0
    with Store.open(config.storage.url) as store:
        assert store.unfinished_run("live:DeepAlpha").id == killed  # left for the user to see
