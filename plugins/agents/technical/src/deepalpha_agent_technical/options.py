"""Options of the technical agent, validated when the configuration is loaded.

Two ways to say which indicators it reads: the flat keys (``ema_fast``, ``rsi_period``...), which
parametrise the default set (EMA cross, MACD, RSI, ATR), or ``indicators``, a mapping of kernel
indicator names to their parameters, which replaces the default set (see ``readings.py`` for the
names and what each one's value votes).
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import field, frozen
from deepalpha.timeframes import TIMEFRAMES

from .readings import check_params


def _period(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 2:
        raise ValueError(f"{attribute.name}: must be >= 2, got {value!r}")


def _level(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0 < value < 100:
        raise ValueError(f"{attribute.name}: must be between 0 and 100, got {value!r}")


def _timeframes(_inst: object, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    for tf in value:
        if tf not in TIMEFRAMES:
            raise ValueError(f"{attribute.name}: {tf!r} is not one of: {', '.join(TIMEFRAMES)}")
    if len(set(value)) != len(value):
        raise ValueError(f"{attribute.name}: lists a timeframe twice: {list(value)}")


@frozen
class TechnicalOptions:
    ema_fast: int = field(default=12, validator=_period)
    ema_slow: int = field(default=26, validator=_period)
    rsi_period: int = field(default=14, validator=_period)
    rsi_oversold: float = field(default=30.0, validator=_level)
    rsi_overbought: float = field(default=70.0, validator=_level)
    macd_fast: int = field(default=12, validator=_period)
    macd_slow: int = field(default=26, validator=_period)
    macd_signal: int = field(default=9, validator=_period)
    #: ATR period and how many ATRs from the close the suggested stop-loss sits (0: no stop).
    atr_period: int = field(default=14, validator=_period)
    atr_stop: float = 2.0
    min_score: float = 0.2
    #: Kernel indicators to read instead of the default set: ``{rsi: {period: 14}, ...}``.
    indicators: dict[str, dict[str, Any]] | None = None
    #: Timeframes scored separately and combined (the run's own and coarser ones); empty: the
    #: run's timeframe only.
    timeframes: tuple[str, ...] = field(default=(), validator=_timeframes)
    #: Weight of each timeframe in ``timeframes`` order; empty: equal weights.
    timeframe_weights: tuple[float, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.ema_fast >= self.ema_slow:
            raise ValueError(f"ema_fast: must be < ema_slow ({self.ema_slow}), got {self.ema_fast}")
        if self.macd_fast >= self.macd_slow:
            raise ValueError(
                f"macd_fast: must be < macd_slow ({self.macd_slow}), got {self.macd_fast}"
            )
        if self.rsi_oversold >= self.rsi_overbought:
            raise ValueError(
                f"rsi_oversold: must be < rsi_overbought ({self.rsi_overbought}), "
                f"got {self.rsi_oversold}"
            )
        if not 0 <= self.min_score <= 1:
            raise ValueError(f"min_score: must be in [0, 1], got {self.min_score}")
        if not self.atr_stop >= 0:
            raise ValueError(f"atr_stop: must be >= 0, got {self.atr_stop!r}")
        if self.indicators is not None:
            if not self.indicators:
                raise ValueError("indicators: names no indicator; leave it out for the default set")
            for name, params in self.indicators.items():
                if not isinstance(params, dict):
                    raise ValueError(f"indicators.{name}: expected a mapping of parameters")
                check_params(name, params)
            if not any(check_params(n, p).get("weight", 0) > 0 for n, p in self.indicators.items()):
                raise ValueError("indicators: none of them votes (give one a weight > 0)")
        if self.timeframe_weights:
            if len(self.timeframe_weights) != len(self.timeframes):
                raise ValueError(
                    f"timeframe_weights: {len(self.timeframe_weights)} weights for "
                    f"{len(self.timeframes)} timeframes"
                )
            if any(not w >= 0 for w in self.timeframe_weights) or not sum(self.timeframe_weights):
                shown = list(self.timeframe_weights)
                raise ValueError(f"timeframe_weights: must be >= 0 and not all 0, got {shown}")

    def indicator_set(self) -> list[tuple[str, dict[str, float]]]:
        """``(name, complete parameters)`` of every reading, in a fixed order."""
        if self.indicators is not None:
            return [(n.upper(), check_params(n, p)) for n, p in self.indicators.items()]
        base = [
            ("EMA", {"fast": self.ema_fast, "slow": self.ema_slow, "weight": 0.5}),
            (
                "MACD",
                {
                    "fast": self.macd_fast,
                    "slow": self.macd_slow,
                    "signal": self.macd_signal,
                    "weight": 0.3,
                },
            ),
            (
                "RSI",
                {
                    "period": self.rsi_period,
                    "oversold": self.rsi_oversold,
                    "overbought": self.rsi_overbought,
                    "weight": 0.2,
                },
            ),
            ("ATR", {"period": self.atr_period, "stop": self.atr_stop}),
        ]
        return [(n, check_params(n, p)) for n, p in base]

    def timeframe_weight_list(self, n: int) -> list[float]:
        if self.timeframe_weights:
            return list(self.timeframe_weights)
        return [1.0] * n

    def warmup_bars(self) -> int:
        """Base bars before the slowest reading of the run's own timeframe is ready."""
        longest = 0
        for _, p in self.indicator_set():
            longest = max(
                longest,
                int(p.get("slow", 0)) + int(p.get("signal", 0)),
                int(p.get("period", 0)) + 1,
            )
        return longest
