"""The ``{{ cookiecutter.plugin_name }}`` agent against the engine's contract and an independent RSI."""

from __future__ import annotations

import itertools
import math

import pytest
from deepalpha.domain import Direction
from deepalpha.history import History
from deepalpha.testing import check_agent, random_walk_bars

from {{ cookiecutter.__package }}.agent import {{ cookiecutter.__class_prefix }}Agent
from {{ cookiecutter.__package }}.options import {{ cookiecutter.__class_prefix }}Options
from {{ cookiecutter.__package }}.plugin import build

SYMBOLS = ("BTC/USD", "ETH/USD")


def wilder_rsi(closes: list[float], period: int) -> list[float]:
    """RSI written out from its definition (Wilder's smoothing), independent of the kernel."""
    out = [math.nan] * len(closes)
    changes = [b - a for a, b in itertools.pairwise(closes)]
    if len(changes) < period:
        return out
    gain = sum(max(c, 0.0) for c in changes[:period]) / period
    loss = sum(max(-c, 0.0) for c in changes[:period]) / period
    out[period] = 100.0 * gain / (gain + loss)
    for i in range(period, len(changes)):
        gain = (gain * (period - 1) + max(changes[i], 0.0)) / period
        loss = (loss * (period - 1) + max(-changes[i], 0.0)) / period
        out[i + 1] = 100.0 * gain / (gain + loss)
    return out


def run(agent, bars):
    history = History(bars[0].symbol)
    signals = []
    for bar in bars:
        history.append(bar)
        signals.append(agent.on_bar(bar, history))
    return signals


def test_honours_the_agent_contract_on_two_symbols() -> None:
    # A factory, as the engine uses it: one agent per symbol. check_agent runs each symbol alone
    # (bounded, reproducible after reset, no look-ahead), then both on one clock, and requires
    # each symbol's signals to be what it got alone.
    btc = random_walk_bars(400, "BTC/USD", seed=1)
    eth = random_walk_bars(400, "ETH/USD", seed=2)
    signals = check_agent(lambda: build({{ cookiecutter.__class_prefix }}Options()), btc, eth)
    assert any(s is not None and s.direction is not Direction.FLAT for s in signals)


def test_direction_follows_an_rsi_computed_independently() -> None:
    options = {{ cookiecutter.__class_prefix }}Options(period=10, oversold=35, overbought=65)
    for n, symbol in enumerate(SYMBOLS):
        bars = random_walk_bars(500, symbol, seed=40 + n)
        rsi = wilder_rsi([b.close for b in bars], options.period)
        signals = run({{ cookiecutter.__class_prefix }}Agent(options), bars)
        for value, signal in zip(rsi, signals, strict=True):
            if math.isnan(value):
                assert signal is None
                continue
            if min(abs(value - options.oversold), abs(value - options.overbought)) < 1e-6:
                continue  # too close to a level to call
            expected = (
                Direction.LONG
                if value < options.oversold
                else Direction.SHORT
                if value > options.overbought
                else Direction.FLAT
            )
            assert signal.direction is expected, (symbol, value, signal)
            assert 0.0 <= signal.strength <= 1.0 and 0.0 <= signal.confidence <= 1.0
            assert f"{value:.1f}" in signal.rationale


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": 1}, "period: must be an integer >= 2, got 1"),
        ({"oversold": 0}, "oversold: must be between 0 and 100, got 0"),
        ({"oversold": 80}, "oversold: must be < overbought (70), got 80"),
        ({"confidence": 1.5}, "confidence: must be in (0, 1], got 1.5"),
    ],
)
def test_bad_options_name_the_field(changes: dict, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        {{ cookiecutter.__class_prefix }}Options(**changes)
    assert str(excinfo.value) == message
