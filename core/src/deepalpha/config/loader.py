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


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}{where}: invalid YAML: {problem}") from None
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
    """Deep merge: mappings merge key by key, anything else in ``overlay`` replaces."""
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def substitute(data: Any, environ: dict[str, str], path: str = "") -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of ``data``."""
    if isinstance(data, dict):
        return {
            k: substitute(v, environ, f"{path}.{k}" if path else str(k)) for k, v in data.items()
        }
    if isinstance(data, list):
        return [substitute(v, environ, f"{path}[{i}]") for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{path}: environment variable {name} is not set (used as ${{{name}}})")

    return _VAR.sub(repl, data)


def load_raw(
    path: str | os.PathLike[str] | None = None,
    env: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data = _packaged("default")
    env = env if env is not None else os.environ.get(ENV_VAR)
    if env:
        if env not in ENVIRONMENTS:
            raise ConfigError(f"environment {env!r} is not one of: {', '.join(ENVIRONMENTS)}")
        data = merge(data, _packaged(env))
    if path is not None:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file {file} does not exist") from None
        except OSError as exc:
            raise ConfigError(f"config file {file}: {exc.strerror}") from None
        data = merge(data, _read_yaml(text, str(file)))
    if overrides:
        data = merge(data, overrides)
    return substitute(data, dict(os.environ))


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """The validated configuration; raises ``ConfigError`` naming the key path of any mistake."""
    source = str(path) if path is not None else "config"
    return structure(load_raw(path, env, overrides), Config, "", source=source)


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
