"""The pattern agent: candlesticks, support/resistance and chart patterns, as one signal.

Per bar it feeds the candle to the kernel's streaming pattern scanner and to the ``Detector``
(pivots, levels, chart patterns), then reads three components, each in [-1, 1]:

- candles: ``net / (1 + |net|)`` where ``net`` sums the votes of the patterns that fired
  (``candles.vote``: +/-1, +/-0.8 for the weaker engulfing/harami variants, 0 for indecision);
- levels: + the strength of a support the close sits just above, - that of a resistance just
  below, + the strength of each level closed up through, - of each closed down through; clipped;
- chart: +1 / -1 while a confirmed chart pattern is active.

The score is their weighted mean (``candle_weight``, ``level_weight``, ``chart_weight``); below
``min_score`` in absolute value the agent says flat. Strength is ``|score|``; confidence is the
share of the weights whose component agrees with the direction. An active chart pattern agreeing
with the direction lends the signal its stop and target.

The interpretation of one combination of readings is computed once and cached: on real data the
same combinations recur, so most bars cost the scanner update, the detector update and one dict
lookup.
"""

from __future__ import annotations

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Direction, Signal, ms_to_datetime
from deepalpha.history import History

from . import candles
from .candles import CandleReader
from .detector import ChartPattern, Detector, Level
from .options import PatternOptions

#: Interpretations kept; cleared when full (on real data a few thousand combinations recur).
CACHE_SIZE = 4096


class PatternAgent(Agent):
    name = "pattern"

    def __init__(self, options: PatternOptions | None = None) -> None:
        self.options = options or PatternOptions()
        o = self.options
        # Pivots need 2k + 1 bars, and TA-Lib's longest candle lookback is 14 bars
        # (CDLRISEFALL3METHODS: its first output is the 15th candle). Before both, it abstains.
        self.warmup = max(2 * o.pivot_bars + 1, 15)
        total = o.candle_weight + o.level_weight + o.chart_weight
        self._weights = (o.candle_weight / total, o.level_weight / total, o.chart_weight / total)
        self._min_score = o.min_score
        self.candles = CandleReader(o.patterns)
        self.detector = Detector(o)
        self.reset()

    def reset(self) -> None:
        self.candles.reset()
        self.detector.reset()
        self._candle_parts: dict[tuple[int, ...], tuple[float, str]] = {}
        self._levels_seen: tuple = (None, None, ())
        self._level_part: tuple[float, str] = _NOTHING
        self._active_seen: ChartPattern | None = None
        self._chart_part: tuple[float, str] = _NOTHING
        self._bars = 0

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        o, h, lo, c = bar.open, bar.high, bar.low, bar.close
        values = self.candles.update(o, h, lo, c)
        det = self.detector
        det.update(bar.ts, o, h, lo, c)
        self._bars += 1
        if self._bars < self.warmup:
            return None
        # Each component is interpreted when its readings change (compared by identity: the
        # detector keeps its objects until something new is confirmed), then the combination.
        candle = self._candle_parts.get(values)
        if candle is None:
            candle = self._candle_parts[values] = self._candle_part(values)
            if len(self._candle_parts) > CACHE_SIZE:
                self._candle_parts.clear()
        seen = self._levels_seen
        if det.support is not seen[0] or det.resistance is not seen[1] or det.breaks is not seen[2]:
            self._levels_seen = (det.support, det.resistance, det.breaks)
            self._level_part = _level_part(*self._levels_seen)
        if det.active is not self._active_seen:
            self._active_seen = det.active
            self._chart_part = _chart_part(det.active)
        level, chart = self._level_part, self._chart_part
        wc, wl, wp = self._weights
        score = wc * candle[0] + wl * level[0] + wp * chart[0]
        strength = min(1.0, score if score >= 0 else -score)
        if strength < self._min_score or strength == 0.0:
            direction, confidence = Direction.FLAT, 0.0
        else:
            direction = Direction.LONG if score > 0 else Direction.SHORT
            # The share of the weight whose component agrees with the direction.
            confidence = min(
                1.0,
                (wc if candle[0] * score > 0 else 0.0)
                + (wl if level[0] * score > 0 else 0.0)
                + (wp if chart[0] * score > 0 else 0.0),
            )
        texts = [t for t in (candle[1], level[1], chart[1]) if t]
        rationale = (
            " | ".join(texts) + f" | score {score:+.2f}"
            if texts
            else "no candlestick, level or chart pattern"
        )
        active = det.active
        stop = target = None
        if active is not None and active.direction == direction:
            stop, target = active.stop, active.target
            stop = stop if stop > 0 else None
            target = target if target > 0 else None
        return Signal(
            "pattern", bar.symbol, bar.ts, direction, strength, confidence, rationale, stop, target
        )

    # -- interpretation ---------------------------------------------------------------------------

    def _candle_part(self, values: tuple[int, ...]) -> tuple[float, str]:
        fired = self.candles.fired(values)
        if not fired:
            return _NOTHING
        net = sum(candles.vote(n, v) for n, v in fired)
        text = "candles: " + ", ".join(candles.describe(n, v) for n, v in fired)
        return net / (1 + abs(net)), text


_NOTHING = (0.0, "")


def _level_part(
    support: Level | None, resistance: Level | None, breaks: tuple[tuple[Level, int], ...]
) -> tuple[float, str]:
    if support is None and resistance is None and not breaks:
        return _NOTHING
    score, said = 0.0, []
    broken = {lv for lv, _ in breaks}
    # A level just broken is where the close sits, on its far side: counted once, as the break.
    if support in broken:
        support = None
    if resistance in broken:
        resistance = None
    if support is not None:
        score += support.strength
        said.append(f"at support {_level(support)}")
    if resistance is not None:
        score -= resistance.strength
        said.append(f"at resistance {_level(resistance)}")
    for lv, way in breaks:
        score += way * lv.strength
        said.append(f"{'broke above' if way > 0 else 'broke below'} {_level(lv)}")
    return max(-1.0, min(1.0, score)), "levels: " + "; ".join(said)


def _chart_part(active: ChartPattern | None) -> tuple[float, str]:
    if active is None:
        return _NOTHING
    when = ms_to_datetime(active.ts).strftime("%Y-%m-%d %H:%M")
    way = "bullish" if active.direction > 0 else "bearish"
    line = "triangle side" if "triangle" in active.kind else "neckline"
    text = (
        f"chart: {active.kind.replace('_', ' ')} ({way}) confirmed {when} UTC by a close "
        f"through the {line} at {_px(active.line)}; target {_px(active.target)}, "
        f"stop {_px(active.stop)}"
    )
    return float(active.direction), text


def _px(price: float) -> str:
    return f"{price:,.2f}" if price >= 100 else f"{price:.6g}"


def _level(lv: Level) -> str:
    return f"{_px(lv.price)} ({lv.touches} touches, strength {lv.strength:.2f})"
