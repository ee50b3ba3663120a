"""Options of the technical agent, validated when the configuration is loaded."""

from __future__ import annotations

import attrs
from attrs import field, frozen


def _period(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 2:
        raise ValueError(f"{attribute.name}: must be >= 2, got {value!r}")


def _level(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0 < value < 100:
        raise ValueError(f"{attribute.name}: must be between 0 and 100, got {value!r}")


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
    min_score: float = 0.2

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
