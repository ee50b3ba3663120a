"""The technical agent's configurable readings and higher timeframes, checked against TA-Lib on
series resampled independently (pandas), over two symbols."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from deepalpha.domain import Bar, Direction
from deepalpha.history import History
from deepalpha.testing import check_agent, random_walk_bars
from deepalpha_agent_technical.agent import TechnicalAgent
from deepalpha_agent_technical.options import TechnicalOptions

H = 3_600_000


def _walk(symbol: str, seed: int, n: int = 1_500) -> list[Bar]:
    return random_walk_bars(n, symbol=symbol, seed=seed)


def _run(agent, bars):
    history = History(bars[0].symbol, timeframe="1h")
    out = []
    for bar in bars:
        history.append(bar)
        out.append(agent.on_bar(bar, history))
    return out


def _four_hour_closes(bars: list[Bar]) -> tuple[np.ndarray, np.ndarray]:
    """(period start, last close) of every epoch-aligned 4h period, grouped here by hand."""
    starts = np.array([b.ts // (4 * H) * (4 * H) for b in bars])
    closes = np.array([b.close for b in bars])
    last = np.flatnonzero(np.r_[starts[1:] != starts[:-1], True])
    return starts[last], closes[last]


@pytest.mark.parametrize(("symbol", "seed"), [("AAA/USD", 1), ("BBB/USD", 2)])
def test_the_4h_reading_uses_closed_4h_bars_only(symbol, seed) -> None:
    bars = _walk(symbol, seed)
    options = TechnicalOptions(
        indicators={"ema": {"fast": 5, "slow": 10, "weight": 1.0}}, timeframes=("1h", "4h")
    )
    signals = _run(TechnicalAgent(options), bars)
    starts, closes = _four_hour_closes(bars)
    fast = talib.EMA(closes, 5)
    slow = talib.EMA(closes, 10)
    where = {int(t): i for i, t in enumerate(starts)}
    checked = 0
    for bar, sig in zip(bars, signals, strict=True):
        if sig is None:
            continue
        # The newest 4h period that has closed by this hourly bar's close.
        closed_end = (bar.ts + H) // (4 * H) * (4 * H)
        k = where[closed_end - 4 * H]
        want = "above" if fast[k] > slow[k] else "below"
        assert f"4h: EMA5 {want} EMA10" in sig.rationale
        checked += 1
    assert checked > 1_000


def test_two_symbols_and_timeframes_honour_the_contract() -> None:
    options = TechnicalOptions(timeframes=("1h", "4h"), timeframe_weights=(2.0, 1.0))
    signals = check_agent(
        lambda: TechnicalAgent(options), _walk("AAA/USD", 3, 800), _walk("BBB/USD", 4, 800)
    )
    assert sum(s is not None for s in signals) > 500


def test_the_stop_is_two_atrs_from_the_close() -> None:
    bars = _walk("AAA/USD", 5, 400)
    signals = _run(TechnicalAgent(), bars)
    high = np.array([b.high for b in bars])
    low = np.array([b.low for b in bars])
    close = np.array([b.close for b in bars])
    atr = talib.ATR(high, low, close, 14)
    seen = 0
    for i, sig in enumerate(signals):
        if sig is None or sig.direction is Direction.FLAT:
            assert sig is None or sig.stop_loss is None
            continue
        expected = close[i] - int(sig.direction) * 2.0 * atr[i]
        assert sig.stop_loss == pytest.approx(expected, rel=1e-9)
        seen += 1
    assert seen > 100


def test_a_custom_set_of_oscillators_votes_by_their_levels() -> None:
    bars = _walk("AAA/USD", 6, 600)
    options = TechnicalOptions(indicators={"cci": {"period": 20, "weight": 1.0}}, min_score=0.5)
    signals = _run(TechnicalAgent(options), bars)
    cci = talib.CCI(
        np.array([b.high for b in bars]),
        np.array([b.low for b in bars]),
        np.array([b.close for b in bars]),
        20,
    )
    for i, sig in enumerate(signals):
        if sig is None:
            assert np.isnan(cci[i])
            continue
        want = (
            Direction.LONG if cci[i] < -100 else Direction.SHORT if cci[i] > 100 else Direction.FLAT
        )
        assert sig.direction is want


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"indicators": {"bogus": {}}}, "'bogus' is not one the technical agent can read"),
        ({"indicators": {"rsi": {"perod": 3}}}, "indicators.rsi.perod: unknown key"),
        ({"indicators": {"ema": {"fast": 30, "slow": 10}}}, "indicators.ema.fast: must be < slow"),
        ({"indicators": {"atr": {}}}, "none of them votes"),
        ({"timeframes": ("1h", "7h")}, "timeframes: '7h' is not one of"),
        ({"timeframes": ("1h",), "timeframe_weights": (1.0, 2.0)}, "2 weights for 1 timeframes"),
    ],
)
def test_bad_options_are_named(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        TechnicalOptions(**options)
