"""PairSignals and DeepAlphaStrategy without a backtest: windows, look-ahead, shorts, tags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from deepalpha.errors import ConfigError
from deepalpha.testing import random_walk_bars
from deepalpha_freqtrade.signals import (
    ENTER_LONG,
    ENTER_SHORT,
    EXIT_LONG,
    EXIT_SHORT,
    TAG_LENGTH,
    PairSignals,
    load_settings,
)

FIELDS = ("open", "high", "low", "close", "volume")
AGENTS = {"technical": {"weight": 1.0}, "trend": {"weight": 1.0}}


def _columns(bars):
    return (
        np.array([b.ts for b in bars], dtype=np.int64),
        *(np.array([getattr(b, f) for b in bars]) for f in FIELDS),
    )


@pytest.fixture(scope="module")
def symbols():
    # Two symbols (seeded random walks), 600 hourly candles each.
    return {s: random_walk_bars(600, symbol=s, seed=n) for s, n in (("A/USD", 1), ("B/USD", 2))}


@pytest.fixture(scope="module")
def settings():
    return load_settings(agents=AGENTS, timeframe="1h")


@pytest.fixture(scope="module")
def short_settings():
    return load_settings(agents=AGENTS, timeframe="1h", allow_short=True)


def _full(settings, bars):
    return PairSignals(bars[0].symbol, settings, "1h").update(*_columns(bars))


def test_sliding_windows_give_the_rows_of_one_pass(settings, symbols):
    # freqtrade's live loop hands the strategy the last N candles every candle.
    for bars in symbols.values():
        full = _full(settings, bars)
        assert any(r.signal for r in full)
        live = PairSignals(bars[0].symbol, settings, "1h")
        cols = _columns(bars)
        for end in range(200, len(bars) + 1, 37):
            start = 0 if end == 200 else end - 150  # the bot starts, then the window slides
            window = tuple(c[start:end] for c in cols)
            assert live.covers(window[0], window[4])
            assert live.update(*window) == full[start:end]


def test_a_row_does_not_depend_on_later_candles(settings, symbols):
    for bars in symbols.values():
        full = _full(settings, bars)
        for cut in (100, 333, 599):
            assert _full(settings, bars[:cut]) == full[:cut]


def test_other_candles_are_not_covered(settings, symbols):
    a, b = symbols.values()
    signals = PairSignals("A/USD", settings, "1h")
    signals.update(*_columns(a))
    changed = _columns(b)  # same timestamps, other prices: another data set
    assert not signals.covers(changed[0], changed[4])
    earlier = _columns(a)
    assert not signals.covers(earlier[0] - 3_600_000, earlier[4])


@pytest.mark.parametrize("allow_short", [False, True])
def test_signals_follow_the_position(settings, short_settings, symbols, allow_short):
    chosen = short_settings if allow_short else settings
    seen = set()
    for bars in symbols.values():
        held = 0
        for row in _full(chosen, bars):
            allowed = {
                0: {"", ENTER_LONG, ENTER_SHORT} if allow_short else {"", ENTER_LONG},
                1: {"", EXIT_LONG},
                -1: {"", EXIT_SHORT},
            }[held]
            assert row.signal in allowed
            held = {ENTER_LONG: 1, ENTER_SHORT: -1, EXIT_LONG: 0, EXIT_SHORT: 0}.get(
                row.signal, held
            )
            assert row.position == held
            if row.signal:
                seen.add(row.signal)
                assert row.tag.startswith(f"deepalpha {row.action} ")
                assert len(row.tag) <= TAG_LENGTH
    assert {ENTER_LONG, EXIT_LONG} <= seen
    assert ({ENTER_SHORT, EXIT_SHORT} <= seen) is allow_short


def test_unknown_agent_lists_the_valid_ones():
    with pytest.raises(Exception, match="technical"):
        load_settings(agents=["technicl"], timeframe="1h")


def test_no_agent_is_refused():
    with pytest.raises(ConfigError, match="no agent"):
        load_settings(agents={}, timeframe="1h")


def test_strategy_writes_freqtrade_columns(symbols):
    pytest.importorskip("freqtrade")
    from deepalpha_freqtrade import DeepAlphaStrategy

    class Both(DeepAlphaStrategy):
        can_short = True
        deepalpha_agents = AGENTS

    strategy = Both({"timeframe": "1h", "stake_currency": "USD", "deepalpha": {"llm": False}})
    for pair, bars in symbols.items():
        ts, o, h, lo, c, v = _columns(bars)
        frame = pd.DataFrame(
            {
                "date": pd.to_datetime(ts, unit="ms", utc=True),
                "open": o,
                "high": h,
                "low": lo,
                "close": c,
                "volume": v,
            }
        )
        out = strategy.populate_indicators(frame.copy(), {"pair": pair})
        out = strategy.populate_entry_trend(out, {"pair": pair})
        out = strategy.populate_exit_trend(out, {"pair": pair})
        rows = PairSignals(pair, strategy.deepalpha_settings(), "1h").update(*_columns(bars))
        for column in (ENTER_LONG, EXIT_LONG, ENTER_SHORT, EXIT_SHORT):
            marked = out[column].fillna(0).to_numpy() == 1
            expected = [i for i, r in enumerate(rows) if r.signal == column]
            assert list(np.flatnonzero(marked)) == expected
        entries = out[out["enter_long"] == 1]
        assert entries["enter_tag"].str.startswith("deepalpha buy ").all()


def test_strategy_refuses_unknown_config_keys():
    pytest.importorskip("freqtrade")
    from deepalpha_freqtrade import DeepAlphaStrategy

    strategy = DeepAlphaStrategy({"timeframe": "1h", "deepalpha": {"agent": ["technical"]}})
    with pytest.raises(ValueError, match="unknown key"):
        strategy.deepalpha_settings()
