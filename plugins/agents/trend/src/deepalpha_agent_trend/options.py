"""Options of the trend agent, validated when the configuration is loaded.

Kept import-light (no numpy, no kernel): ``deepalpha plugins list`` imports this module.
"""

from __future__ import annotations

import itertools
from typing import Literal

import attrs
from attrs import field, frozen


def _period(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 2:
        raise ValueError(f"{attribute.name}: must be >= 2, got {value!r}")


def _periods(_inst: object, attribute: attrs.Attribute, value: tuple[int, ...]) -> None:
    if len(value) < 2:
        raise ValueError(f"{attribute.name}: needs at least two periods, got {list(value)!r}")
    if any(not isinstance(p, int) or isinstance(p, bool) or p < 2 for p in value):
        raise ValueError(
            f"{attribute.name}: every period must be an integer >= 2, got {list(value)!r}"
        )
    if any(b <= a for a, b in itertools.pairwise(value)):
        raise ValueError(f"{attribute.name}: must be strictly increasing, got {list(value)!r}")


def _timeframes(_inst: object, attribute: attrs.Attribute, value: tuple[str, ...] | None) -> None:
    if value is None:
        return
    from deepalpha.data import TIMEFRAMES  # only when options are built, never at plugin import

    if not value:
        raise ValueError(f"{attribute.name}: must name at least one timeframe, or be left out")
    for tf in value:
        if tf not in TIMEFRAMES:
            raise ValueError(
                f"{attribute.name}: {tf!r} is not a timeframe; valid: {', '.join(TIMEFRAMES)}"
            )
    if len(set(value)) != len(value):
        raise ValueError(f"{attribute.name}: lists a timeframe twice, got {list(value)!r}")


def _score(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{attribute.name}: must be in (0, 1], got {value!r}")


def _positive(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name}: must be > 0, got {value!r}")


def _at_least_one(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name}: must be >= 1, got {value!r}")


def _tuple_or_none(value):
    return None if value is None else tuple(value)


@frozen
class TrendOptions:
    """See the README for what each option does; defaults follow the product description."""

    #: Moving-average periods, shortest first (the seed's ``periods: [7, 25, 99]``).
    periods: tuple[int, ...] = field(default=(7, 25, 99), converter=tuple, validator=_periods)
    #: Kind of moving average: exponential or simple.
    ma: Literal["ema", "sma"] = "ema"
    #: Timeframes to read; ``None`` means the run's own plus 4h and 1d where they are coarser.
    timeframes: tuple[str, ...] | None = field(
        default=None, converter=_tuple_or_none, validator=_timeframes
    )
    #: ADX period, and the ADX reading from which a trend counts as fully strong.
    adx_period: int = field(default=14, validator=_period)
    adx_strong: float = field(default=25.0, validator=_positive)
    #: RSI and MACD settings used for divergence and momentum fading.
    rsi_period: int = field(default=14, validator=_period)
    macd_fast: int = field(default=12, validator=_period)
    macd_slow: int = field(default=26, validator=_period)
    macd_signal: int = field(default=9, validator=_period)
    #: Bars on each side that confirm a swing high or low (pivots are known ``swing`` bars late).
    swing: int = field(default=3, validator=_at_least_one)
    #: Bars a divergence stands after the swing that formed it was confirmed.
    divergence_bars: int = field(default=20, validator=_at_least_one)
    #: Consecutive bars of a shrinking MACD histogram that count as momentum fading.
    fade_bars: int = field(default=3, validator=_at_least_one)
    #: Below this absolute combined score the agent says flat.
    min_score: float = field(default=0.2, validator=_score)

    def __attrs_post_init__(self) -> None:
        if self.macd_fast >= self.macd_slow:
            raise ValueError(
                f"macd_fast: must be < macd_slow ({self.macd_slow}), got {self.macd_fast}"
            )
