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


class _SharedCloses(Agent):
    """The bug the two-symbol contract exists for: state shared by every instance (and symbol)."""

    closes: list[float] = []  # class-level: one list for all symbols

    def reset(self) -> None:
        type(self).closes.clear()

    def on_bar(self, bar, history):
        self.closes.append(bar.close)
        if len(self.closes) < 5:
            return None
        up = self.closes[-1] > sum(self.closes[-5:]) / 5
        return Signal.buy(0.5) if up else Signal.sell(0.5)


class _PerInstance(_SharedCloses):
    def __init__(self) -> None:
        self.closes = []

    def reset(self) -> None:
        self.closes = []


def test_check_agent_catches_an_agent_that_mixes_symbols() -> None:
    bars = random_walk_bars(200, symbol="AAA/USD", seed=1)
    with pytest.raises(AssertionError, match="another symbol runs beside it"):
        check_agent(_SharedCloses, bars)
    signals = check_agent(_PerInstance, bars, random_walk_bars(200, symbol="BBB/USD", seed=2))
    assert sum(s is not None for s in signals) == 196


def test_check_agent_sees_higher_timeframes_without_look_ahead() -> None:
    class FourHour(Agent):
        def on_bar(self, bar, history):
            coarse = history.resampled("4h")
            if not len(coarse):
                return None
            # The last closed 4h bar ended at or before this hourly bar's close.
            assert coarse.ts[-1] + 4 * 3_600_000 <= bar.ts + 3_600_000
            return Signal.buy(0.5) if coarse.close[-1] < bar.close else Signal.sell(0.5)

    bars = random_walk_bars(300, symbol="AAA/USD", seed=3)
    check_agent(FourHour, bars)
