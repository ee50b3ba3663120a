"""Drive agents the way the engine does: one instance per symbol, one History per symbol with the
run's timeframe, all Histories in one Market, bars of a timestamp handed out symbol by symbol."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pytest
from deepalpha.agents import Agent
from deepalpha.domain import Bar, Signal
from deepalpha.history import History, Market

HOUR = 3_600_000


def run_market(
    factory: Callable[[], Agent],
    bars: Mapping[str, Sequence[Bar]],
    timeframe: str = "1h",
    before: int | None = None,
) -> dict[str, list[Signal | None]]:
    """Signals of each symbol's own agent; only bars with ``ts < before`` when it is given."""
    histories = {symbol: History(symbol, timeframe=timeframe) for symbol in bars}
    market = Market(histories)
    for history in histories.values():
        history.market = market
    agents = {symbol: factory() for symbol in bars}
    timeline = sorted(
        (bar.ts, order, bar)
        for order, series in enumerate(bars.values())
        for bar in series
        if before is None or bar.ts < before
    )
    out: dict[str, list[Signal | None]] = {symbol: [] for symbol in bars}
    for _, _, bar in timeline:
        histories[bar.symbol].append(bar)
        out[bar.symbol].append(agents[bar.symbol].on_bar(bar, histories[bar.symbol]))
    return out


def bars_from_closes(symbol: str, closes, start: int = HOUR, spread: float = 0.002) -> list[Bar]:
    """Hourly candles around ``closes``: open at the previous close, high/low a little outside."""
    closes = np.asarray(closes, dtype=float)
    opens = np.concatenate([[closes[0]], closes[:-1]])
    highs = np.maximum(opens, closes) * (1 + spread)
    lows = np.minimum(opens, closes) * (1 - spread)
    return [
        Bar(symbol, start + HOUR * i, float(o), float(h), float(lo), float(c), 1.0)
        for i, (o, h, lo, c) in enumerate(zip(opens, highs, lows, closes, strict=True))
    ]


def bundled_bars(symbol: str = "BTC/USD", start: int = 0, stop: int | None = None) -> list[Bar]:
    """The bundled BTC/USD 1h candles (20,111), or a slice of them."""
    from deepalpha_data_file.source import FileSource

    s = FileSource().fetch("BTC/USD", "1h")
    rows = zip(s.ts, s.open, s.high, s.low, s.close, s.volume, strict=True)
    bars = [
        Bar(symbol, int(t), float(o), float(h), float(lo), float(c), float(v))
        for t, o, h, lo, c, v in rows
    ]
    return bars[start:stop]


# Session-scoped: they hand out plain functions, and hypothesis tests may take them.
@pytest.fixture(scope="session")
def market_runner():
    return run_market


@pytest.fixture(scope="session")
def make_bars():
    return bars_from_closes


@pytest.fixture(scope="session")
def btc_bars() -> list[Bar]:
    return bundled_bars()
