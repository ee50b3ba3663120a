"""Discovering, loading and resolving plugins.

pluggy provides the hook calling; loading is our own, because pluggy's
``load_setuptools_entrypoints`` stops at the first plugin that fails to import and leaves every
command broken. Here each entry point is imported, registered and asked for its records on its own;
a failure unregisters that plugin and keeps a record of the error, and the rest keep working.
``deepalpha plugins list`` reports failures; ``strict`` (or ``DEEPALPHA_STRICT_PLUGINS=1``) turns
them into errors, which is what CI wants.

Two distributions declaring one entry-point name are both refused (status ``failed``, the error
naming both): loading whichever comes first on ``sys.path`` would silently swap one plugin for
another. Component factories are guarded too: a factory that raises (a heavy import missing inside
it) or returns the wrong kind of object becomes a ``ComponentBuildError`` naming the component, the
plugin and its distribution, instead of a traceback from deep inside a run.

Nothing is loaded at import time: ``get_plugin_manager()`` is a cached factory, and tests build a
fresh manager with ``load_plugins()``.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Iterable
from typing import Any

import attrs
import pluggy
from attrs import frozen

from . import PROJECT, hookspecs
from .entrypoints import entry_points as scan_entry_points
from .errors import ComponentBuildError, PluginError, PluginIncompatible, UserError, describe

ENTRY_POINT_GROUP = PROJECT
ENV_LOAD = "DEEPALPHA_LOAD_PLUGINS"
ENV_STRICT = "DEEPALPHA_STRICT_PLUGINS"

#: Registration hook name -> component kind of the records it returns.
REGISTRATION_HOOKS: dict[str, str] = {
    "register_data_sources": "data",
    "register_agents": "agent",
    "register_llm_providers": "llm",
    "register_risk_rules": "risk",
    "register_gateways": "gateway",
    "register_kernels": "kernel",
}

_KIND_LABELS = {
    "data": "data source",
    "agent": "agent",
    "llm": "LLM provider",
    "risk": "risk rule",
    "gateway": "gateway",
    "kernel": "kernel",
}


@frozen
class PluginInfo:
    """One entry point as ``plugins list`` shows it."""

    name: str
    distribution: str
    version: str
    status: str  # ok | failed | blocked | incompatible
    provides: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()
    error: str | None = None
    traceback: str | None = None
    counts: dict[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@frozen
class Provided:
    """A component record together with the plugin that registered it."""

    spec: Any
    plugin: str
    distribution: str


class DeepAlphaPlugins:
    """The loaded plugins: a pluggy manager plus the records and load failures we kept."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.hook = pm.hook
        self.infos: list[PluginInfo] = []
        #: Entry-point names declared by more than one distribution, as messages naming them.
        self.clashes: list[str] = []
        self._components: dict[tuple[str, str], list[Provided]] = {}

    # -- queries ----------------------------------------------------------------------------------

    def names(self, kind: str) -> list[str]:
        return sorted(name for (k, name) in self._components if k == kind)

    def components(self, kind: str) -> dict[str, Any]:
        return {name: self.resolve(kind, name) for name in self.names(kind)}

    def conflicts(self) -> list[str]:
        out = list(self.clashes)
        for (kind, name), providers in sorted(self._components.items()):
            if len(providers) > 1:
                out.append(_conflict_message(kind, name, providers))
        return out

    def resolve(self, kind: str, name: str) -> Any:
        """The record of the ``kind`` component called ``name``; a clear error otherwise."""
        providers = self._components.get((kind, name))
        label = _KIND_LABELS.get(kind, kind)
        if not providers:
            valid = ", ".join(self.names(kind)) or "none installed"
            raise PluginError(
                f"unknown {label} {name!r}; valid names: {valid}{self._missing_hint(name)}"
            )
        if len(providers) > 1:
            raise PluginError(_conflict_message(kind, name, providers))
        return providers[0].spec

    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos if info.status in ("failed", "incompatible")]

    def _missing_hint(self, name: str) -> str:
        """Which plugins that did not load may have provided ``name``, with their load errors.

        A plugin that did not load registered nothing, so what it would provide is unknown. One
        whose entry point or distribution is named after the component is named alone; otherwise
        every failed plugin is a candidate.
        """
        lowered = name.lower()
        not_loaded = [info for info in self.infos if info.status != "ok"]
        likely = [
            info
            for info in not_loaded
            if info.name.lower() == lowered
            or info.distribution.lower().replace("_", "-").endswith(f"-{lowered}")
            or (info.status != "blocked" and info.name.lower() in lowered)
        ]
        candidates = likely or [info for info in not_loaded if info.status != "blocked"]
        if not candidates:
            return ""
        parts = list(dict.fromkeys(describe_not_loaded(info) for info in candidates))
        lead = "; " if likely else "; it may come from a plugin that did not load: "
        return lead + "; ".join(parts)

    # -- loading ----------------------------------------------------------------------------------

    def _add(self, info: PluginInfo, records: dict[str, list[Any]]) -> None:
        self.infos.append(info)
        for kind, specs in records.items():
            for spec in specs:
                key = (kind, spec.name)
                if kind in _EXTENSION_POINTS:
                    spec = attrs.evolve(
                        spec, factory=GuardedFactory(spec.factory, kind, spec.name, info)
                    )
                self._components.setdefault(key, []).append(
                    Provided(spec, info.name, info.distribution)
                )


#: Component kind -> (module, class) every object its factory builds must be an instance of.
_EXTENSION_POINTS: dict[str, tuple[str, str]] = {
    "data": ("deepalpha.data", "DataSource"),
    "agent": ("deepalpha.agents", "Agent"),
    "llm": ("deepalpha.llm", "LLMProvider"),
    "risk": ("deepalpha.risk", "RiskRule"),
    "gateway": ("deepalpha.gateways", "Gateway"),
}


def _extension_point(kind: str) -> type:
    import importlib

    module, name = _EXTENSION_POINTS[kind]
    return getattr(importlib.import_module(module), name)


@frozen
class GuardedFactory:
    """A component factory that fails with one line naming the component and its plugin.

    ``ValueError`` and ``TypeError`` (the usual complaint about options) and ``UserError`` pass
    through, made readable, so the caller can name the options' key path; anything else the factory
    raises (an ``ImportError`` of a heavy dependency, a Rust panic) and a result that is not an
    instance of the kind's extension point (``deepalpha.agents.Agent`` for agents) become a
    ``ComponentBuildError``. ``KeyboardInterrupt`` and ``SystemExit`` pass untouched.
    """

    factory: Any
    kind: str
    name: str
    plugin: PluginInfo = attrs.field(repr=False)

    def _who(self) -> str:
        info = self.plugin
        return (
            f"{_KIND_LABELS.get(self.kind, self.kind)} {self.name!r} (plugin {info.name!r}, "
            f"{info.distribution} {info.version})"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = self.factory(*args, **kwargs)
        except UserError:
            raise
        except (ValueError, TypeError) as exc:
            readable = describe(exc)
            if readable == str(exc):
                raise
            raise (TypeError if isinstance(exc, TypeError) else ValueError)(readable) from exc
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # PyO3's PanicException derives from BaseException
            raise ComponentBuildError(
                f"{self._who()} could not be built: {_short_error(exc)}", self.kind, self.name
            ) from exc
        expected = _extension_point(self.kind)
        if not isinstance(result, expected):
            raise ComponentBuildError(
                f"{self._who()}: its factory returned {type(result).__name__}, not a "
                f"{expected.__module__}.{expected.__name__}; the plugin must return a subclass "
                "instance",
                self.kind,
                self.name,
            )
        return result


def describe_not_loaded(info: PluginInfo) -> str:
    """``plugin 'x' failed to load (dist version): error``; one text for entry-point twins."""
    if info.error and info.error.startswith("entry point name "):
        return f"plugin {info.name!r} failed to load: {info.error}"  # the error names both
    what = "failed to load" if info.status == "failed" else f"is {info.status}"
    tail = f": {info.error}" if info.error else ""
    return f"plugin {info.name!r} {what} ({info.distribution} {info.version}){tail}"


def _conflict_message(kind: str, name: str, providers: list[Provided]) -> str:
    who = " and ".join(f"{p.distribution} (plugin {p.plugin!r})" for p in providers)
    return f"{_KIND_LABELS.get(kind, kind)} name {name!r} is provided by both {who}"


def _new_pluggy() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _allowed_from_env() -> set[str] | None:
    raw = os.environ.get(ENV_LOAD)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _strict_from_env() -> bool:
    return os.environ.get(ENV_STRICT, "").lower() in ("1", "true", "yes", "on")


def _collect_records(pm: pluggy.PluginManager, plugin: object) -> dict[str, list[Any]]:
    """Call this plugin's registration hooks only, checking each record's type."""
    from . import records as rec

    expected = {
        "data": rec.DataSourceSpec,
        "agent": rec.AgentSpec,
        "llm": rec.LLMProviderSpec,
        "risk": rec.RiskRuleSpec,
        "gateway": rec.GatewaySpec,
        "kernel": rec.KernelSpec,
    }
    out: dict[str, list[Any]] = {}
    for hook_name, kind in REGISTRATION_HOOKS.items():
        caller = getattr(pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            result = impl.function()
            for spec in result or ():
                if not isinstance(spec, expected[kind]):
                    raise TypeError(
                        f"{hook_name} returned {type(spec).__name__}, expected "
                        f"{expected[kind].__name__}"
                    )
                out.setdefault(kind, []).append(spec)
    return out


def _hook_names(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    callers = pm.get_hookcallers(plugin) or []
    return tuple(sorted(caller.name for caller in callers))


def _short_error(exc: BaseException) -> str:
    text = describe(exc)
    first = text.strip().splitlines()[0] if text.strip() else ""
    if not first or first == type(exc).__name__:
        return type(exc).__name__
    return f"{type(exc).__name__}: {first}"


def load_plugins(
    *,
    strict: bool | None = None,
    allow: Iterable[str] | None = None,
    entry_points: Iterable[Any] | None = None,
    extra: Iterable[tuple[str, object]] = (),
) -> DeepAlphaPlugins:
    """Load every ``deepalpha`` entry point, guarded, and return the result.

    ``allow`` (default: ``$DEEPALPHA_LOAD_PLUGINS``, comma separated) restricts which entry points
    are loaded; the others are listed as ``blocked``. ``extra`` registers in-process plugin objects
    (used by tests and by embedding applications) as if they came from entry points.
    """
    strict = _strict_from_env() if strict is None else strict
    allowed = _allowed_from_env() if allow is None else set(allow)
    if entry_points is None:
        entry_points = scan_entry_points(ENTRY_POINT_GROUP)
    plugins = DeepAlphaPlugins(_new_pluggy())
    candidates: list[tuple[str, str, str, Any]] = []
    for ep in sorted(entry_points, key=lambda e: e.name):
        candidates.append((ep.name, *_distribution(ep), ep.load))
    for name, obj in extra:
        candidates.append((name, name, "-", lambda obj=obj: obj))

    claimed: dict[str, list[tuple[str, str]]] = {}
    for name, dist_name, version, _loader in candidates:
        claimed.setdefault(name, []).append((dist_name, version))

    for name, dist_name, version, loader in candidates:
        if allowed is not None and name not in allowed:
            plugins._add(PluginInfo(name, dist_name, version, "blocked"), {})
            continue
        if len(claimed[name]) > 1:
            _refuse_shared_name(plugins, name, dist_name, version, claimed[name], strict)
            continue
        _load_one(plugins, name, dist_name, version, loader, strict)

    if strict and (clashes := plugins.conflicts()):
        raise PluginError(clashes[0])
    return plugins


def _refuse_shared_name(plugins, name, dist_name, version, claimants, strict) -> None:
    """Record one of several distributions declaring the entry point ``name`` as failed."""
    who = " and ".join(f"{dist} {ver}" for dist, ver in claimants)
    error = (
        f"entry point name {name!r} is declared by both {who}; neither is loaded: "
        "uninstall one of them"
    )
    if strict:
        raise PluginError(f"plugin {name!r} ({dist_name} {version}) failed: {error}")
    plugins._add(PluginInfo(name, dist_name, version, "failed", error=error), {})
    message = f"plugin {error}"
    if message not in plugins.clashes:
        plugins.clashes.append(message)


def _distribution(ep: Any) -> tuple[str, str]:
    """Name and version of the distribution behind an entry point (ours or importlib's)."""
    if hasattr(ep, "dist_name"):
        return ep.dist_name, ep.dist_version
    dist = getattr(ep, "dist", None)
    return (dist.name, dist.version) if dist is not None else ("?", "?")


def _load_one(plugins, name, dist_name, version, loader, strict) -> None:
    pm = plugins.pm
    module = None
    try:
        module = loader()
        pm.register(module, name=name)
        pm.check_pending()
        records = _collect_records(pm, module)
        hooks = _hook_names(pm, module)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # PyO3's PanicException derives from BaseException
        if isinstance(exc, SystemExit | GeneratorExit):
            raise
        if module is not None and pm.is_registered(module):
            pm.unregister(module)
        status = "incompatible" if isinstance(exc, PluginIncompatible) else "failed"
        info = PluginInfo(
            name,
            dist_name,
            version,
            status,
            error=_short_error(exc),
            traceback="".join(traceback.format_exception(exc)),
        )
        plugins._add(info, {})
        if strict:
            raise PluginError(
                f"plugin {name!r} ({dist_name} {version}) {status}: {info.error}"
            ) from exc
        return
    provides = tuple(
        f"{kind}:{spec.name}" for kind, specs in sorted(records.items()) for spec in specs
    )
    counts = {}
    for spec in records.get("kernel", []):
        counts[f"{spec.name}.indicators"] = len(spec.indicators)
        counts[f"{spec.name}.patterns"] = len(spec.patterns)
    plugins._add(
        PluginInfo(name, dist_name, version, "ok", provides=provides, hooks=hooks, counts=counts),
        records,
    )


#: In-process plugins the running program added (``deepalpha.register_agent``), by plugin name.
_runtime: dict[str, object] = {}


def set_runtime_plugin(name: str, plugin: object | None) -> None:
    """Add, replace or (with ``None``) remove an in-process plugin of the process-wide manager.

    The cached manager is dropped, so the next ``get_plugin_manager()`` loads the entry points
    again plus these plugins, guarded like any other (a name clash is reported, not resolved).
    """
    if plugin is None:
        _runtime.pop(name, None)
    else:
        _runtime[name] = plugin
    get_plugin_manager.cache_clear()


@functools.cache
def get_plugin_manager() -> DeepAlphaPlugins:
    """The process-wide plugin manager, loaded on first use."""
    return load_plugins(extra=list(_runtime.items()))
