"""The technical agent on synthetic trends and on its invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib
from deepalpha.domain import Bar, Direction
from deepalpha.history import History
from deepalpha_agent_technical.agent import TechnicalAgent
from deepalpha_agent_technical.options import TechnicalOptions
from hypothesis import given, settings
from hypothesis import strategies as st


def _run(agent: TechnicalAgent, closes) -> list:
    history = History("X")
    out = []
    for i, c in enumerate(closes):
        bar = Bar("X", 1_000 * (i + 1), c, c, c, c, 1.0)
        history.append(bar)
        out.append(agent.on_bar(bar, history))
    return out


def test_abstains_until_warm() -> None:
    agent = TechnicalAgent()
    signals = _run(agent, np.linspace(100, 200, 60))
    first = next(i for i, s in enumerate(signals) if s is not None)
    assert all(s is None for s in signals[:first])
    # MACD(12, 26, 9) is the slowest reading: TA-Lib's lookback is 33 bars.
    assert first == 33


def test_uptrend_is_long_and_downtrend_is_short() -> None:
    # Accelerating moves, so that trend and MACD momentum agree (on a perfectly linear move the
    # MACD histogram is zero and the RSI extreme argues for a reversal).
    i = np.arange(80, dtype=float)
    rising = 100 + 0.02 * i**2
    assert _run(TechnicalAgent(), rising)[-1].direction is Direction.LONG
    falling = 300 - 0.02 * i**2
    assert _run(TechnicalAgent(), falling)[-1].direction is Direction.SHORT


def test_rationale_reads_the_same_rsi_and_macd_as_talib() -> None:
    rng = np.random.default_rng(7)
    closes = 100 + np.cumsum(rng.normal(0, 1, 400))
    signals = _run(TechnicalAgent(), closes)
    rsi = talib.RSI(closes, 14)
    _, _, hist = talib.MACD(closes, 12, 26, 9)
    for i in range(40, 400):
        text = signals[i].rationale
        assert ("oversold" in text) == (rsi[i] < 30)
        assert ("overbought" in text) == (rsi[i] > 70)
        assert ("histogram positive" in text) == (hist[i] > 0)


def test_reset_forgets_state() -> None:
    agent = TechnicalAgent()
    closes = np.linspace(100, 150, 50)
    first = _run(agent, closes)
    agent.reset()
    assert _run(agent, closes) == first


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(1.0, 1e5, allow_nan=False), min_size=40, max_size=120),
    st.integers(0, 119),
)
def test_signal_at_t_only_depends_on_bars_up_to_t(closes, cut) -> None:
    """No look-ahead: the signal at bar t is the same whether or not later bars exist."""
    cut = min(cut, len(closes) - 1)
    full = _run(TechnicalAgent(), closes)
    prefix = _run(TechnicalAgent(), closes[: cut + 1])
    assert full[: cut + 1] == prefix


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ema_fast", 30, "ema_fast: must be < ema_slow (26), got 30"),
        ("rsi_period", 1, "rsi_period: must be >= 2, got 1"),
        ("rsi_overbought", 120.0, "rsi_overbought: must be between 0 and 100, got 120.0"),
    ],
)
def test_bad_options_name_the_field(field, value, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TechnicalOptions(**{field: value})


def test_strength_and_confidence_are_in_unit_interval() -> None:
    rng = np.random.default_rng(3)
    for s in _run(TechnicalAgent(), 100 + np.cumsum(rng.normal(0, 2, 300))):
        if s is not None:
            assert 0 <= s.strength <= 1 and 0 <= s.confidence <= 1
            assert not math.isnan(s.score)
