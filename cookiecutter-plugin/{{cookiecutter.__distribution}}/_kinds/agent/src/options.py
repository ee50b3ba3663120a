"""Options of the ``{{ cookiecutter.plugin_name }}`` agent: ``agents.{{ cookiecutter.plugin_name }}.options`` in the config.

The config loader builds this class from the user's mapping: an unknown key is an error, and the
``ValueError`` of a validator is shown after the key path, so messages start with the field name
(``agents.{{ cookiecutter.plugin_name }}.options.period: must be >= 2, got 1``).
"""

from __future__ import annotations

import attrs
from attrs import field, frozen


def _period(_instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ValueError(f"{attribute.name}: must be an integer >= 2, got {value!r}")


def _level(_instance: object, attribute: attrs.Attribute, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 100:
        raise ValueError(f"{attribute.name}: must be between 0 and 100, got {value!r}")


def _unit(_instance: object, attribute: attrs.Attribute, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{attribute.name}: must be in (0, 1], got {value!r}")


@frozen
class {{ cookiecutter.__class_prefix }}Options:
    #: RSI period (Wilder's smoothing, as TA-Lib computes it).
    period: int = field(default=14, validator=_period)
    #: Below this RSI the agent says long (a rebound is expected).
    oversold: float = field(default=30.0, validator=_level)
    #: Above this RSI the agent says short (a pull-back is expected).
    overbought: float = field(default=70.0, validator=_level)
    #: How much the agent trusts its own reading, passed on as ``Signal.confidence``.
    confidence: float = field(default=0.6, validator=_unit)

    def __attrs_post_init__(self) -> None:
        if self.oversold >= self.overbought:
            raise ValueError(
                f"oversold: must be < overbought ({self.overbought:g}), got {self.oversold:g}"
            )
