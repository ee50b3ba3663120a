"""Everything a run builds, checked and built without running: what ``config validate`` does.

``prepare(config, mode, plugins)`` refuses, with one line naming the key path, every configuration
a run would refuse later: an unknown timeframe, a window date that is not ISO or a start not before
its end, symbols given as one string or twice, no agent enabled, an LLM provider named under
``decision.llm.providers`` but not configured, a database URL that is neither SQLite nor
PostgreSQL, a database or report folder that cannot be written, a component that is unknown, has
bad options, or whose plugin's factory raises or returns the wrong kind of object. It then builds
the components (``engine.components.build_components``) and hands them back in a ``Prepared``, so
``deepalpha config validate`` and a run refuse exactly the same configurations: the run calls
``prepare`` first and uses what it built.

Nothing here touches market data or the database: no bars are read and no database is created
(a SQLite file's folder is only checked to be writable). Plugins that failed to load and that the
configuration does not use are reported as warnings (``Prepared.warnings``, also logged); a failed
plugin that may provide a component the configuration names makes that name's error say so.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from ..config import Config
from ..data import TIMEFRAMES
from ..domain import datetime_to_ms
from ..errors import ComponentBuildError, ConfigError, PluginError, UserError, in_source
from ..plugins import DeepAlphaPlugins, describe_not_loaded, get_plugin_manager
from .components import Components, build_components, resolve_options

log = logging.getLogger(__name__)

#: ``None`` is ``config validate``: every mode's settings are checked.
MODES = ("backtest", "paper", "live")


@attrs.frozen
class Window:
    """A run's time window from ``<section>.start`` / ``.end``, as epoch ms UTC (end exclusive)."""

    section: str
    start: int | None
    end: int | None


@attrs.frozen
class Prepared:
    """What ``prepare`` checked and built; the run takes it from here.

    ``components`` is what ``build_components`` returned (built once; the run must close them,
    ``close()`` does). ``window`` is the window the run reads bars from: ``backtest`` for a
    backtest, ``paper`` for a replayed paper run, ``None`` for a live feed (and for validation,
    where ``windows`` holds both). ``step_ms`` is the bar length of ``market.timeframe``.
    ``database`` is the storage URL with any password masked; ``report_dir`` the folder reports go
    to. ``warnings`` are the one-line warnings already logged (plugins that failed to load and are
    not used).
    """

    config: Config
    mode: str | None
    components: Components = attrs.field(repr=False)
    step_ms: int
    window: Window | None
    windows: dict[str, Window]
    database: str
    report_dir: Path
    warnings: tuple[str, ...] = ()
    #: Consulted models whose training cutoff the window starts before (``cutoff.py``); for a
    #: window without a start, the runner decides once it has the data's first bar.
    exposures: tuple = ()

    def close(self) -> None:
        """Close what was built (LLM providers, gateway, data source); errors are logged."""
        _close_components(self.components)


def prepare(
    config: Config,
    mode: str | None = None,
    plugins: DeepAlphaPlugins | None = None,
    *,
    report: bool = True,
    source: str | None = None,
) -> Prepared:
    """Check ``config`` for a run in ``mode`` and build its components, or raise one ``UserError``.

    ``mode`` is ``backtest``, ``paper`` or ``live``; ``None`` checks the settings of every mode
    (``config validate``). ``report=False`` skips the report folder check (``--no-report``).
    ``source`` (the configuration file) starts every error message when given.
    """
    try:
        return _prepare(config, mode, plugins or get_plugin_manager(), report)
    except UserError as exc:
        raise in_source(exc, source) from None


def _prepare(config: Config, mode: str | None, plugins: DeepAlphaPlugins, report: bool) -> Prepared:
    if mode is not None and mode not in MODES:
        raise ConfigError(f"mode {mode!r} is not one of: {', '.join(MODES)}")
    _check_strict_plugins(config, plugins)
    step_ms = _check_market(config)
    windows = _windows(config, mode)
    window = None
    if mode == "backtest":
        window = windows["backtest"]
    elif mode in ("paper", "live") and config.paper.feed == "replay":
        window = windows["paper"]
    _check_agents_and_llm(config)
    exposed = _check_cutoff(config, mode, window, windows)
    database = _check_storage(config.storage.url)
    report_dir = Path(config.app.report_dir).expanduser()
    if report:
        _check_folder(report_dir, "app.report_dir", "report folder")
    _resolve_all(config, plugins)
    components = _build(config, plugins)
    _check_decisions(config, components)
    warnings = _unused_failures(plugins)
    for warning in warnings:
        log.warning("%s", warning)
    return Prepared(
        config,
        mode,
        components,
        step_ms,
        window,
        windows,
        database,
        report_dir,
        warnings,
        tuple(exposed),
    )


def _check_cutoff(
    config: Config, mode: str | None, window: Window | None, windows: dict[str, Window]
) -> list:
    """The knowledge-cutoff guard for runs over history with a start date; ``config validate``
    (no mode) checks every window a run would (backtest, replayed paper)."""
    from .cutoff import guard

    checked = [window] if mode is not None else list(windows.values())
    found: list = []
    for w in checked:
        if w is not None and w.start is not None:
            found = guard(config, w.start, f"{w.section}.start") or found
    return found if mode is not None else []


def _check_decisions(config: Config, components: Components) -> None:
    """Build the decision engine as the run will (its cache connects to Redis when
    ``decision.cache.url`` is set), then let it go: an unreachable cache fails here too."""
    from .decision import DecisionEngine

    try:
        engine = DecisionEngine(
            config.decision,
            {wa.name: wa.weight for wa in components.agents},
            components.llm,
            allow_short=components.policy.allow_short,
        )
    except BaseException:
        _close_components(components)
        raise
    engine.close()


def _close_components(components: Components) -> None:
    for part in (*components.llm.values(), components.gateway, components.data):
        close = getattr(part, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                log.exception("closing %r failed", part)


# -- plugins -------------------------------------------------------------------------------------


def _check_strict_plugins(config: Config, plugins: DeepAlphaPlugins) -> None:
    if not config.plugins.strict:
        return
    if failures := plugins.failures():
        raise PluginError(f"plugins.strict is on and {describe_not_loaded(failures[0])}")
    if conflicts := plugins.conflicts():
        raise PluginError(f"plugins.strict is on and {conflicts[0]}")


def _configured(config: Config) -> list[tuple[str, str, dict[str, Any], str]]:
    """(kind, component name, options, key path) of every component the run would build."""
    out = [("data", config.market.source, config.market.options, "market")]
    out += [("agent", n, c.options, f"agents.{n}") for n, c in config.agents.items() if c.enabled]
    out += [
        (
            "llm",
            config.llm_providers[n].provider,
            config.llm_providers[n].options,
            f"llm_providers.{n}",
        )
        for n in config.decision.llm.providers
    ]
    out += [("risk", n, c.options, f"risk.{n}") for n, c in config.risk.items() if c.enabled]
    out.append(("gateway", config.gateway.name, config.gateway.options, "gateway"))
    return out


#: Where each kind's component name is written in the configuration, for ``kind: name`` errors.
_NAME_KEYS = {"data": "market.source", "gateway": "gateway.name"}


def _name_key(kind: str, path: str) -> str:
    if kind == "llm":
        return f"{path}.provider"
    return _NAME_KEYS.get(kind, path)


def _resolve_all(config: Config, plugins: DeepAlphaPlugins) -> None:
    """Resolve every configured name and validate its options, naming the key path on failure."""
    for kind, name, options, path in _configured(config):
        try:
            spec = plugins.resolve(kind, name)
        except PluginError as exc:
            raise PluginError(f"{_name_key(kind, path)}: {exc}") from None
        if kind == "gateway" and getattr(spec, "live", False) and not config.live.enabled:
            # Before its options: the real-money gate is the first thing to hear about.
            raise PluginError(
                f"gateway.name: gateway {name!r} trades real money; set live.enabled: true in "
                "the configuration to allow it (paper trading is the default)"
            )
        resolve_options(plugins, kind, name, options, path)


def _unused_failures(plugins: DeepAlphaPlugins) -> tuple[str, ...]:
    """Every configured name resolved, so the plugins that failed to load are not used here."""
    lines = (
        f"{describe_not_loaded(info)}; this configuration does not use it"
        for info in plugins.failures()
    )
    return tuple(dict.fromkeys(lines))


def _build(config: Config, plugins: DeepAlphaPlugins) -> Components:
    try:
        return build_components(config, plugins)
    except ComponentBuildError as exc:
        raise PluginError(f"{_component_key(config, exc.kind, exc.name)}: {exc}") from None
    except ConfigError as exc:
        raise ConfigError(_option_written_where(str(exc), config)) from None


#: ``agents.<name>.options.<key>: ...`` or ``agents.<name>.options: <key>: ...`` (a factory's
#: complaint about one option, as ``build_components`` reports it).
_AGENT_OPTION = re.compile(
    r"^agents\.(?P<agent>[^.:\s]+)\.options(?:\.(?P<key>\w+)|: (?P<field>\w+):)(?P<rest>.*)$",
    re.S,
)


def _option_written_where(message: str, config: Config) -> str:
    """Name an agent option where the user wrote it: flat (``agents.trend.periods``) or not."""
    match = _AGENT_OPTION.match(message)
    if match is None:
        return message
    agent, key = match["agent"], match["key"] or match["field"]
    rest = match["rest"] if match["key"] else f":{match['rest']}"
    options = config.agents[agent].options if agent in config.agents else {}
    if key in getattr(options, "flat", ()):
        return f"agents.{agent}.{key}{rest}"
    return f"agents.{agent}.options.{key}{rest}"


def _component_key(config: Config, kind: str, name: str) -> str:
    if kind == "agent":
        return f"agents.{name}"
    if kind == "risk":
        return f"risk.{name}"
    if kind == "llm":
        for configured in config.decision.llm.providers:
            provider = config.llm_providers.get(configured)
            if provider is not None and provider.provider == name:
                return f"llm_providers.{configured}"
        return "decision.llm.providers"
    return _NAME_KEYS.get(kind, kind)


# -- settings the engine reads itself ------------------------------------------------------------


def _check_market(config: Config) -> int:
    market = config.market
    if market.timeframe not in TIMEFRAMES:
        raise ConfigError(
            f"market.timeframe: {market.timeframe!r} is not a timeframe; valid: "
            f"{', '.join(TIMEFRAMES)}"
        )
    seen: set[str] = set()
    for index, symbol in enumerate(market.symbols):
        if not symbol.strip():
            raise ConfigError(f"market.symbols[{index}]: a symbol must not be empty")
        if symbol in seen:
            raise ConfigError(f"market.symbols[{index}]: {symbol!r} is listed twice")
        seen.add(symbol)
    return TIMEFRAMES[market.timeframe]


def parse_when(value: str | None, key: str) -> int | None:
    """An ISO date or datetime (UTC when naive) as epoch ms; errors name the key path."""
    if value is None or value == "":
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{key}: not an ISO date or datetime: {value!r} (write e.g. 2020-01-31 or "
            "2020-01-31T12:00)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return datetime_to_ms(dt)


def _window(section: str, start: str | None, end: str | None) -> Window:
    first = parse_when(start, f"{section}.start")
    last = parse_when(end, f"{section}.end")
    if first is not None and last is not None and first >= last:
        raise ConfigError(
            f"{section}.start: {start} is not before {section}.end {end} (the end is exclusive)"
        )
    return Window(section, first, last)


def _windows(config: Config, mode: str | None) -> dict[str, Window]:
    out = {}
    if mode in (None, "backtest"):
        out["backtest"] = _window("backtest", config.backtest.start, config.backtest.end)
    if mode is None or (mode in ("paper", "live") and config.paper.feed == "replay"):
        out["paper"] = _window("paper", config.paper.start, config.paper.end)
    return out


def _check_agents_and_llm(config: Config) -> None:
    if not any(agent.enabled for agent in config.agents.values()):
        configured = ", ".join(config.agents) or "none configured"
        raise ConfigError(
            f"agents: no agent is enabled (configured: {configured}); enable at least one"
        )
    providers = config.decision.llm.providers
    for index, name in enumerate(providers):
        if name in providers[:index]:
            raise ConfigError(f"decision.llm.providers[{index}]: {name!r} is listed twice")
        if name not in config.llm_providers:
            valid = ", ".join(config.llm_providers) or "none configured"
            raise ConfigError(
                f"decision.llm.providers[{index}]: {name!r} is not configured under "
                f"llm_providers (configured: {valid})"
            )


#: Drivers ``storage.connect.parse`` accepts (kept here too: importing ``deepalpha.storage`` loads
#: the table models, seconds that ``config validate`` does not need).
_SQLITE = {"sqlite", "sqlite+pysqlite"}
_POSTGRES = {"postgres", "postgresql", "postgresql+psycopg"}


def _check_storage(url: str) -> str:
    """The storage URL masked, after checking it is SQLite or PostgreSQL and SQLite's folder."""
    from sqlalchemy.engine import make_url

    scheme, sep, _rest = url.partition("://")
    shown = f"{scheme}{sep}..." if sep else repr(url)
    try:
        parsed = make_url(url.strip())
    except Exception:
        raise ConfigError(
            f"storage.url: {shown} is not a database URL; use sqlite:///path/file.db or "
            "postgresql+psycopg://user:password@host:port/database"
        ) from None
    masked = parsed.render_as_string(hide_password=True)
    if parsed.drivername not in _SQLITE | _POSTGRES:
        raise ConfigError(
            f"storage.url: unsupported database {masked}: use sqlite:///path/file.db or "
            "postgresql+psycopg://user:password@host:port/database"
        )
    if parsed.drivername in _SQLITE and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database).expanduser()
        if path.exists():
            if path.is_dir():
                raise ConfigError(f"storage.url: database {path} is a directory")
            if not os.access(path, os.R_OK | os.W_OK):
                raise ConfigError(f"storage.url: database {path} is not writable")
        # SQLite writes its journal (-wal, -shm) next to the file: the folder must be writable.
        _check_folder(path.parent, "storage.url", "database folder")
    return masked


def _check_folder(folder: Path, key: str, what: str) -> None:
    """``folder`` is, or can be created as, a writable directory (nothing is created here)."""
    existing = folder
    while not existing.exists():
        if existing.is_symlink():
            raise ConfigError(f"{key}: {what} {folder}: {existing} is a broken link")
        parent = existing.parent
        if parent == existing:
            break
        existing = parent
    if not existing.is_dir():
        if existing == folder:
            raise ConfigError(f"{key}: {what} {folder} is not a directory")
        raise ConfigError(
            f"{key}: {what} {folder} cannot be created: {existing} is a file, not a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == folder else f" ({existing} is not writable)"
        raise ConfigError(f"{key}: {what} {folder} is not writable{where}")
