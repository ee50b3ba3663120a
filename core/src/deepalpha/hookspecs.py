"""Every hook a DeepAlpha plugin can implement.

Registration hooks return records (see ``deepalpha.records``); the core resolves names from them.
Lifecycle hooks observe what the engine did; they are called after the fact, their return values
are ignored, and an exception in one is logged without stopping the run. Hooks take keyword
arguments and an implementation may accept any subset of them, so hooks can gain arguments later
without breaking plugins. docs/plugin_hooks.md documents each one; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pluggy

from . import PROJECT
from .domain import Decision, Fill, Order
from .records import (
    AgentSpec,
    DataSourceSpec,
    GatewaySpec,
    KernelSpec,
    LLMProviderSpec,
    RiskRuleSpec,
)

hookspec = pluggy.HookspecMarker(PROJECT)


# -- registration ---------------------------------------------------------------------------------


@hookspec
def register_data_sources() -> Iterable[DataSourceSpec]:
    """Data sources this plugin provides.

    Called once when the plugin manager is built. Return ``DataSourceSpec`` records whose
    ``factory`` builds a ``deepalpha.data.DataSource``. Example::

        @hookimpl
        def register_data_sources():
            return [DataSourceSpec(name="file", factory=FileSource, options=FileOptions)]
    """


@hookspec
def register_agents() -> Iterable[AgentSpec]:
    """Agents this plugin provides: ``AgentSpec`` records building ``deepalpha.agents.Agent``."""


@hookspec
def register_llm_providers() -> Iterable[LLMProviderSpec]:
    """LLM providers: ``LLMProviderSpec`` records building ``deepalpha.llm.LLMProvider``.

    Set ``offline=True`` only when the provider needs no network and no key.
    """


@hookspec
def register_risk_rules() -> Iterable[RiskRuleSpec]:
    """Risk rules: ``RiskRuleSpec`` records building ``deepalpha.risk.RiskRule``."""


@hookspec
def register_gateways() -> Iterable[GatewaySpec]:
    """Gateways: ``GatewaySpec`` records building ``deepalpha.gateways.Gateway``.

    Set ``live=True`` when orders reach a venue with real money; the engine then requires
    ``live.enabled: true`` in the configuration and refuses to start otherwise.
    """


@hookspec
def register_kernels() -> Iterable[KernelSpec]:
    """Compute kernels (indicators, candlestick patterns) agents can find by name.

    Raise ``deepalpha.errors.PluginIncompatible`` when the compiled part does not match the
    Python part or this core; the plugin is then listed as ``incompatible``.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``deepalpha`` click group ``cli`` (``@cli.command()`` etc.)."""


# -- lifecycle ------------------------------------------------------------------------------------


@hookspec
def on_run_start(run_id: str, mode: str, config: Any) -> None:
    """A run started; ``mode`` is ``backtest``, ``paper`` or ``live``."""


@hookspec
def on_decision(run_id: str, decision: Decision) -> None:
    """The decision engine resolved a non-hold decision (before risk rules see it)."""


@hookspec
def on_order(run_id: str, order: Order) -> None:
    """An order changed state; it is already persisted."""


@hookspec
def on_fill(run_id: str, fill: Fill) -> None:
    """An order was (partly) filled; the fill is already persisted."""


@hookspec
def on_run_end(run_id: str, summary: Any) -> None:
    """A run finished; ``summary`` is the ``deepalpha.engine.metrics.Summary`` of the run."""
