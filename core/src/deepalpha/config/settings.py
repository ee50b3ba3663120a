"""``Settings``: the configuration as the product description loads it in a script.

``Settings.from_file("config/development.yaml")`` is the layered loader of the CLI
(:func:`~deepalpha.config.loader.load_raw`: packaged defaults, an environment overlay, the file,
``${VAR}`` substitution) structured by the same strict converter. ``Settings`` *is* a
:class:`~deepalpha.config.schema.Config` with no keys of its own, so it goes wherever a ``Config``
goes (``deepalpha.engine.runner.run``, ``attrs.evolve``); it only remembers where it came from.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from .converter import structure
from .loader import ENV_VAR, ENVIRONMENTS, load_raw
from .schema import Config

log = logging.getLogger(__name__)


@frozen
class Settings(Config):
    """A validated configuration, plus the file and environment it was loaded from.

    ``path`` and ``env`` are not configuration keys: they are not read from or written to YAML,
    and ``attrs.evolve`` does not carry them.
    """

    #: The file the settings were read from, or ``None`` (packaged defaults only).
    path: str | None = field(default=None, init=False, eq=False)
    #: The packaged environment overlay applied (``development``, ``production``, ``backtest``).
    env: str | None = field(default=None, init=False, eq=False)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        env: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> Settings:
        """The packaged defaults, the ``env`` overlay (default ``$DEEPALPHA_ENV``), then ``path``.

        A path that does not exist but is named after an environment
        (``config/development.yaml``, as the product description writes it, in a directory
        without such a file) loads that environment's packaged overlay instead, with a warning
        naming the file; any other missing file is an error.
        """
        file = Path(path)
        env = env if env is not None else os.environ.get(ENV_VAR) or None
        if not file.exists() and file.suffix in (".yaml", ".yml") and file.stem in ENVIRONMENTS:
            env = env or file.stem
            log.warning(
                "%s does not exist; using DeepAlpha's packaged %r settings (write the file to "
                "change them: `deepalpha config show --env %s` prints them)",
                file,
                env,
                env,
            )
            return cls._build(load_raw(None, env, overrides), f"<packaged {env}.yaml>", None, env)
        return cls._build(load_raw(file, env, overrides), str(file), str(file), env)

    @classmethod
    def defaults(
        cls, *, env: str | None = None, overrides: dict[str, Any] | None = None
    ) -> Settings:
        """The packaged defaults (with the ``env`` overlay, default ``$DEEPALPHA_ENV``)."""
        env = env if env is not None else os.environ.get(ENV_VAR) or None
        return cls._build(load_raw(None, env, overrides), "config", None, env)

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        """``config`` as ``Settings`` (unchanged when it already is)."""
        if isinstance(config, Settings):
            return config
        values = {a.name: getattr(config, a.name) for a in attrs.fields(Config)}
        return cls(**values)

    @classmethod
    def _build(cls, raw: dict[str, Any], source: str, path: str | None, env: str | None):
        settings = structure(raw, cls, "", source=source)
        # Frozen: set the two provenance fields once, here, as attrs' own __init__ would.
        object.__setattr__(settings, "path", path)
        object.__setattr__(settings, "env", env)
        return settings
