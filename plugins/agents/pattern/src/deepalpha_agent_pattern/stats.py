"""How often each pattern fired on a dataset, and what the price did after it.

For an event at bar ``t`` and a horizon of ``h`` bars the forward return is
``close[t + h] / close[t] - 1``: entering at the close of the bar that showed the pattern, which
is the first moment the pattern is known. Events closer than ``h`` bars to the end of the data
have no return at that horizon and are left out of it. The hit rate is the share of forward
returns that are positive in the pattern's direction (above zero for a bullish reading, below for
a bearish one); indecision readings have no direction and no hit rate. The baseline row gives the
same figures over every bar, to compare against.

Candlestick events come from the kernel's batch ``scan`` (equal, index by index, to the streaming
scanner the agent uses); chart patterns from running the agent's ``Detector`` over the bars.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from . import candles
from .detector import Detector
from .names import TALIB_NAMES, friendly
from .options import PatternOptions

_WORDS = {1: "bullish", -1: "bearish", 0: "indecision"}


@attrs.frozen
class HorizonStats:
    n: int  # events with a return at this horizon
    mean_return: float | None
    hit_rate: float | None


@attrs.frozen
class PatternStats:
    pattern: str  # as users write it
    source: str  # TA-Lib name, or the chart pattern's name
    kind: str  # "candlestick", "chart" or "baseline"
    direction: int  # +1 bullish, -1 bearish, 0 indecision / baseline
    count: int
    horizons: dict[int, HorizonStats]

    def to_dict(self) -> dict:
        return {
            "pattern": self.pattern,
            "source": self.source,
            "kind": self.kind,
            "direction": _WORDS[self.direction] if self.kind != "baseline" else None,
            "count": self.count,
            "horizons": {
                str(h): {"n": s.n, "mean_return": s.mean_return, "hit_rate": s.hit_rate}
                for h, s in self.horizons.items()
            },
        }


def forward(
    close: np.ndarray, events: np.ndarray, direction: int, horizons: Sequence[int]
) -> dict[int, HorizonStats]:
    """Mean forward return and hit rate after the bars ``events`` (indices), per horizon."""
    out = {}
    n = len(close)
    for h in horizons:
        at = events[events + h < n]
        if len(at) == 0:
            out[h] = HorizonStats(0, None, None)
            continue
        ret = close[at + h] / close[at] - 1.0
        hit = float(np.mean(direction * ret > 0)) if direction else None
        out[h] = HorizonStats(len(at), float(np.mean(ret)), hit)
    return out


def candlestick_stats(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    horizons: Sequence[int],
    patterns: Sequence[str] | None = None,
) -> list[PatternStats]:
    """One row per pattern and reading direction (a pattern that never fired: one empty row)."""
    from deepalpha.indicators import pattern

    names = tuple(patterns) if patterns is not None else TALIB_NAMES
    rows = []
    for name in names:
        values = np.asarray(pattern(name)(open_, high, low, close))
        fired = np.flatnonzero(values)
        if len(fired) == 0:
            rows.append(PatternStats(friendly(name), name, "candlestick", 0, 0, {}))
            continue
        read = np.array([candles.direction(name, int(v)) for v in values[fired]], dtype=np.int64)
        for way in (1, -1, 0):
            events = fired[read == way]
            if len(events):
                rows.append(
                    PatternStats(
                        friendly(name),
                        name,
                        "candlestick",
                        way,
                        len(events),
                        forward(close, events, way, horizons),
                    )
                )
    return rows


def chart_stats(
    ts: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    horizons: Sequence[int],
    options: PatternOptions | None = None,
) -> list[PatternStats]:
    """One row per chart pattern and breakout direction, from the agent's detector."""
    options = options or PatternOptions()
    detector = Detector(options)
    columns = (ts.tolist(), open_.tolist(), high.tolist(), low.tolist(), close.tolist())
    for bar in zip(*columns, strict=True):
        detector.update(*bar)
    rows = []
    for kind in options.chart_patterns:
        found = [p for p in detector.patterns if p.kind == kind]
        if not found:
            rows.append(PatternStats(kind, kind, "chart", 0, 0, {}))
            continue
        for way in (1, -1):
            events = np.array([p.index for p in found if p.direction == way], dtype=np.int64)
            if len(events):
                rows.append(
                    PatternStats(
                        kind, kind, "chart", way, len(events), forward(close, events, way, horizons)
                    )
                )
    return rows


def baseline(close: np.ndarray, horizons: Sequence[int]) -> PatternStats:
    """Every bar as an event, read as bullish: the unconditional drift and share of rises."""
    events = np.arange(len(close))
    return PatternStats(
        "(every bar)", "", "baseline", 0, len(close), forward(close, events, 1, horizons)
    )
