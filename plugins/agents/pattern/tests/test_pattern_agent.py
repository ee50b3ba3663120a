"""The agent: the contract on two symbols, candlestick readings against TA-Lib, the signal."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from deepalpha.domain import Direction
from deepalpha.history import History
from deepalpha.testing import check_agent, random_walk_bars
from deepalpha_agent_pattern.agent import PatternAgent
from deepalpha_agent_pattern.candles import CandleReader
from deepalpha_agent_pattern.names import TALIB_NAMES, friendly
from deepalpha_agent_pattern.options import PatternOptions


def run(agent: PatternAgent, bars) -> list:
    history = History(bars[0].symbol)
    out = []
    for b in bars:
        history.append(b)
        out.append(agent.on_bar(b, history))
    return out


def test_contract_on_two_symbols(btc_bars) -> None:
    for bars in (random_walk_bars(600, "AAA/USD", 1), random_walk_bars(600, "BBB/USD", 2)):
        check_agent(PatternAgent(), bars)
    check_agent(
        PatternAgent(PatternOptions(patterns=["hammer", "doji", "engulfing"])), btc_bars[:3_000]
    )


def test_one_instance_per_symbol_keeps_symbols_apart(btc_bars) -> None:
    """Two symbols' bars interleaved, each to its own instance (as the engine does), give each
    symbol exactly the signals it gets alone."""
    a = btc_bars[:2_000]
    b = [
        type(x)("ETH/USD", x.ts, x.open / 20, x.high / 20, x.low / 20, x.close / 20, 1.0)
        for x in reversed(btc_bars[2_000:4_000])
    ]
    b = [type(x)(x.symbol, a[i].ts, x.open, x.high, x.low, x.close, 1.0) for i, x in enumerate(b)]
    alone_a, alone_b = run(PatternAgent(), a), run(PatternAgent(), b)
    agents = {"BTC/USD": PatternAgent(), "ETH/USD": PatternAgent()}
    histories = {s: History(s) for s in agents}
    together: dict[str, list] = {s: [] for s in agents}
    for x, y in zip(a, b, strict=True):
        for bar in (x, y):
            histories[bar.symbol].append(bar)
            together[bar.symbol].append(agents[bar.symbol].on_bar(bar, histories[bar.symbol]))
    assert together["BTC/USD"] == alone_a
    assert together["ETH/USD"] == alone_b


def test_candle_readings_equal_talib_on_the_bundled_data(btc) -> None:
    o, h, lo, c = (
        np.asarray(getattr(btc, n), dtype=np.float64) for n in ("open", "high", "low", "close")
    )
    reader = CandleReader(None)
    got = np.array(
        [
            reader.update(*bar)
            for bar in zip(o.tolist(), h.tolist(), lo.tolist(), c.tolist(), strict=True)
        ]
    )
    assert got.shape == (len(c), 61)
    for column, name in enumerate(TALIB_NAMES):
        expected = getattr(talib, name)(o, h, lo, c)
        assert np.array_equal(got[:, column], expected), name


def test_rationale_names_the_candles_talib_reports(btc, btc_bars) -> None:
    bars = btc_bars[:5_000]
    o, h, lo, c = (
        np.asarray(getattr(btc, n)[:5_000], dtype=np.float64)
        for n in ("open", "high", "low", "close")
    )
    hammer = talib.CDLHAMMER(o, h, lo, c)
    engulfing = talib.CDLENGULFING(o, h, lo, c)
    signals = run(PatternAgent(PatternOptions(patterns=["hammer", "doji", "engulfing"])), bars)
    for i, sig in enumerate(signals):
        if sig is None:
            continue
        text = sig.rationale
        assert ("hammer (bullish)" in text) == (hammer[i] == 100)
        assert ("engulfing (bullish 80)" in text) == (engulfing[i] == 80)
        assert ("engulfing (bearish 80)" in text) == (engulfing[i] == -80)


def test_readings_and_direction_of_one_pattern_alone(btc, btc_bars) -> None:
    """With only hammers read, the agent is long exactly where TA-Lib sees a hammer, unless a
    level or chart pattern says otherwise; with levels and charts weighted 0, exactly there."""
    bars = btc_bars[:5_000]
    o, h, lo, c = (
        np.asarray(getattr(btc, n)[:5_000], dtype=np.float64)
        for n in ("open", "high", "low", "close")
    )
    hammer = talib.CDLHAMMER(o, h, lo, c)
    options = PatternOptions(patterns=["hammer"], level_weight=0, chart_weight=0)
    signals = run(PatternAgent(options), bars)
    for i, sig in enumerate(signals):
        if sig is None:
            continue
        expected = Direction.LONG if hammer[i] else Direction.FLAT
        assert sig.direction is expected
        if hammer[i]:  # one vote of 1: candle part 1 / (1 + 1), the whole weight
            assert (sig.strength, sig.confidence) == (0.5, 1.0)


def test_abstains_until_warm_then_always_speaks() -> None:
    agent = PatternAgent()
    signals = run(agent, random_walk_bars(100, "AAA/USD", 5))
    assert all(s is None for s in signals[: agent.warmup - 1])
    assert all(s is not None for s in signals[agent.warmup - 1 :])


def test_signals_are_bounded_and_consistent(btc_bars) -> None:
    for sig in run(PatternAgent(), btc_bars[:8_000]):
        if sig is None:
            continue
        assert 0 <= sig.strength <= 1 and 0 <= sig.confidence <= 1
        if sig.direction is Direction.FLAT:
            assert sig.confidence == 0 and sig.stop_loss is None and sig.take_profit is None
        if sig.stop_loss is not None:  # a stop on the losing side, a target on the winning one
            way = int(sig.direction)
            assert way * (sig.take_profit - sig.stop_loss) > 0
        assert sig.rationale


@pytest.mark.parametrize("name", ["hammer", "gravestone doji", "doji"])
def test_readings_of_presence_only_patterns(name) -> None:
    from deepalpha_agent_pattern import candles
    from deepalpha_agent_pattern.names import resolve

    talib_name = resolve(name)
    expected = {"CDLHAMMER": 1, "CDLGRAVESTONEDOJI": -1, "CDLDOJI": 0}[talib_name]
    assert candles.direction(talib_name, 100) == expected
    assert friendly(talib_name) in candles.describe(talib_name, 100)
