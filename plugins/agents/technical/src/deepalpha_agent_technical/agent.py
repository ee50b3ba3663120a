"""The technical agent: three classic readings of price, combined.

Indicators are the kernel's streaming objects, updated once per bar, so the agent costs the same on
bar 20,000 as on bar 100 and gives exactly the values the batch functions (and TA-Lib) give. They
are found by name through the installed kernel plugins (``deepalpha.indicators``).
"""

from __future__ import annotations

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Direction, Signal
from deepalpha.history import History
from deepalpha.indicators import indicator

from .options import TechnicalOptions

TREND_WEIGHT = 0.5
MACD_WEIGHT = 0.3
RSI_WEIGHT = 0.2


class TechnicalAgent(Agent):
    name = "technical"

    def __init__(self, options: TechnicalOptions | None = None) -> None:
        self.options = options or TechnicalOptions()
        o = self.options
        self.warmup = max(o.ema_slow, o.macd_slow + o.macd_signal, o.rsi_period + 1)
        self.reset()

    def reset(self) -> None:
        o = self.options
        # Direction, strength, confidence and wording depend only on the three readings, so the
        # 27 combinations are worked out once: per bar the agent only updates its indicators.
        self._readings = {
            (t, m, x): _reading(o, t, m, x)
            for t in (-1, 0, 1)
            for m in (-1, 0, 1)
            for x in (-1, 0, 1)
        }
        self._oversold, self._overbought = o.rsi_oversold, o.rsi_overbought
        ema, rsi, macd = (indicator(n, streaming=True) for n in ("EMA", "RSI", "MACD"))
        self._fast = ema(o.ema_fast)
        self._slow = ema(o.ema_slow)
        self._rsi = rsi(o.rsi_period)
        self._macd = macd(o.macd_fast, o.macd_slow, o.macd_signal)

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        close = bar.close
        fast = self._fast.update(close)
        slow = self._slow.update(close)
        rsi = self._rsi.update(close)
        hist = self._macd.update(close)[2]
        if slow != slow or rsi != rsi or hist != hist:  # NaN: still warming up, abstain
            return None
        trend = 1 if fast > slow else -1 if fast < slow else 0
        momentum = 1 if hist > 0 else -1 if hist < 0 else 0
        extreme = 1 if rsi < self._oversold else -1 if rsi > self._overbought else 0
        direction, strength, confidence, rationale = self._readings[trend, momentum, extreme]
        return Signal("technical", bar.symbol, bar.ts, direction, strength, confidence, rationale)


def _reading(o: TechnicalOptions, trend: int, momentum: int, extreme: int):
    """What the agent says for one combination of the three readings (there are 27)."""
    score = TREND_WEIGHT * trend + MACD_WEIGHT * momentum + RSI_WEIGHT * extreme
    if abs(score) < o.min_score:
        direction, confidence = Direction.FLAT, 0.0
    else:
        direction = Direction.LONG if score > 0 else Direction.SHORT
        sign = int(direction)
        confidence = (
            TREND_WEIGHT * (trend == sign)
            + MACD_WEIGHT * (momentum == sign)
            + RSI_WEIGHT * (extreme == sign)
        )
    return direction, min(1.0, abs(score)), confidence, _describe(o, trend, momentum, extreme)


def _describe(o: TechnicalOptions, trend: int, momentum: int, extreme: int) -> str:
    ema = {1: "above", -1: "below", 0: "equal to"}[trend]
    macd = {1: "positive (rising momentum)", -1: "negative (falling momentum)", 0: "flat"}[momentum]
    rsi = {
        1: f"oversold (< {o.rsi_oversold:g})",
        -1: f"overbought (> {o.rsi_overbought:g})",
        0: "between the extremes",
    }[extreme]
    return (
        f"EMA{o.ema_fast} {ema} EMA{o.ema_slow}; MACD({o.macd_fast},{o.macd_slow},"
        f"{o.macd_signal}) histogram {macd}; RSI{o.rsi_period} {rsi}"
    )
