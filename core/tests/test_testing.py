"""The contracts in deepalpha.testing hold for the first-party plugins and catch violations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.agents import Agent
from deepalpha.domain import Direction, Signal
from deepalpha.testing import check_agent, check_gateway, random_walk_bars


class Leaky(Agent):
    """Keeps state across reset(): its signals depend on how often it ran before."""

    calls = 0

    def on_bar(self, bar, history):
        Leaky.calls += 1
        direction = Direction.LONG if Leaky.calls % 7 else Direction.SHORT
        return Signal("leaky", bar.symbol, bar.ts, direction, 1, 1)


def test_check_agent_catches_state_that_survives_reset() -> None:
    with pytest.raises(AssertionError, match=r"differ after reset\(\)"):
        check_agent(Leaky(), random_walk_bars(40))


def test_technical_agent_honours_the_agent_contract(deepalpha_plugins, sample_bars) -> None:
    agent = deepalpha_plugins.resolve("agent", "technical").build(
        deepalpha_plugins.resolve("agent", "technical").options()
    )
    signals = check_agent(agent, sample_bars)
    assert any(s is not None for s in signals)


def test_paper_gateway_honours_the_gateway_contract(paper_gateway, sample_bars) -> None:
    journal = check_gateway(paper_gateway, sample_bars, Decimal("0.01"))
    assert len(journal.fills) == 1
