"""Options of the ``{{ cookiecutter.plugin_name }}`` gateway: ``gateway.options`` in the config.

The config loader builds this class from the user's mapping: an unknown key is an error, and the
``ValueError`` of a converter is shown after the key path, so messages start with the field name.
Money is exact: both options are Decimals, read from text so that 0.001 stays 0.001.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from attrs import field, frozen


def _decimal(name: str, low: Decimal, low_inclusive: bool):
    def convert(value: object) -> Decimal:
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("nan")
        except InvalidOperation:
            number = Decimal("nan")
        ok = number.is_finite() and (number >= low if low_inclusive else number > low)
        if not ok:
            bound = f">= {low}" if low_inclusive else f"> {low}"
            raise ValueError(f"{name}: must be a number {bound}, got {value!r}")
        return number

    return convert


@frozen
class {{ cookiecutter.__class_prefix }}Options:
    #: Cash the account starts with, in the quote currency.
    initial_cash: Decimal = field(
        default=Decimal(10_000), converter=_decimal("initial_cash", Decimal(0), False)
    )
    #: Fee charged on each fill, as a fraction of its value (0.001 = 0.1%).
    fee_rate: Decimal = field(
        default=Decimal("0.001"), converter=_decimal("fee_rate", Decimal(0), True)
    )
