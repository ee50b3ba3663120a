"""Options of the pattern agent, validated when the configuration is loaded.

Imported by ``plugin.py`` (and so by ``deepalpha plugins list``): standard library and attrs only.
Every error names the option: ``pivot_bars: must be an integer >= 1, got 0``.
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import field, frozen

from .names import resolve

#: Chart patterns the pivot-based detector knows, by the name users write.
CHART_PATTERNS: tuple[str, ...] = (
    "double_top",
    "double_bottom",
    "head_and_shoulders",
    "inverse_head_and_shoulders",
    "ascending_triangle",
    "descending_triangle",
    "symmetric_triangle",
)

_CHART_ALIASES = {
    "headshoulders": "head_and_shoulders",
    "inverseheadshoulders": "inverse_head_and_shoulders",
    "symmetricaltriangle": "symmetric_triangle",
}


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch not in " -_")


_CHART_LOOKUP = {_key(n): n for n in CHART_PATTERNS} | _CHART_ALIASES


def _names(field_name: str, value: Any) -> list:
    if isinstance(value, str):
        raise ValueError(f"{field_name}: must be a list of names, got the string {value!r}")
    try:
        return list(value)
    except TypeError:
        raise ValueError(
            f"{field_name}: must be a list of names, got {type(value).__name__} {value!r}"
        ) from None


def _candles(value: Any) -> tuple[str, ...] | None:
    """User names -> TA-Lib names, in the order given, without repeats; None keeps all 61."""
    if value is None:
        return None
    return tuple(dict.fromkeys(resolve(n) for n in _names("patterns", value)))


def _charts(value: Any) -> tuple[str, ...]:
    if value is None:
        return CHART_PATTERNS
    out = []
    for name in _names("chart_patterns", value):
        found = _CHART_LOOKUP.get(_key(name)) if isinstance(name, str) else None
        if found is None:
            raise ValueError(
                f"chart_patterns: unknown chart pattern {name!r}; valid names: "
                f"{', '.join(CHART_PATTERNS)}"
            )
        out.append(found)
    return tuple(dict.fromkeys(out))


def _int_at_least(low: int):
    def check(_inst: object, attribute: attrs.Attribute, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{attribute.name}: must be an integer >= {low}, got {value!r}")

    return check


def _fraction(high: float):
    def check(_inst: object, attribute: attrs.Attribute, value: Any) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= high
        if not ok:
            raise ValueError(f"{attribute.name}: must be a number in (0, {high:g}], got {value!r}")

    return check


def _weight(_inst: object, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name}: must be a number in [0, 1], got {value!r}")


@frozen(kw_only=True)
class PatternOptions:
    """What the pattern agent looks for and how it weighs what it finds (defaults in README.md)."""

    #: Candlestick patterns by name (``hammer``, ``morning star``, ``CDLENGULFING``); stored as
    #: TA-Lib names. ``None`` (the default): all 61; an empty list: none.
    patterns: Any = field(default=None, converter=_candles)
    #: Chart patterns to detect (see ``CHART_PATTERNS``); ``None``: all; empty: none.
    chart_patterns: Any = field(default=None, converter=_charts)
    #: A swing high/low needs this many bars on each side; it is confirmed that many bars later.
    pivot_bars: int = field(default=5, validator=_int_at_least(1))
    #: Pivots within this fraction of price of a level join it.
    level_tolerance: float = field(default=0.005, validator=_fraction(0.2))
    #: A close within this fraction of price above support / below resistance is "at" it.
    level_proximity: float = field(default=0.005, validator=_fraction(0.2))
    #: Touches (pivots) a level needs before the agent reads it.
    min_touches: int = field(default=2, validator=_int_at_least(1))
    #: Levels kept (the most recently touched).
    max_levels: int = field(default=20, validator=_int_at_least(1))
    #: Two peaks (or troughs, shoulders) within this fraction of price are "equal"; a triangle
    #: side moving less than this fraction is "flat".
    pattern_tolerance: float = field(default=0.01, validator=_fraction(0.2))
    #: A chart pattern's height must be at least this fraction of price.
    min_depth: float = field(default=0.02, validator=_fraction(0.5))
    #: A chart pattern must break out within this many bars of its last pivot.
    confirm_bars: int = field(default=30, validator=_int_at_least(2))
    #: A confirmed chart pattern counts for this many bars (or until its target or stop).
    hold_bars: int = field(default=24, validator=_int_at_least(1))
    candle_weight: float = field(default=0.3, validator=_weight)
    level_weight: float = field(default=0.3, validator=_weight)
    chart_weight: float = field(default=0.4, validator=_weight)
    #: Below this absolute score the agent says flat.
    min_score: float = field(default=0.1, validator=_weight)

    def __attrs_post_init__(self) -> None:
        if self.confirm_bars <= self.pivot_bars:
            raise ValueError(
                f"confirm_bars: must be > pivot_bars ({self.pivot_bars}), since a pattern's last "
                f"pivot is only known pivot_bars later; got {self.confirm_bars}"
            )
        if self.candle_weight + self.level_weight + self.chart_weight <= 0:
            raise ValueError(
                "candle_weight, level_weight, chart_weight: at least one must be > 0, got all 0"
            )
