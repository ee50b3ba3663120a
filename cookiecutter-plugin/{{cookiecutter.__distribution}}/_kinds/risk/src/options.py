"""Options of the ``{{ cookiecutter.plugin_name }}`` rule: ``risk.{{ cookiecutter.plugin_name }}.options`` in the config.

The config loader builds this class from the user's mapping: an unknown key is an error, and the
``ValueError`` of a validator is shown after the key path, so messages start with the field name.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import attrs
from attrs import field, frozen


def _positive(_instance: object, attribute: attrs.Attribute, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{attribute.name}: must be a number > 0, got {value!r}")
    if math.isinf(value):
        raise ValueError(f"{attribute.name}: must be finite, got {value!r}")


def _step(value: object) -> Decimal:
    """Quantities are exact: the step is a Decimal, read from text so 0.1 stays 0.1."""
    try:
        step = Decimal(str(value)) if not isinstance(value, bool) else Decimal("nan")
    except InvalidOperation:
        step = Decimal("nan")
    if not step.is_finite() or not step > 0:
        raise ValueError(f"quantity_step: must be a number > 0, got {value!r}")
    return step


@frozen
class {{ cookiecutter.__class_prefix }}Options:
    #: Largest value of one order (quantity x price) in the quote currency.
    max_notional: float = field(default=1000.0, validator=_positive)
    #: Quantities are rounded down to this grid (match the venue's lot size).
    quantity_step: Decimal = field(default=Decimal("0.00000001"), converter=_step)
