"""Reading configuration files.

Layers, later ones winning key by key: the packaged ``default.yaml``, the packaged overlay for the
environment (``development``, ``production``, ``backtest``) and the user's file. ``${VAR}`` and
``${VAR:-default}`` are replaced from the environment after merging, so secrets never need to be
written into a file; a variable that is unset and has no default is an error naming the key.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .converter import converter, structure
from .schema import Config

ENVIRONMENTS = ("development", "production", "backtest")
ENV_VAR = "DEEPALPHA_ENV"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_WORDS = ("key", "secret", "password", "token", "passphrase")


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_duplicate_keys(node: yaml.Node, source: str, path: str = "") -> None:
    """Refuse a key given twice in one mapping.

    PyYAML keeps the last value silently, so a second ``risk:`` section replaced the first
    whole (and a 1% stop-loss became the default 5%). Merge keys (``<<: *base``) may be overridden
    on purpose and are not counted.
    """
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            line = key_node.start_mark.line + 1
            key = (key_node.tag, key_node.value)
            where = _key_path(path, key_node.value)
            if key in seen:
                raise ConfigError(
                    f"{source}: {where}: key given twice, on line {seen[key]} and line {line}; "
                    "YAML would keep only the second: merge them into one"
                )
            seen[key] = line
            _check_duplicate_keys(value_node, source, where)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_duplicate_keys(item, source, f"{path}[{index}]")


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # checks the characters already
        node = loader.get_single_node()
        if node is not None:
            _check_duplicate_keys(node, source)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if isinstance(exc, yaml.reader.ReaderError):
            # A character YAML does not allow (a NUL, a control character): say which, and where.
            line = text.count("\n", 0, exc.position) + 1
            where = f" line {line}"
            char = exc.character
            code = char if isinstance(char, int) else ord(char)
            problem = f"character U+{code:04X} is not allowed in YAML ({exc.reason})"
        else:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}{where}: invalid YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping at the top level, got {type(data).__name__}"
        )
    return data


def _packaged(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return _read_yaml(text, f"<packaged {name}.yaml>")


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else in ``overlay`` replaces.

    An empty value over a mapping (``risk:`` with nothing under it) is an empty mapping, which
    changes nothing: the section keeps its defaults. A rule or agent is turned off with
    ``enabled: false``, never by leaving its section empty.
    """
    out = dict(base)
    for key, value in overlay.items():
        if value is None and isinstance(out.get(key), dict):
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def substitute(data: Any, environ: dict[str, str], path: str = "") -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of ``data``."""
    return _substitute(data, environ, (path,) if path else ())


def _dotted(keys: tuple[Any, ...]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _substitute(data: Any, environ: dict[str, str], keys: tuple[Any, ...]) -> Any:
    if isinstance(data, dict):
        return {k: _substitute(v, environ, (*keys, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, environ, (*keys, i)) for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        error = ConfigError(
            f"{_dotted(keys)}: environment variable {name} is not set (used as ${{{name}}})"
        )
        error.keys = keys  # type: ignore[attr-defined]
        raise error

    return _VAR.sub(repl, data)


def _holds(data: Any, keys: tuple[Any, ...]) -> bool:
    for key in keys:
        found = (isinstance(data, dict) and key in data) or (
            isinstance(data, list) and isinstance(key, int) and key < len(data)
        )
        if not found:
            return False
        data = data[key]
    return True


def _sourced(error: ConfigError, source: str) -> ConfigError:
    out = ConfigError(f"{source}: {error}")
    out.source = source
    return out


def _read_text(file: Path) -> str:
    """The file as text: UTF-8 (a byte-order mark is allowed); anything else names the file."""
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {file} is a directory") from None
    except OSError as exc:
        raise ConfigError(f"config file {file}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{file} line {line}, column {column}: not UTF-8 text (byte "
            f"0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def load_raw(
    path: str | os.PathLike[str] | None = None,
    env: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The merged layers as plain data, variables substituted; errors name the file."""
    layers = [("<packaged default.yaml>", _packaged("default"))]
    env = env if env is not None else os.environ.get(ENV_VAR)
    if env:
        if env not in ENVIRONMENTS:
            raise ConfigError(f"environment {env!r} is not one of: {', '.join(ENVIRONMENTS)}")
        layers.append((f"<packaged {env}.yaml>", _packaged(env)))
    if path is not None:
        file = Path(path)
        try:
            layers.append((str(file), _read_yaml(_read_text(file), str(file))))
        except ConfigError as exc:
            exc.source = str(file)  # the message starts with the file already
            raise
    if overrides:
        layers.append(("command line", overrides))
    data: dict[str, Any] = {}
    for source, layer in layers:
        if isinstance(layer, dict) and isinstance(layer.get("llm_providers"), dict):
            # Each layer's flat provider keys move under ``options`` before merging, so a file's
            # ``openai: {model: gpt-4o}`` overrides the packaged ``openai.options.model``.
            try:
                layer = {**layer, "llm_providers": _plain_providers(layer["llm_providers"])}
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        data = merge(_switched(data, layer), layer)
    try:
        return substitute(data, dict(os.environ))
    except ConfigError as exc:
        keys = getattr(exc, "keys", ())
        # The value came from the last layer that sets this key: name that file.
        source = next((name for name, layer in reversed(layers) if _holds(layer, keys)), "config")
        raise _sourced(exc, source) from None


#: Sections whose ``options`` belong to the component their key names: a layer that names another
#: component starts from that component's defaults, not the earlier component's options.
_COMPONENT_SECTIONS = (("gateway", "name"), ("market", "source"))


def _switched(data: dict[str, Any], layer: Any) -> dict[str, Any]:
    """``data`` without the options of a component ``layer`` replaces (``gateway.name: ccxt``
    over the packaged ``paper`` would otherwise inherit ``initial_cash`` and fail as unknown
    keys of ``ccxt``)."""
    if not isinstance(layer, dict):
        return data
    out = data
    for section, key in _COMPONENT_SECTIONS:
        new, old = layer.get(section), data.get(section)
        if (
            isinstance(new, dict)
            and isinstance(old, dict)
            and key in new
            and new[key] != old.get(key)
            and "options" in old
        ):
            out = {**out, section: {k: v for k, v in old.items() if k != "options"}}
    return out


def _plain_providers(entries: dict[str, Any]) -> dict[str, Any]:
    """``llm_providers`` with flat option keys moved under ``options`` (plain dicts)."""
    from .converter import PROVIDER_KEYS, FlatOptions, flatten_section

    moved = flatten_section("llm_providers", entries, PROVIDER_KEYS, name_provider=False)
    return {
        name: {**entry, "options": dict(entry["options"])}
        if isinstance(entry, dict) and isinstance(entry.get("options"), FlatOptions)
        else entry
        for name, entry in moved.items()
    }


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """The validated configuration; raises ``ConfigError`` naming the key path of any mistake."""
    source = str(path) if path is not None else "config"
    raw = load_raw(path, env, overrides)
    try:
        return structure(raw, Config, "", source=source)
    except ConfigError as exc:
        exc.source = source  # the message starts with it already
        raise


def to_dict(config: Config) -> dict[str, Any]:
    return converter.unstructure(config)


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS)


_URL_PASSWORD = re.compile(r"(?P<head>[a-z0-9+]+://[^:/@\s]+:)(?P<pw>[^@\s]+)(?P<tail>@)")


def mask_secrets(data: Any, key: str = "") -> Any:
    """A copy with secret-looking values (keys containing key/secret/password/token, passwords in
    URLs) replaced by ``***``; used by ``config show`` and anything that logs configuration."""
    if isinstance(data, dict):
        return {k: mask_secrets(v, str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [mask_secrets(v, key) for v in data]
    if isinstance(data, str):
        if data and is_secret_key(key):
            return "***"
        return _URL_PASSWORD.sub(r"\g<head>***\g<tail>", data)
    return data
