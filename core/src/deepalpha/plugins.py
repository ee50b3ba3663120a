"""Discovering, loading and resolving plugins.

pluggy provides the hook calling; loading is our own, because pluggy's
``load_setuptools_entrypoints`` stops at the first plugin that fails to import and leaves every
command broken. Here each entry point is imported, registered and asked for its records on its own;
a failure unregisters that plugin and keeps a record of the error, and the rest keep working.
``deepalpha plugins list`` reports failures; ``strict`` (or ``DEEPALPHA_STRICT_PLUGINS=1``) turns
them into errors, which is what CI wants.

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
from .errors import PluginError, PluginIncompatible

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
        self._components: dict[tuple[str, str], list[Provided]] = {}

    # -- queries ----------------------------------------------------------------------------------

    def names(self, kind: str) -> list[str]:
        return sorted(name for (k, name) in self._components if k == kind)

    def components(self, kind: str) -> dict[str, Any]:
        return {name: self.resolve(kind, name) for name in self.names(kind)}

    def conflicts(self) -> list[str]:
        out = []
        for (kind, name), providers in sorted(self._components.items()):
            if len(providers) > 1:
                out.append(_conflict_message(kind, name, providers))
        return out

    def resolve(self, kind: str, name: str) -> Any:
        """The record of the ``kind`` component called ``name``; a clear error otherwise."""
        providers = self._components.get((kind, name))
        label = _KIND_LABELS.get(kind, kind)
        if not providers:
            broken = [
                info
                for info in self.infos
                if info.status != "ok" and info.name.lower() in name.lower()
            ]
            hint = ""
            if broken:
                info = broken[0]
                hint = f" (plugin {info.name!r} is {info.status}: {info.error})"
            valid = ", ".join(self.names(kind)) or "none installed"
            raise PluginError(f"unknown {label} {name!r}; valid names: {valid}{hint}")
        if len(providers) > 1:
            raise PluginError(_conflict_message(kind, name, providers))
        return providers[0].spec

    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos if info.status in ("failed", "incompatible")]

    # -- loading ----------------------------------------------------------------------------------

    def _add(self, info: PluginInfo, records: dict[str, list[Any]]) -> None:
        self.infos.append(info)
        for kind, specs in records.items():
            for spec in specs:
                key = (kind, spec.name)
                self._components.setdefault(key, []).append(
                    Provided(spec, info.name, info.distribution)
                )


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
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


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

    for name, dist_name, version, loader in candidates:
        if allowed is not None and name not in allowed:
            plugins._add(PluginInfo(name, dist_name, version, "blocked"), {})
            continue
        _load_one(plugins, name, dist_name, version, loader, strict)

    if strict and (clashes := plugins.conflicts()):
        raise PluginError(clashes[0])
    return plugins


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
        if pm.get_plugin(name) is not None:
            raise PluginError(f"a plugin named {name!r} is already registered")
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


@functools.cache
def get_plugin_manager() -> DeepAlphaPlugins:
    """The process-wide plugin manager, loaded on first use."""
    return load_plugins()
