"""The cattrs converter of the configuration boundary.

Strict on purpose: YAML turns ``off`` into ``False`` and ``1.5`` into a float, and a lenient
converter would then quietly make ``bool("false")`` true or ``int(1.5)`` one. Every structuring
error is re-raised as ``ConfigError`` with the dotted key path, the bad value and what was expected.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from ..errors import ConfigError

_LITERAL = re.compile(r"^(.*) not in literal typing\.Literal\[(.*)\]$")
#: Validators write "field: message"; the field joins the key path.
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*): (.*)$", re.S)


def _strict_bool(value: Any, _type: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected true or false, got {value!r}")


def _strict_int(value: Any, _type: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected an integer, got {value!r}")


def _strict_float(value: Any, _type: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def _strict_str(value: Any, _type: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {value!r}")


def _decimal(value: Any, _type: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"expected a decimal number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"expected a decimal number, got {value!r}") from None


def make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_unstructure_hook(Decimal, str)
    return conv


converter = make_converter()


def _messages(exc: BaseException, path: str) -> list[str]:
    """Flatten cattrs' exception groups into ``path: message`` lines."""
    out: list[str] = []
    if isinstance(exc, ForbiddenExtraKeysError):
        keys = ", ".join(sorted(exc.extra_fields))
        allowed = ""
        cls = getattr(exc, "cl", None)
        if cls is not None and hasattr(cls, "__attrs_attrs__"):
            allowed = "; valid keys: " + ", ".join(a.name for a in cls.__attrs_attrs__)
        out.append(f"{path or '<top level>'}: unknown key(s) {keys}{allowed}")
    elif isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            name = getattr(note, "name", None)
            index = getattr(note, "index", None)
            key = name if name is not None else index
            if key is None:
                sub_path = path
            elif isinstance(key, int) and name is None:
                sub_path = f"{path}[{key}]"
            else:
                sub_path = f"{path}.{key}" if path else str(key)
            out.extend(_messages(sub, sub_path))
        for sub in without:
            out.extend(_messages(sub, path))
    elif isinstance(exc, ExceptionGroup):
        for sub in exc.exceptions:
            out.extend(_messages(sub, path))
    elif isinstance(exc, KeyError):
        out.append(f"{path}: required key {exc.args[0]!r} is missing")
    else:
        text = str(exc)
        if "missing 1 required positional argument" in text or "required keyword-only" in text:
            name = text.rsplit(" ", 1)[-1].strip("'")
            out.append(f"{path + '.' if path else ''}{name}: required key is missing")
        elif match := _LITERAL.match(text):
            value, options = match.groups()
            choices = ", ".join(o.strip() for o in options.split(","))
            out.append(f"{path}: must be one of {choices}; got {value!r}")
        elif match := _FIELD.match(text):
            name, rest = match.groups()
            out.append(f"{path + '.' if path else ''}{name}: {rest}")
        else:
            out.append(f"{path or '<top level>'}: {text}")
    return out


def structure(data: Any, cls: type, path: str, *, source: str = "config") -> Any:
    """Structure ``data`` into ``cls``, raising one ``ConfigError`` that names every bad key."""
    if data is None:
        data = {}
    if not isinstance(data, dict) and hasattr(cls, "__attrs_attrs__"):
        raise ConfigError(f"{source}: {path or '<top level>'}: expected a mapping, got {data!r}")
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs raises groups and plain errors alike
        lines = _messages(exc, path)
        head = f"{source}: " if source else ""
        if len(lines) == 1:
            raise ConfigError(head + lines[0]) from None
        raise ConfigError(head + "; ".join(lines)) from None
