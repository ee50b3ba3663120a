"""Options of the basic risk rules.

Fractions are floats (they scale a float equity; the resulting quantity is then put on an exact
``Decimal`` grid). Validators raise ``ValueError`` starting with the field name, e.g.
``fraction: must be in (0, 1], got 1.5``, so the config loader can prefix the key path.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import attrs
from attrs import field, frozen
from deepalpha.domain import to_decimal


def _unit_fraction(instance: object, attribute: attrs.Attribute, value: object) -> None:
    """In (0, 1]: a zero limit would block everything, above 1 means leverage we do not model."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{attribute.name}: must be a number in (0, 1], got {value!r}")
    if math.isnan(value) or not 0 < value <= 1:
        raise ValueError(f"{attribute.name}: must be in (0, 1], got {value!r}")


def _step(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"quantity_step: must be a number, got {value!r}")
    try:
        step = to_decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"quantity_step: must be a number, got {value!r}") from None
    if not step.is_finite() or not step > 0:
        raise ValueError(f"quantity_step: must be > 0, got {value!r}")
    return step


def _quantity_step():
    """Sizes are rounded down to this grid; match the gateway's step to avoid a second rounding."""
    return field(default=Decimal("0.00000001"), converter=_step)


def _basis(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in ("equity", "initial"):
        raise ValueError(f"{attribute.name}: must be 'equity' or 'initial', got {value!r}")


@frozen
class SizingOptions:
    #: Target value of a new position as a fraction of equity (0.02 = 2%).
    fraction: float = field(default=0.02, validator=_unit_fraction)
    quantity_step: Decimal = _quantity_step()
    #: What ``fraction`` is of: ``equity`` now (positions grow and shrink with the account) or
    #: the ``initial`` equity of the run (every symbol's sizes independent of the others' P&L).
    basis: str = field(default="equity", validator=_basis)


@frozen
class ExposureOptions:
    #: Largest value of one symbol's position as a fraction of equity (0.10 = 10%).
    max_fraction: float = field(default=0.10, validator=_unit_fraction)
    quantity_step: Decimal = _quantity_step()


def _trigger(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in ("close", "extreme"):
        raise ValueError(f"{attribute.name}: must be 'close' or 'extreme', got {value!r}")


def _suggested(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in ("ignore", "tighter", "prefer"):
        raise ValueError(
            f"{attribute.name}: must be 'ignore', 'tighter' or 'prefer', got {value!r}"
        )


@frozen
class StopLossOptions:
    #: Exit when price moves this fraction against the entry (0.05 = 5% below a long's entry).
    pct: float = field(default=0.05, validator=_unit_fraction)
    #: ``close`` tests the bar's close; ``extreme`` its low (longs) or high (shorts), which reacts
    #: to wicks. Either way the exit is a market order filled at the next bar's open.
    trigger: str = field(default="close", validator=_trigger)
    #: What to do with the level the agents suggested with the entry (``Signal.stop_loss``):
    #: ``ignore`` it, use it when ``tighter`` than ``pct`` (closer to the entry), or ``prefer`` it.
    suggested: str = field(default="tighter", validator=_suggested)


@frozen
class TakeProfitOptions:
    #: Exit when price moves this fraction in favour of the entry (0.10 = 10% above a long's entry).
    pct: float = field(default=0.10, validator=_unit_fraction)
    trigger: str = field(default="close", validator=_trigger)
    #: As for the stop, with ``Signal.take_profit``; ``tighter`` means the nearer target.
    suggested: str = field(default="tighter", validator=_suggested)


def _flag(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name}: must be true or false, got {value!r}")


@frozen
class MaxDrawdownOptions:
    #: Halt new positions once equity falls this fraction below its peak (0.20 = 20%).
    max_drawdown: float = field(default=0.20, validator=_unit_fraction)
    #: Stay halted for the rest of the run once tripped (a kill switch), rather than resuming
    #: when equity recovers above the line.
    latch: bool = field(default=True, validator=_flag)


@frozen
class DailyLossOptions:
    #: Halt new positions for the rest of the UTC day once equity falls this fraction below the
    #: day's starting equity (0.05 = 5%).
    max_loss: float = field(default=0.05, validator=_unit_fraction)
