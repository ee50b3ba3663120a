"""The shape of a DeepAlpha configuration.

Engine-level settings are typed here; each component's own ``options`` mapping is typed by the
plugin that provides the component (``records.ComponentSpec.options``) and checked when the
component is built, so an unknown key anywhere is an error naming its full path.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
from attrs import field, frozen


def _in_unit(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name}: must be in [0, 1], got {value!r}")


def _positive(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name}: must be > 0, got {value!r}")


def _non_negative(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name}: must be >= 0, got {value!r}")


@frozen
class AppConfig:
    name: str = "DeepAlpha"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Where reports are written (relative to the working directory).
    report_dir: str = "reports"


@frozen
class StorageConfig:
    #: SQLAlchemy URL: ``sqlite:///data/deepalpha.db`` or ``postgresql+psycopg://user:pw@host/db``.
    url: str = "sqlite:///data/deepalpha.db"


@frozen
class MarketConfig:
    """Which data source feeds the pipeline, and with what."""

    source: str = "file"
    symbols: tuple[str, ...] = field(default=("BTC/USD",))
    timeframe: str = "1h"
    options: dict[str, Any] = field(factory=dict)

    @symbols.validator
    def _some_symbols(self, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
        if not value:
            raise ValueError(f"{attribute.name}: must name at least one symbol")


@frozen
class ComponentConfig:
    """One configured component (agent or risk rule): on/off, weight, plugin options."""

    enabled: bool = True
    weight: float = field(default=1.0, validator=_non_negative)
    options: dict[str, Any] = field(factory=dict)


@frozen
class LLMUseConfig:
    """How the decision engine uses LLM providers."""

    #: Providers consulted, by configured name (keys of ``llm_providers``); empty disables LLMs.
    providers: tuple[str, ...] = ()
    #: ``voter``: the answer is one more weighted vote. ``arbiter``: the answer is final.
    role: Literal["voter", "arbiter"] = "voter"
    weight: float = field(default=0.5, validator=_non_negative)
    #: ``on_change``: ask when the agents' aggregate action changes or the agents conflict.
    consult: Literal["on_change", "on_conflict", "never"] = "on_change"
    #: Record every answer and replay recorded answers instead of calling the model again.
    record: bool = True
    #: Only replay recorded answers; an unrecorded prompt holds (for reproducible backtests).
    replay_only: bool = False
    #: Decisions kept in memory per symbol and shown to the model.
    memory: int = field(default=5, validator=_non_negative)


@frozen
class DecisionConfig:
    #: |weighted score| needed to act; below it the vote is ``hold``.
    threshold: float = field(default=0.1, validator=_in_unit)
    #: Minimum confidence of the final decision to act on it.
    min_confidence: float = field(default=0.0, validator=_in_unit)
    #: Two agents disagree when one is long and another short, each with this confidence at least.
    conflict_confidence: float = field(default=0.5, validator=_in_unit)
    llm: LLMUseConfig = field(factory=LLMUseConfig)


@frozen
class LLMProviderConfig:
    """One configured LLM provider: which plugin component, and its options."""

    provider: str
    options: dict[str, Any] = field(factory=dict)


@frozen
class GatewayConfig:
    name: str = "paper"
    options: dict[str, Any] = field(factory=dict)


@frozen
class BacktestConfig:
    #: Inclusive start and exclusive end (ISO dates or datetimes, UTC); ``None`` means all data.
    start: str | None = None
    end: str | None = None


@frozen
class PaperConfig:
    """``deepalpha run``: paper trading on a replayed or live feed."""

    feed: Literal["replay", "live"] = "replay"
    #: Replay window (ISO, UTC); ``None`` means from the first / to the last stored bar.
    start: str | None = None
    end: str | None = None
    #: Replay pace in bars per second; 0 replays as fast as the pipeline goes.
    speed: float = field(default=0.0, validator=_non_negative)
    #: Live feed: seconds between polls of the data source.
    poll_seconds: float = field(default=10.0, validator=_positive)
    view: bool = True


@frozen
class LiveConfig:
    """Real-money trading. Off unless explicitly enabled; the gateway must also be a live one."""

    enabled: bool = False


@frozen
class PluginsConfig:
    #: Fail on any plugin load failure (CI); same as ``DEEPALPHA_STRICT_PLUGINS=1``.
    strict: bool = False


@frozen
class Config:
    app: AppConfig = field(factory=AppConfig)
    storage: StorageConfig = field(factory=StorageConfig)
    market: MarketConfig = field(factory=MarketConfig)
    agents: dict[str, ComponentConfig] = field(factory=dict)
    llm_providers: dict[str, LLMProviderConfig] = field(factory=dict)
    decision: DecisionConfig = field(factory=DecisionConfig)
    risk: dict[str, ComponentConfig] = field(factory=dict)
    gateway: GatewayConfig = field(factory=GatewayConfig)
    backtest: BacktestConfig = field(factory=BacktestConfig)
    paper: PaperConfig = field(factory=PaperConfig)
    live: LiveConfig = field(factory=LiveConfig)
    plugins: PluginsConfig = field(factory=PluginsConfig)
