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

Work is done when something changes: each candlestick combination is interpreted once (on real
data the same few hundred recur), the level and chart parts when the detector's readings change
(it keeps the same objects until then), and the signal's wording when any part changed. A quiet
bar costs the scanner update, the detector update, a dict lookup and the ``Signal``.
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
        self.detector = Detector(o, record=False)
        self.reset()

    def reset(self) -> None:
        self.candles.reset()
        self.detector.reset()
        self._candle_parts: dict[tuple[int, ...], tuple[float, str]] = {}
        self._level_parts: dict[tuple[int, int, int], tuple] = {}
        self._level_texts: dict[int, tuple[Level, str]] = {}
        self._active_seen: ChartPattern | None = None
        self._chart_part: tuple[float, str] = _NOTHING
        self._readings: dict[tuple[int, int, int], tuple] = {}
        self._bars = 0

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        o, h, lo, c = bar.open, bar.high, bar.low, bar.close
        values = self.candles.update(o, h, lo, c)
        det = self.detector
        det.update(bar.ts, o, h, lo, c)
        self._bars += 1
        if self._bars < self.warmup:
            return None
        # Each part is interpreted once per distinct reading, and the signal once per distinct
        # combination of parts. Level and chart readings are keyed by identity (the detector keeps
        # its objects until something changes); each entry holds those objects, so their ids
        # cannot be reused while cached.
        candle = self._candle_parts.get(values)
        if candle is None:
            candle = self._candle_parts[values] = self._candle_part(values)
            if len(self._candle_parts) > CACHE_SIZE:
                self._candle_parts.clear()
        sup, res, brk = det.support, det.resistance, det.breaks
        key = (id(sup), id(res), id(brk))
        entry = self._level_parts.get(key)
        if entry is None:
            entry = self._level_parts[key] = (sup, res, brk, self._level_part(sup, res, brk))
            if len(self._level_parts) > CACHE_SIZE:
                self._level_parts.clear()
                self._level_texts.clear()
        level = entry[3]
        if det.active is not self._active_seen:
            self._active_seen = det.active
            self._chart_part = _chart_part(det.active)
        chart = self._chart_part
        key = (id(candle), id(level), id(chart))
        entry = self._readings.get(key)
        if entry is None:
            reading = self._combine(candle, level, chart, det.active)
            entry = self._readings[key] = (candle, level, chart, reading)
            if len(self._readings) > CACHE_SIZE:
                self._readings.clear()
        direction, strength, confidence, rationale, stop, target = entry[3]
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

    def _level_part(
        self,
        support: Level | None,
        resistance: Level | None,
        breaks: tuple[tuple[Level, int], ...],
    ) -> tuple[float, str]:
        if support is None and resistance is None and not breaks:
            return _NOTHING
        # A level just broken is where the close sits, on its far side: counted once, as the
        # break.
        if any(lv is support or lv is resistance for lv, _ in breaks):
            support = None if any(lv is support for lv, _ in breaks) else support
            resistance = None if any(lv is resistance for lv, _ in breaks) else resistance
        score, said = 0.0, []
        if support is not None:
            score += support.strength
            said.append("at support " + self._level_text(support))
        if resistance is not None:
            score -= resistance.strength
            said.append("at resistance " + self._level_text(resistance))
        for lv, way in breaks:
            score += way * lv.strength
            said.append(("broke above " if way > 0 else "broke below ") + self._level_text(lv))
        return max(-1.0, min(1.0, score)), "levels: " + "; ".join(said)

    def _level_text(self, lv: Level) -> str:
        """A level's description, formatted once per level object."""
        entry = self._level_texts.get(id(lv))
        if entry is None or entry[0] is not lv:
            text = f"{_px(lv.price)} ({lv.touches} touches, strength {lv.strength:.2f})"
            entry = self._level_texts[id(lv)] = (lv, text)
        return entry[1]

    def _combine(
        self,
        candle: tuple[float, str],
        level: tuple[float, str],
        chart: tuple[float, str],
        active: ChartPattern | None,
    ) -> tuple:
        """Direction, strength, confidence, rationale, stop and target from the three parts."""
        wc, wl, wp = self._weights
        cs, ls, ps = candle[0], level[0], chart[0]
        score = wc * cs + wl * ls + wp * ps
        strength = score if score >= 0.0 else -score
        if strength > 1.0:
            strength = 1.0
        if strength < self._min_score or strength == 0.0:
            direction, confidence = _FLAT, 0.0
        else:
            direction = _LONG if score > 0.0 else _SHORT
            # The share of the weight whose part agrees with the direction.
            confidence = (
                (wc if cs * score > 0.0 else 0.0)
                + (wl if ls * score > 0.0 else 0.0)
                + (wp if ps * score > 0.0 else 0.0)
            )
            if confidence > 1.0:  # weights sum to 1 up to rounding
                confidence = 1.0
        texts = [t for t in (candle[1], level[1], chart[1]) if t]
        if texts:
            texts.append(f"score {score:+.2f}")
            rationale = " | ".join(texts)
        else:
            rationale = "no candlestick, level or chart pattern"
        stop = target = None
        if active is not None and active.direction == direction:
            stop = active.stop if active.stop > 0 else None
            target = active.target if active.target > 0 else None
        return direction, strength, confidence, rationale, stop, target


_NOTHING = (0.0, "")
_LONG, _FLAT, _SHORT = Direction.LONG, Direction.FLAT, Direction.SHORT


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
