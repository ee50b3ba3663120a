"""Buy and hold with costs, and the random-signal agent."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from deepalpha.domain import Direction
from deepalpha.evaluation.baselines import (
    RandomSignalAgent,
    RandomSignalOptions,
    buy_and_hold,
    paper_costs,
)
from deepalpha.testing import random_walk_bars

H = 3_600_000


def test_buy_and_hold_buys_at_the_next_open_with_fee_and_slippage() -> None:
    ts = np.array([0, H, 2 * H, 3 * H])
    bars = {"A": (ts, np.array([10.0, 20.0, 20.0, 20.0]), np.array([10.0, 20.0, 30.0, 40.0]))}
    curve = buy_and_hold(ts, bars, 1000.0, fee_rate=0.01, slippage_bps=100)
    price = 20.0 * 1.01
    qty = 1000.0 / (price * 1.01)
    fee = qty * price * 0.01
    assert curve.equity[0] == 1000.0
    assert curve.equity[1:] == pytest.approx(qty * np.array([20.0, 30.0, 40.0]))
    assert curve.fees == pytest.approx(fee)
    assert qty * price + fee == pytest.approx(1000.0)


def test_buy_and_hold_without_costs_is_the_equal_weight_index_from_the_second_open() -> None:
    ts = np.arange(5) * H
    a = np.array([1.0, 2.0, 2.0, 4.0, 8.0])
    b = np.array([4.0, 4.0, 2.0, 2.0, 1.0])
    bars = {"A": (ts, a, a), "B": (ts, b, b)}
    curve = buy_and_hold(ts, bars, 100.0, fee_rate=0.0, slippage_bps=0.0)
    expected = 50.0 * a / a[1] + 50.0 * b / b[1]
    assert curve.equity[1:] == pytest.approx(expected[1:])
    assert curve.turnover == pytest.approx(1.0)


def test_paper_costs_default_to_the_paper_gateways() -> None:
    assert paper_costs({}) == (0.001, 5.0)
    assert paper_costs({"fee_rate": "0.002", "slippage_bps": 0}) == (0.002, 0.0)


def _signals(options: RandomSignalOptions, n: int = 2000, symbol: str = "A/USD") -> list:
    agent = RandomSignalAgent(options)
    return [agent.on_bar(bar, None) for bar in random_walk_bars(n, symbol)]


def test_the_random_agent_trades_at_its_rate_and_alternates_long_and_flat() -> None:
    signals = [s for s in _signals(RandomSignalOptions(rate=0.1, seed=1)) if s is not None]
    assert 150 < len(signals) < 250  # 2000 bars x 0.1
    directions = [s.direction for s in signals]
    assert directions[0] is Direction.LONG
    assert all(a is not b for a, b in itertools.pairwise(directions))


def test_the_random_agent_is_silent_at_rate_zero_and_seeded() -> None:
    assert all(s is None for s in _signals(RandomSignalOptions(rate=0.0), n=200))
    one = _signals(RandomSignalOptions(rate=0.2, seed=5), n=300)
    two = _signals(RandomSignalOptions(rate=0.2, seed=5), n=300)
    other = _signals(RandomSignalOptions(rate=0.2, seed=5), n=300, symbol="B/USD")
    key = lambda s: None if s is None else (s.ts, s.direction)  # noqa: E731
    assert list(map(key, one)) == list(map(key, two))
    assert [s is None for s in one] != [s is None for s in other]  # symbols draw apart


def test_the_random_agent_goes_short_when_allowed() -> None:
    signals = [s for s in _signals(RandomSignalOptions(rate=0.2, seed=2, short=True)) if s]
    assert {s.direction for s in signals} == {Direction.LONG, Direction.SHORT}


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="rate"):
        RandomSignalOptions(rate=1.5)
