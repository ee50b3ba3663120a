"""The records registration hooks return.

A plugin never hands the core a bare callback: it returns one of these frozen records so the core
can list what is installed, resolve a configured name to exactly one provider, and validate options
before anything is built. ``factory`` is called with the validated options object (an instance of
``options``) when ``options`` is set, otherwise with no arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import field, frozen


@frozen
class ComponentSpec:
    """Fields every component record shares."""

    name: str
    factory: Callable[..., Any] = field(repr=False)
    description: str = ""
    #: An attrs class describing the component's options; the config loader structures the user's
    #: mapping into it with unknown keys rejected, so errors name ``agents.technical.options.x``.
    options: type | None = None

    kind: str = field(init=False, default="component")

    def build(self, options: Any = None) -> Any:
        return self.factory(options) if self.options is not None else self.factory()


@frozen
class DataSourceSpec(ComponentSpec):
    kind: str = field(init=False, default="data")


@frozen
class AgentSpec(ComponentSpec):
    kind: str = field(init=False, default="agent")


@frozen
class LLMProviderSpec(ComponentSpec):
    #: True when the provider needs neither network nor key (safe as an embedded default).
    offline: bool = False
    kind: str = field(init=False, default="llm")


@frozen
class RiskRuleSpec(ComponentSpec):
    kind: str = field(init=False, default="risk")


@frozen
class GatewaySpec(ComponentSpec):
    #: True when orders reach a real venue with real money; such a gateway needs explicit opt-in.
    live: bool = False
    kind: str = field(init=False, default="gateway")


@frozen
class KernelSpec:
    """A compute kernel (indicators, candlestick patterns) agents can look up by name."""

    name: str
    version: str
    module: str
    indicators: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    description: str = ""
    kind: str = field(init=False, default="kernel")


KINDS = ("data", "agent", "llm", "risk", "gateway", "kernel")
