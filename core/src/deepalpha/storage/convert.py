"""The one cattrs converter of the storage boundary: domain objects <-> row mappings.

Table columns carry the domain field names (see ``tables.py``), so a row is the unstructured
domain object plus the keys that place it (``run_id``, timestamps of the write). Structuring ignores
those extra keys. Enums travel as their values, ``Decimal`` as itself (the column type makes it
exact per backend), and a decision's signals as a JSON list of plain mappings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any, TypeVar

import cattrs

T = TypeVar("T")

converter = cattrs.Converter()


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Only JSON payloads can hand us a float here; go through repr, never binary expansion.
        return Decimal(repr(value))
    return Decimal(value)


converter.register_unstructure_hook(Decimal, lambda value: value)
converter.register_structure_hook(Decimal, _structure_decimal)


def to_row(obj: Any, **placement: Any) -> dict[str, Any]:
    """Row mapping for a domain object, with ``placement`` columns (``run_id=...``) added."""
    row = converter.unstructure(obj)
    row.update(placement)
    return row


def from_row(row: Mapping[str, Any], cls: type[T]) -> T:
    """Domain object from a row mapping; columns that are not fields of ``cls`` are ignored."""
    return converter.structure(dict(row), cls)


def _json_default(value: Any) -> Any:
    # Configs and summaries hold values json cannot encode; store them readably and exactly.
    if isinstance(value, Decimal | PurePath):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "__attrs_attrs__"):
        return converter.unstructure(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a JSON column: {value!r}")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """The JSON serializer of JSON columns.

    NaN and infinities are not JSON (PostgreSQL refuses them), yet a summary legitimately holds a
    NaN Sharpe ratio for a run without trades: they are stored as ``null``, the JSON for "no value".
    """
    try:
        return json.dumps(value, default=_json_default, allow_nan=False, ensure_ascii=False)
    except ValueError:
        return json.dumps(
            _finite(value), default=_json_default, allow_nan=False, ensure_ascii=False
        )
