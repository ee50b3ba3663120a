"""Column types that keep booked values exact on every backend.

SQLite has no exact decimal type: its ``NUMERIC`` affinity turns ``0.1`` into a binary float. So a
``Decimal`` is stored as its canonical text on SQLite and as an unconstrained ``NUMERIC`` on
PostgreSQL (arbitrary precision, exact, and still summable in SQL by people querying the database).
Either way the value read back compares equal to the value written.

These types are part of the migration contract: revisions import them, so never change what an
existing type stores; add a new type instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class ExactDecimal(TypeDecorator[Decimal]):
    """A finite ``Decimal``: TEXT on SQLite, NUMERIC (no precision limit) on PostgreSQL.

    Floats are refused on the way in: a float reaching a booked column means a rounding already
    happened upstream, and silently storing it would hide that bug.
    """

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.Numeric(asdecimal=True))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
            raise TypeError(
                f"booked amounts must be Decimal, int or str, got {type(value).__name__} {value!r}"
            )
        exact = Decimal(value)
        if not exact.is_finite():
            raise ValueError(f"booked amounts must be finite, got {value!r}")
        return exact if dialect.name == "postgresql" else str(exact)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)

    @property
    def python_type(self) -> type:
        return Decimal


#: Epoch milliseconds. SQLite's INTEGER is 64-bit already; BIGINT makes PostgreSQL agree.
EpochMs = sa.BigInteger

#: Surrogate keys of append-only tables. SQLite only auto-increments ``INTEGER PRIMARY KEY`` (the
#: rowid alias), so the variant keeps it there while PostgreSQL gets a 64-bit identity.
RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
