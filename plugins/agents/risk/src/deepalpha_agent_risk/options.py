"""Options of the risk agent, validated when the configuration is loaded.

Kept import-light (no numpy, no kernel): ``deepalpha plugins list`` imports this module.
"""

from __future__ import annotations

from typing import Literal

import attrs
from attrs import field, frozen

#: The fewest returns a window may hold: a 99% tail of fewer than 100 returns is one observation
#: or none.
MIN_WINDOW = 100


def _window(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < MIN_WINDOW:
        raise ValueError(f"{attribute.name}: must be >= {MIN_WINDOW} bars, got {value!r}")


def _at_least_one(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name}: must be >= 1, got {value!r}")


def _positive(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name}: must be > 0, got {value!r}")


def _fraction(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{attribute.name}: must be in (0, 1], got {value!r}")


def _open_fraction(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{attribute.name}: must be in (0, 1), got {value!r}")


def _level(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0.5 < value < 1:
        raise ValueError(f"{attribute.name}: must be in (0.5, 1), got {value!r}")


@frozen
class RiskOptions:
    """See the README for what each option does and why the defaults are what they are."""

    #: Returns in the rolling window the statistics are computed over (720 = 30 days of 1h bars).
    window: int = field(default=720, validator=_window)
    #: Confidence level of VaR and CVaR.
    level: float = field(default=0.99, validator=_level)
    #: Which VaR the veto compares with ``max_var``.
    var_method: Literal["historical", "parametric", "cornish_fisher"] = "historical"
    #: Limits: crossing any of them is risk-off (a veto).
    max_var: float = field(default=0.25, validator=_positive)
    max_volatility: float = field(default=0.10, validator=_positive)
    max_drawdown: float = field(default=0.40, validator=_fraction)
    #: Bars over which the drawdown's reference high is taken.
    drawdown_window: int = field(default=720, validator=_at_least_one)
    #: Correlation with another symbol of the run from which the agent counts as concentrated.
    max_correlation: float = field(default=0.9, validator=_fraction)
    #: Bars between two computations of the correlations (they read the other symbols' columns).
    correlation_every: int = field(default=24, validator=_at_least_one)
    #: Share of a limit from which the agent leans towards reducing exposure.
    caution: float = field(default=0.7, validator=_open_fraction)
    #: A veto stands until every reading is below this share of its limit.
    release: float = field(default=0.9, validator=_open_fraction)
    #: The largest position in one symbol, as a share of equity (the seed's
    #: ``max_position_per_symbol``): the rationale reports the VaR of such a position in equity.
    max_position_per_symbol: float = field(default=0.05, validator=_fraction)

    def __attrs_post_init__(self) -> None:
        if self.caution >= self.release:
            raise ValueError(f"caution: must be < release ({self.release}), got {self.caution}")
