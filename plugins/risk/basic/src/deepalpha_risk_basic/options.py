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


# -- venue and order checks ------------------------------------------------------------------------


def _amount(name: str, value: object, *, allow_zero: bool) -> Decimal:
    """A non-negative (or positive) exact amount from config; errors name the field."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"{name}: must be a number, got {value!r}")
    try:
        amount = to_decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{name}: must be a number, got {value!r}") from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: must be {bound}, got {value!r}")
    return amount


def _optional_amount(name: str, *, allow_zero: bool):
    def convert(value: object) -> Decimal | None:
        return None if value is None else _amount(name, value, allow_zero=allow_zero)

    return convert


@frozen
class SymbolPrecision:
    """One instrument's grid and minimums; a field left out takes the rule's default."""

    quantity_step: Decimal | None = field(
        default=None, converter=_optional_amount("quantity_step", allow_zero=False)
    )
    min_quantity: Decimal | None = field(
        default=None, converter=_optional_amount("min_quantity", allow_zero=True)
    )
    min_notional: Decimal | None = field(
        default=None, converter=_optional_amount("min_notional", allow_zero=True)
    )
    price_tick: Decimal | None = field(
        default=None, converter=_optional_amount("price_tick", allow_zero=False)
    )


@frozen
class PrecisionOptions:
    #: Quantities are rounded down to a multiple of this step (the venue's lot size).
    quantity_step: Decimal = _quantity_step()
    #: Orders whose rounded quantity is below this are refused (0: no minimum).
    min_quantity: Decimal = field(
        default=Decimal(0), converter=lambda v: _amount("min_quantity", v, allow_zero=True)
    )
    #: Orders worth less than this (quantity x price) are refused (0: no minimum).
    min_notional: Decimal = field(
        default=Decimal(0), converter=lambda v: _amount("min_notional", v, allow_zero=True)
    )
    #: Limit prices are put on this grid, away from the market (buys down, sells up); null: as is.
    price_tick: Decimal | None = field(
        default=None, converter=_optional_amount("price_tick", allow_zero=False)
    )
    #: Per-symbol overrides: ``{BTC/USDT: {quantity_step: 0.00001, min_notional: 5}}``.
    symbols: dict[str, SymbolPrecision] = field(factory=dict)


def _action(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in ("reject", "shrink"):
        raise ValueError(f"{attribute.name}: must be 'reject' or 'shrink', got {value!r}")


@frozen
class MaxNotionalOptions:
    #: Largest value (quantity x price, quote currency) of one order that opens or adds.
    max_notional: Decimal = field(
        default=Decimal(100_000), converter=lambda v: _amount("max_notional", v, allow_zero=False)
    )
    #: ``reject`` an order above it, or ``shrink`` it to fit.
    action: str = field(default="reject", validator=_action)
    quantity_step: Decimal = _quantity_step()


def _positive(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{attribute.name}: must be a number > 0, got {value!r}")
    if math.isnan(value) or math.isinf(value) or not value > 0:
        raise ValueError(f"{attribute.name}: must be a number > 0, got {value!r}")


def _optional(validator):
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


def _count(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name}: must be a whole number >= 1, got {value!r}")


@frozen
class PriceBandOptions:
    #: A limit price more than this fraction away from the last close is refused (0.05 = 5%).
    max_deviation: float = field(default=0.05, validator=_unit_fraction)


@frozen
class RateLimitOptions:
    #: At most this many orders in any ``window_seconds`` of the bar clock.
    max_orders: int = field(default=10, validator=_count)
    window_seconds: float = field(default=60.0, validator=_positive)


# -- the three levels of limits (the product description's account / strategy / instrument) -------


@frozen
class AccountOptions:
    """Whole-account limits; any of them may be null to switch it off."""

    #: Net position value (longs minus shorts) as a fraction of net assets (equity).
    max_position: float | None = field(default=0.95, validator=_optional(_positive))
    #: Gross position value (longs plus shorts) over equity.
    max_leverage: float | None = field(default=3.0, validator=_optional(_positive))
    #: No new positions for the rest of the UTC day once equity is this far below the day's start.
    max_daily_loss: float | None = field(default=0.05, validator=_optional(_unit_fraction))
    #: No new positions for the rest of the UTC month once equity is this far below the month's
    #: peak.
    max_monthly_drawdown: float | None = field(default=0.15, validator=_optional(_unit_fraction))
    quantity_step: Decimal = _quantity_step()


@frozen
class StrategyOptions:
    """Limits of the strategy trading the book, against its capital (``basis``)."""

    #: Largest position in one symbol as a fraction of the strategy's capital.
    max_position_size: float | None = field(default=0.02, validator=_optional(_unit_fraction))
    #: Gross position value over the strategy's capital.
    max_leverage: float | None = field(default=2.0, validator=_optional(_positive))
    #: After this many losing exits in a row, no new positions (for ``cooldown_hours``, or for
    #: the rest of the run when that is null). A winning exit resets the count.
    max_consecutive_losses: int | None = field(default=5, validator=_optional(_count))
    cooldown_hours: float | None = field(default=None, validator=_optional(_positive))
    #: The strategy's capital: ``equity`` now, or the run's ``initial`` equity.
    basis: str = field(default="equity", validator=_basis)
    quantity_step: Decimal = _quantity_step()


@frozen
class InstrumentOptions:
    """Per-symbol limits; any of them may be null to switch it off."""

    #: Largest position in one symbol as a fraction of equity.
    max_position_per_symbol: float | None = field(default=0.05, validator=_optional(_unit_fraction))
    #: Exit a position that lost this fraction from its entry (a ``stop_loss`` at this ``pct``).
    stop_loss: float | None = field(default=0.02, validator=_optional(_unit_fraction))
    #: One order may be at most this fraction of the symbol's volume over ``volume_window_hours``.
    max_volume_fraction: float | None = field(default=0.10, validator=_optional(_unit_fraction))
    volume_window_hours: float = field(default=24.0, validator=_positive)
    #: No new positions while the symbol's annualised volatility (standard deviation of log
    #: returns over ``volatility_window_days``) is above this (0.5 = 50%).
    max_volatility: float | None = field(default=0.50, validator=_optional(_positive))
    volatility_window_days: float = field(default=30.0, validator=_positive)
    quantity_step: Decimal = _quantity_step()
