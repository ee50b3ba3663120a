"""Bars for the pattern agent's tests: hand-built price paths and the bundled BTC/USD 1h data."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from deepalpha.domain import Bar

WICK = 0.001  # highs and lows sit this fraction beyond the candle's body


def zigzag_closes(points: list[float], step: int = 8) -> np.ndarray:
    """Closes moving in straight legs of ``step`` bars through ``points``."""
    legs = [np.linspace(a, b, step + 1)[1:] for a, b in itertools.pairwise(points)]
    return np.concatenate([[points[0]], *legs])


def bars_from_closes(closes, symbol: str = "TEST/USD") -> list[Bar]:
    """Candles opening at the previous close, with wicks of ``WICK`` beyond the body."""
    out = []
    prev = float(closes[0])
    for i, c in enumerate(closes):
        c = float(c)
        o = prev
        out.append(
            Bar(
                symbol,
                3_600_000 * (i + 1),
                o,
                max(o, c) * (1 + WICK),
                min(o, c) * (1 - WICK),
                c,
                1.0,
            )
        )
        prev = c
    return out


@pytest.fixture
def zigzag():
    """``zigzag(points, step=8, symbol=...)`` -> bars along straight legs through ``points``."""

    def make(points, step: int = 8, symbol: str = "TEST/USD") -> list[Bar]:
        return bars_from_closes(zigzag_closes(points, step), symbol)

    return make


@pytest.fixture(scope="session")
def btc():
    """The bundled BTC/USD 1h candles (20,111 bars) as a BarSeries."""
    from deepalpha_data_file.source import FileSource

    return FileSource().load("BTC/USD", "1h")


@pytest.fixture(scope="session")
def btc_bars(btc) -> list[Bar]:
    cols = (btc.ts, btc.open, btc.high, btc.low, btc.close, btc.volume)
    return [
        Bar("BTC/USD", int(t), float(o), float(h), float(lo), float(c), float(v))
        for t, o, h, lo, c, v in zip(*cols, strict=True)
    ]
