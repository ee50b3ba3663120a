"""Turning configured names into built components.

Every name in the configuration is resolved through the plugin registry (an unknown name lists the
valid ones) and its ``options`` mapping is structured into the plugin's own options class, so a typo
in a plugin option is reported as ``agents.technical.options.rsi_perod: unknown key``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import field, frozen

from ..agents import Agent
from ..config import Config, structure
from ..errors import ConfigError, PluginError
from ..plugins import DeepAlphaPlugins


def resolve_options(
    plugins: DeepAlphaPlugins, kind: str, name: str, options: dict[str, Any], path: str
) -> tuple[Any, Any]:
    """The record of ``kind:name`` and ``options`` validated against its options class."""
    spec = plugins.resolve(kind, name)
    if spec.options is None:
        if options:
            raise ConfigError(f"{path}.options: {kind} {name!r} takes no options, got {options!r}")
        return spec, None
    return spec, structure(options or {}, spec.options, f"{path}.options")


def build(plugins: DeepAlphaPlugins, kind: str, name: str, options: dict[str, Any], path: str):
    """Resolve ``kind:name`` and build it with validated ``options``."""
    spec, opts = resolve_options(plugins, kind, name, options, path)
    try:
        return spec.build(opts)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}.options: {exc}") from None


@frozen
class WeightedAgent:
    """A configured agent: its name, vote weight, and how to build one instance per symbol.

    The engine gives every symbol its own instance (``new()``), so an agent's indicators and state
    only ever see one symbol's bars. ``agent`` is the instance built while the configuration was
    checked (it proves the factory works); the first symbol of a run reuses it.
    """

    name: str
    weight: float
    agent: Any
    factory: Callable[[], Any] = field(repr=False)

    def new(self) -> Any:
        # The factory is the plugin's, guarded by the loader (plugins.GuardedFactory), which
        # refuses anything that is not an Agent with one line naming the plugin.
        return self.factory()


def check_timeframes(name: str, agent: Any, base: str) -> None:
    """Refuse an agent whose declared timeframes cannot be resampled from the run's bars."""
    from ..data import TIMEFRAMES

    base_ms = TIMEFRAMES.get(base)
    for tf in getattr(agent, "timeframes", ()) or ():
        step = TIMEFRAMES.get(tf)
        if step is None:
            raise ConfigError(
                f"agents.{name}.options.timeframes: {tf!r} is not one of: {', '.join(TIMEFRAMES)}"
            )
        if base_ms is not None and (step < base_ms or step % base_ms):
            raise ConfigError(
                f"agents.{name}.options.timeframes: {tf!r} cannot be built from the run's "
                f"{base!r} bars (market.timeframe); use whole multiples of {base!r}, or a finer "
                "market.timeframe"
            )


def build_agent(
    plugins: DeepAlphaPlugins, name: str, options: dict[str, Any]
) -> tuple[Callable[[], Any], Agent]:
    """A factory of agent ``name`` with validated options, and a first instance built by it."""
    path = f"agents.{name}"
    spec, opts = resolve_options(plugins, "agent", name, options, path)

    def factory() -> Any:
        try:
            return spec.build(opts)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{path}.options: {exc}") from None

    return factory, factory()


@frozen
class Components:
    data: Any
    agents: tuple[WeightedAgent, ...]
    llm: dict[str, Any]
    risk: tuple[Any, ...]
    gateway: Any
    #: How decisions become orders (``trading:``); built here so that a policy the gateway cannot
    #: carry out (shorts on a long-only venue) is refused with everything else.
    policy: Any = None


def build_components(config: Config, plugins: DeepAlphaPlugins) -> Components:
    """Build everything a run needs, failing before the run starts if anything is misnamed."""
    data = build(plugins, "data", config.market.source, config.market.options, "market")
    agents = []
    for name, cfg in config.agents.items():
        if cfg.enabled:
            factory, first = build_agent(plugins, name, cfg.options)
            agents.append(WeightedAgent(name, cfg.weight, first, factory))
    agents = tuple(agents)
    for wa in agents:
        check_timeframes(wa.name, wa.agent, config.market.timeframe)
    if not agents:
        raise ConfigError("agents: no agent is enabled; enable at least one")
    llm = {}
    for name in config.decision.llm.providers:
        provider_cfg = config.llm_providers.get(name)
        if provider_cfg is None:
            valid = ", ".join(config.llm_providers) or "none configured"
            raise ConfigError(
                f"decision.llm.providers: {name!r} is not configured under llm_providers "
                f"(configured: {valid})"
            )
        llm[name] = build(
            plugins, "llm", provider_cfg.provider, provider_cfg.options, f"llm_providers.{name}"
        )
    risk = tuple(
        build(plugins, "risk", name, cfg.options, f"risk.{name}")
        for name, cfg in config.risk.items()
        if cfg.enabled
    )
    gateway_spec = plugins.resolve("gateway", config.gateway.name)
    if getattr(gateway_spec, "live", False) and not config.live.enabled:
        raise PluginError(
            f"gateway {config.gateway.name!r} trades real money; set live.enabled: true in the "
            "configuration to allow it (paper trading is the default)"
        )
    gateway = build(plugins, "gateway", config.gateway.name, config.gateway.options, "gateway")
    from .policy import TradingPolicy

    policy = TradingPolicy(
        config.trading, gateway_allows_short=bool(getattr(gateway, "allows_short", False))
    )
    return Components(data, agents, llm, risk, gateway, policy)
