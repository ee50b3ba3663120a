"""Options of the paper gateway.

Money-like options are ``Decimal`` because they take part in booking. They also accept ints,
floats (converted through ``repr``, so ``0.001`` stays ``0.001``) and strings, because they come
from YAML. Every validator raises ``ValueError`` whose message starts with the field name, so the
config loader can prefix the key path (``gateway.options.fee_rate: must be in [0, 1), got 2``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import attrs
from attrs import field, frozen
from deepalpha.domain import to_decimal


def _decimal(name: str):
    """A converter to a finite ``Decimal`` whose error names the option."""

    def convert(value: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
            raise ValueError(f"{name}: must be a number, got {value!r}")
        try:
            result = to_decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValueError(f"{name}: must be a number, got {value!r}") from None
        if not result.is_finite():
            raise ValueError(f"{name}: must be a finite number, got {value!r}")
        return result

    return convert


def _optional_decimal(name: str):
    convert = _decimal(name)
    return lambda value: None if value is None else convert(value)


def _positive(instance: object, attribute: attrs.Attribute, value: Decimal) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name}: must be > 0, got {value}")


def _non_negative(instance: object, attribute: attrs.Attribute, value: Decimal) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name}: must be >= 0, got {value}")


def _rate(instance: object, attribute: attrs.Attribute, value: Decimal | None) -> None:
    if value is not None and not 0 <= value < 1:
        raise ValueError(f"{attribute.name}: must be in [0, 1), got {value}")


def _bps(instance: object, attribute: attrs.Attribute, value: Decimal) -> None:
    if not 0 <= value < 10_000:
        raise ValueError(f"{attribute.name}: must be in [0, 10000) basis points, got {value}")


def _label(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must be a non-empty string, got {value!r}")


def _engine(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if value not in ENGINES:
        raise ValueError(f"{attribute.name}: must be one of {', '.join(ENGINES)}, got {value!r}")


def _flag(instance: object, attribute: attrs.Attribute, value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name}: must be true or false, got {value!r}")


#: Who matches and books the orders: the gateway's own Python code, or the Rust execution engine
#: (``deepalpha_kernel.ExecutionEngine``) run with the paper venue's rules.
ENGINES = ("python", "rust")


@frozen
class PaperOptions:
    """How the simulated venue behaves.

    ``quantity_step`` and ``price_tick`` are the venue's precision: quantities are rounded *down* to
    the step (like ccxt's ``amount_to_precision``) and fill prices to the tick, against the trader.
    Keeping every booked number on a fixed grid is what keeps cash arithmetic exact: a product of a
    step-sized quantity and a tick-sized price has a bounded number of digits.
    """

    #: Starting balance in the quote currency.
    initial_cash: Decimal = field(
        default=Decimal(10_000), converter=_decimal("initial_cash"), validator=_positive
    )
    #: Label of the quote currency (cash and fees are in it); shown in reasons and reports.
    quote: str = field(default="USD", validator=_label)
    #: Taker fee as a fraction of notional (0.001 = 0.1%), charged on market orders.
    fee_rate: Decimal = field(
        default=Decimal("0.001"), converter=_decimal("fee_rate"), validator=_rate
    )
    #: Fee of limit orders that rest and then fill; ``None`` charges ``fee_rate``.
    maker_fee_rate: Decimal | None = field(
        default=None, converter=_optional_decimal("maker_fee_rate"), validator=_rate
    )
    #: Market orders fill this many basis points worse than the next bar's open.
    slippage_bps: Decimal = field(
        default=Decimal(5), converter=_decimal("slippage_bps"), validator=_bps
    )
    #: False models a spot account: a sell may not exceed what is held.
    allow_short: bool = field(default=False, validator=_flag)
    #: Quantities are rounded down to a multiple of this.
    quantity_step: Decimal = field(
        default=Decimal("0.00000001"), converter=_decimal("quantity_step"), validator=_positive
    )
    #: Orders below this quantity (after rounding) are rejected.
    min_quantity: Decimal = field(
        default=Decimal(0), converter=_decimal("min_quantity"), validator=_non_negative
    )
    #: Fill and limit prices are rounded to a multiple of this, against the trader.
    price_tick: Decimal = field(
        default=Decimal("0.00000001"), converter=_decimal("price_tick"), validator=_positive
    )
    #: Fees are rounded *up* to a multiple of this (venues never round a fee in your favour).
    fee_tick: Decimal = field(
        default=Decimal("0.00000001"), converter=_decimal("fee_tick"), validator=_positive
    )
    #: A resting limit fills when the bar merely touches it (``low == limit``) rather than trading
    #: through it. Off by default: a touch does not prove the queue reached your order.
    fill_limit_on_touch: bool = field(default=False, validator=_flag)
    #: Who matches orders against bars and books the fills: ``python`` (this package) or ``rust``
    #: (the execution engine with the paper venue's rules; same results, see the README).
    engine: str = field(default="rust", validator=_engine)
