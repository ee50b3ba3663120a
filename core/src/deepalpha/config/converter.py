"""The cattrs converter of the configuration boundary.

Strict on purpose: YAML turns ``off`` into ``False`` and ``1.5`` into a float, and a lenient
converter would then quietly make ``bool("false")`` true or ``int(1.5)`` one; a string where a
list belongs (``symbols: BTC/USD``) would become a list of characters. Every structuring error is
re-raised as ``ConfigError`` with the dotted key path, the bad value and what was expected.

Two shapes are accepted beyond the schema's own:

- an empty section (``risk:`` with nothing under it, YAML's null) is an empty mapping;
- an agent's options may be written flat, as the product description does
  (``agents.technical.timeframes: [1h, 4h]``): under ``agents.<name>`` every key other than
  ``enabled``, ``weight`` and ``options`` is one of the agent's options. Errors about such a key
  still name it where it was written (``agents.technical.timeframes``), and a key given both flat
  and under ``options`` is an error naming both;
- an LLM provider likewise, as the product description writes it
  (``llm_providers.openai: {api_key: ..., model: gpt-4, weight: 0.4}``): keys that are not the
  engine's (``provider``, ``weight``, ``price``, limits...) are the provider's options, and a
  missing ``provider`` is the entry's own name (``openai`` uses the ``openai`` plugin).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    list_structure_factory,
    mapping_structure_factory,
)
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn

from ..errors import ConfigError, describe

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
    if isinstance(value, date):
        # YAML reads an unquoted ``start: 2020-01-01`` as a date; the schema keeps ISO text.
        return value.isoformat()
    raise TypeError(f"expected a string, got {value!r}")


def _decimal(value: Any, _type: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"expected a decimal number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"expected a decimal number, got {value!r}") from None


class FlatOptions(dict):
    """An agent's options mapping that remembers which keys were written flat.

    ``flat`` holds the keys given as ``agents.<name>.<key>`` rather than under ``options``, so
    that ``structure`` names them where the user wrote them. Equal to the plain dict of its items.
    """

    flat: frozenset[str] = frozenset()
    #: The keys of the owning entry that are not options (named in "valid keys" messages).
    owner_keys: tuple[str, ...] = ()


#: Keys of ``agents.<name>`` that belong to the engine; any other key is one of the agent's options.
COMPONENT_KEYS = ("enabled", "weight", "options")
#: The same for ``llm_providers.<name>`` (``LLMProviderConfig``'s fields).
PROVIDER_KEYS = (
    "provider",
    "options",
    "weight",
    "price",
    "cutoff",
    "requests_per_minute",
    "tokens_per_minute",
    "max_wait_s",
    "timeout_s",
    "failure_threshold",
    "cooldown_s",
)


def _is_list_like(type_: Any) -> bool:
    origin = get_origin(type_)
    if origin is list:
        return True
    args = get_args(type_)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _list_like_hook(type_: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Lists and ``tuple[X, ...]``: refuse a string or a mapping instead of iterating over it."""
    if get_origin(type_) is tuple:
        base = homogenous_tuple_structure_factory(type_, conv)
    else:
        base = list_structure_factory(type_, conv)

    def hook(value: Any, _type: Any) -> Any:
        if value is None:
            raise TypeError("expected a list, got nothing (write [] for an empty list)")
        if isinstance(value, str | bytes):
            raise TypeError(f"expected a list, got the string {value!r}; write [{value}]")
        if isinstance(value, dict):
            raise TypeError(f"expected a list, got a mapping {value!r}")
        return base(value, _type)

    return hook


def _attrs_hook(type_: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Attrs classes: an empty section (null) is an empty mapping, anything else must be one."""
    base = make_dict_structure_fn(type_, conv)

    def hook(value: Any, _type: Any) -> Any:
        if value is None:
            value = {}
        elif not isinstance(value, dict):
            raise TypeError(f"expected a mapping, got {value!r}")
        return base(value, _type)

    return hook


def _is_mapping(type_: Any) -> bool:
    return get_origin(type_) is dict


def _mapping_hook(type_: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """``dict[K, V]``: null is empty; flat agent options keep their ``FlatOptions`` marker."""
    value_type = (get_args(type_) or (Any, Any))[1]
    base = mapping_structure_factory(type_, conv)

    def hook(value: Any, _type: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping, got {value!r}")
        if isinstance(value, FlatOptions) and value_type is Any:
            out = FlatOptions(base(value, _type))
            out.flat = value.flat
            return out
        return base(value, _type)

    return hook


def make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook_factory(_is_list_like, _list_like_hook)
    conv.register_structure_hook_factory(_is_mapping, _mapping_hook)
    conv.register_structure_hook_factory(attrs.has, _attrs_hook)
    conv.register_unstructure_hook(Decimal, str)
    return conv


converter = make_converter()


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _messages(exc: BaseException, path: str, flat: _Flat) -> list[str]:
    """Flatten cattrs' exception groups into ``path: message`` lines."""
    out: list[str] = []
    if isinstance(exc, ForbiddenExtraKeysError):
        cls = getattr(exc, "cl", None)
        fields = [a.name for a in attrs.fields(cls)] if cls is not None and attrs.has(cls) else []
        written_flat = sorted(k for k in exc.extra_fields if flat.holds(path, k))
        nested = sorted(k for k in exc.extra_fields if k not in written_flat)
        if written_flat:
            valid = ", ".join([*flat.owner_keys, *fields])
            out.append(
                f"{flat.owner}: unknown key(s) {', '.join(written_flat)}; valid keys: {valid}"
            )
        if nested:
            allowed = f"; valid keys: {', '.join(fields)}" if fields else ""
            out.append(f"{path or '<top level>'}: unknown key(s) {', '.join(nested)}{allowed}")
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
                sub_path = flat.rename(path, key)
            out.extend(_messages(sub, sub_path, flat))
        for sub in without:
            out.extend(_messages(sub, path, flat))
    elif isinstance(exc, ExceptionGroup):
        for sub in exc.exceptions:
            out.extend(_messages(sub, path, flat))
    elif isinstance(exc, KeyError):
        out.append(f"{path}: required key {exc.args[0]!r} is missing")
    else:
        text = describe(exc)
        if "missing 1 required positional argument" in text or "required keyword-only" in text:
            name = text.rsplit(" ", 1)[-1].strip("'")
            out.append(f"{flat.rename(path, name)}: required key is missing")
        elif match := _LITERAL.match(text):
            value, options = match.groups()
            choices = ", ".join(o.strip() for o in options.split(","))
            out.append(f"{path}: must be one of {choices}; got {value!r}")
        elif match := _FIELD.match(text):
            name, rest = match.groups()
            out.append(f"{flat.rename(path, name)}: {rest}")
        else:
            out.append(f"{path or '<top level>'}: {text}")
    return out


@attrs.frozen
class _Flat:
    """Where flat-written option keys are named: ``owner.key`` instead of ``owner.options.key``."""

    options_path: str = ""
    owner: str = ""
    keys: frozenset[str] = frozenset()
    owner_keys: tuple[str, ...] = COMPONENT_KEYS

    def holds(self, path: str, key: str) -> bool:
        return path == self.options_path and key in self.keys

    def rename(self, path: str, key: Any) -> str:
        if self.holds(path, key):
            return _join(self.owner, key)
        return _join(path, key)


_NOT_FLAT = _Flat()


def flatten_agents(data: dict[str, Any]) -> dict[str, Any]:
    """Move the flat option keys of every ``agents.<name>`` and ``llm_providers.<name>`` mapping
    into its ``options``, and name a provider entry's plugin after the entry when not given.

    Returns ``data`` unchanged when there is nothing to move; otherwise a copy whose moved
    options are ``FlatOptions`` remembering which keys were flat.
    """
    out = data
    for section, keys in (("agents", COMPONENT_KEYS), ("llm_providers", PROVIDER_KEYS)):
        entries = out.get(section)
        if not isinstance(entries, dict):
            continue
        moved = flatten_section(section, entries, keys)
        if moved is not entries:
            out = {**out, section: moved}
    return out


def flatten_section(
    section: str, entries: dict[str, Any], keys: tuple[str, ...], *, name_provider: bool = True
) -> dict:
    """One section of ``flatten_agents``; ``name_provider=False`` leaves a missing ``provider``
    missing (a configuration layer that only overrides an entry another layer names)."""
    out: dict[str, Any] = {}
    changed = False
    for name, entry in entries.items():
        if (
            name_provider
            and isinstance(entry, dict)
            and section == "llm_providers"
            and "provider" not in entry
        ):
            entry = {"provider": str(name), **entry}
            changed = True
        if not isinstance(entry, dict) or all(key in keys for key in entry):
            out[name] = entry
            continue
        flat = {k: v for k, v in entry.items() if k not in keys}
        options = entry.get("options")
        if options is None:
            options = {}
        if not isinstance(options, dict):
            out[name] = entry  # the converter reports the bad options value
            continue
        for key in sorted(flat.keys() & options.keys(), key=str):
            raise ConfigError(
                f"{section}.{name}.{key}: given twice, as {section}.{name}.{key} and as "
                f"{section}.{name}.options.{key}; keep one"
            )
        merged = FlatOptions({**options, **flat})
        merged.flat = frozenset(str(k) for k in flat)
        merged.owner_keys = keys
        out[name] = {**{k: v for k, v in entry.items() if k in keys}, "options": merged}
        changed = True
    return out if changed else entries


def structure(data: Any, cls: type, path: str, *, source: str | None = None) -> Any:
    """Structure ``data`` into ``cls``, raising one ``ConfigError`` that names every bad key.

    ``source`` (the file) starts the message when given. For the top-level configuration,
    flat agent options are moved under ``options`` first (see the module docstring).
    """
    head = f"{source}: " if source else ""
    if data is None:
        data = {}
    if not isinstance(data, dict) and attrs.has(cls):
        raise ConfigError(f"{head}{path or '<top level>'}: expected a mapping, got {data!r}")
    flat = _NOT_FLAT
    if not path and isinstance(data, dict) and "agents" in attrs.fields_dict(cls):
        try:
            data = flatten_agents(data)
        except ConfigError as exc:
            raise ConfigError(f"{head}{exc}") from None
    elif isinstance(data, FlatOptions) and data.flat and path.endswith(".options"):
        flat = _Flat(
            path, path.removesuffix(".options"), data.flat, data.owner_keys or COMPONENT_KEYS
        )
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs raises groups and plain errors alike
        lines = _messages(exc, path, flat)
        raise ConfigError(head + "; ".join(lines)) from None
