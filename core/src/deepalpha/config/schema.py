"""The shape of a DeepAlpha configuration.

Engine-level settings are typed here; each component's own ``options`` mapping is typed by the
plugin that provides the component (``records.ComponentSpec.options``) and checked when the
component is built, so an unknown key anywhere is an error naming its full path.
"""

from __future__ import annotations

from datetime import date
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


#: Smallest non-zero weight: below it a weight times a score underflows towards subnormal
#: floats and the vote stops being the weighted mean its explanation shows.
MIN_WEIGHT = 1e-9


def _weight(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not (value == 0 or MIN_WEIGHT <= value < float("inf")):
        raise ValueError(
            f"{attribute.name}: must be 0 (off) or a finite number >= {MIN_WEIGHT:g}, got {value!r}"
        )


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
    weight: float = field(default=1.0, validator=_weight)
    options: dict[str, Any] = field(factory=dict)


def _optional_positive(_inst: object, attribute: attrs.Attribute, value: float | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"{attribute.name}: must be > 0 (or null for no limit), got {value!r}")


def _iso_date(_inst: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{attribute.name}: must be an ISO date like 2024-06-01, got {value!r}"
        ) from None


@frozen
class BudgetConfig:
    """LLM spend limits in US dollars; reaching one stops calling models (decisions then hold).

    ``per_day_usd`` counts every run's calls recorded in the store since 00:00 UTC.
    """

    per_run_usd: float | None = field(default=None, validator=_optional_positive)
    per_day_usd: float | None = field(default=None, validator=_optional_positive)


@frozen
class LLMUseConfig:
    """How the decision engine uses LLM providers."""

    #: Providers consulted, by configured name (keys of ``llm_providers``); empty disables LLMs.
    providers: tuple[str, ...] = ()
    #: ``vote``: every available provider is asked at once and their answers are averaged with
    #: the providers' ``weight``. ``failover``: the first available provider in ``providers``
    #: order answers; the next is asked only when it fails or its circuit is open.
    combine: Literal["vote", "failover"] = "vote"
    budget: BudgetConfig = field(factory=BudgetConfig)
    #: A backtest whose window starts before a consulted model's training cutoff: ``flag`` it in
    #: the output and the report, ``refuse`` to run it, or ``ignore`` it.
    cutoff_guard: Literal["flag", "refuse", "ignore"] = "flag"
    #: ``voter``: the answer is one more weighted vote. ``arbiter``: the answer is final.
    role: Literal["voter", "arbiter"] = "voter"
    weight: float = field(default=0.5, validator=_non_negative)
    #: ``on_change``: ask when the agents' aggregate action changes or the agents conflict.
    consult: Literal["on_change", "on_conflict", "never"] = "on_change"
    #: Record every answer and replay recorded answers instead of calling the model again.
    record: bool = True
    #: Only replay recorded answers; an unrecorded prompt holds (for reproducible backtests).
    replay_only: bool = False
    #: Past decisions per symbol shown to the model (the newest of ``decision.memory.size``).
    memory: int = field(default=5, validator=_non_negative)


@frozen
class WeightsConfig:
    """Dynamic agent weights from each agent's realised accuracy, per symbol.

    Every directional signal is scored ``horizon`` bars later against the symbol's close-to-close
    return; an exponentially weighted hit rate (``half_life`` in scored signals, prior 0.5) maps
    to a multiplier ``clamp(2 * hit_rate, floor, cap)`` of the agent's configured weight.
    """

    enabled: bool = True
    #: Bars between a signal and the close it is judged against.
    horizon: int = field(default=24, validator=_positive)
    #: Scored signals after which an old outcome counts half.
    half_life: float = field(default=168.0, validator=_positive)
    #: Smallest multiplier of the configured weight (an agent is never silenced entirely).
    floor: float = field(default=0.25, validator=_positive)
    #: Largest multiplier of the configured weight.
    cap: float = field(default=2.0, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.floor > 1.0:
            raise ValueError(f"floor: must be in (0, 1], got {self.floor!r}")
        if self.cap < 1.0:
            raise ValueError(f"cap: must be >= 1, got {self.cap!r}")


@frozen
class CacheConfig:
    """The decision cache: a decision point whose rounded signals and position were decided
    less than ``ttl`` seconds before (on the bars' clock) reuses that decision, without the LLM."""

    #: Seconds of bar time a cached decision stays valid; 0 turns the cache off.
    ttl: float = field(default=300.0, validator=_non_negative)
    #: ``redis://host:port/db`` keeps the cache in Redis; ``None`` keeps it in the process.
    url: str | None = field(default=None)

    @url.validator
    def _redis_url(self, attribute: attrs.Attribute, value: str | None) -> None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"{attribute.name}: must be a redis://, rediss:// or unix:// URL, got {value!r}"
            )


@frozen
class MemoryConfig:
    #: Decisions remembered per symbol (persisted per book; the newest are shown to the LLM).
    size: int = field(default=100, validator=_non_negative)


@frozen
class DecisionConfig:
    #: |weighted score| needed to act; below it the vote is ``hold``.
    threshold: float = field(default=0.1, validator=_in_unit)
    #: Minimum confidence of the final decision to act on it.
    min_confidence: float = field(default=0.0, validator=_in_unit)
    #: Two agents disagree when one is long and another short, each with this confidence at least.
    conflict_confidence: float = field(default=0.5, validator=_in_unit)
    weights: WeightsConfig = field(factory=WeightsConfig)
    cache: CacheConfig = field(factory=CacheConfig)
    memory: MemoryConfig = field(factory=MemoryConfig)
    llm: LLMUseConfig = field(factory=LLMUseConfig)
    #: The product description's flat keys, accepted as aliases of ``cache.ttl`` and
    #: ``memory.size``; after loading they are folded into those and read back as ``None``.
    cache_duration: float | None = field(default=None)
    memory_size: int | None = field(default=None)

    def __attrs_post_init__(self) -> None:
        # One owner per value: a flat alias moves into its structured key; both given with
        # different values is an error rather than a silent choice.
        aliases = (
            ("cache_duration", "cache", "ttl", CacheConfig, float),
            ("memory_size", "memory", "size", MemoryConfig, int),
        )
        for flat, section, key, cls, kind in aliases:
            value = getattr(self, flat)
            if value is None:
                continue
            if kind is int and (isinstance(value, bool) or value != int(value)):
                raise ValueError(f"{flat}: expected an integer, got {value!r}")
            if value < 0:
                raise ValueError(f"{flat}: must be >= 0, got {value!r}")
            current = getattr(getattr(self, section), key)
            default = getattr(cls(), key)
            if current != default and current != value:
                raise ValueError(
                    f"{flat}: {value!r} and {section}.{key}: {current!r} are both given and "
                    f"differ; keep one ({flat} is the short form of {section}.{key})"
                )
            object.__setattr__(
                self, section, attrs.evolve(getattr(self, section), **{key: kind(value)})
            )
            object.__setattr__(self, flat, None)


@frozen
class PriceConfig:
    """US dollars per million tokens (overrides ``deepalpha.llm_models.KNOWN``)."""

    input: float = field(validator=_non_negative)
    output: float = field(validator=_non_negative)


@frozen
class LLMProviderConfig:
    """One configured LLM provider: which plugin component, its options, and how the engine
    governs it (its vote, price, training cutoff, rate limits, deadline and circuit breaker)."""

    provider: str
    options: dict[str, Any] = field(factory=dict)
    #: Its vote among providers when ``decision.llm.combine`` is ``vote`` (seed: 0.4/0.3/0.3).
    weight: float = field(default=1.0, validator=_weight)
    price: PriceConfig | None = None
    #: Last date of the model's training data; default from ``deepalpha.llm_models``.
    cutoff: str | None = field(default=None, validator=_iso_date)
    #: Calls and tokens (input + output) allowed per rolling minute; ``null``: no limit.
    requests_per_minute: float | None = field(default=None, validator=_optional_positive)
    tokens_per_minute: float | None = field(default=None, validator=_optional_positive)
    #: Longest wait for a rate-limit slot before the provider is skipped for this decision.
    max_wait_s: float = field(default=30.0, validator=_non_negative)
    #: The engine's deadline for one answer, retries inside the provider included.
    timeout_s: float = field(default=120.0, validator=_positive)
    #: Consecutive failures that open the circuit (the provider is not called) ...
    failure_threshold: int = field(default=3, validator=_positive)
    #: ... for this many seconds (or the server's retry-after, if longer); then one trial call.
    cooldown_s: float = field(default=60.0, validator=_non_negative)


def _fraction(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{attribute.name}: must be in (0, 1], got {value!r}")


@frozen
class TradingConfig:
    """How decisions become orders: the one trading policy (``engine/policy.py``) reads this.

    ``long_only``: a buy opens or adds to a long, a sell closes it, and a sell while flat opens
    nothing. ``long_short``: a sell while flat opens a short and a buy while short covers it (the
    gateway must book shorts, e.g. ``gateway.options.allow_short: true`` for ``paper``). A flip
    from long to short takes two decisions: the first closes, the next opens.
    """

    direction: Literal["long_only", "long_short"] = "long_only"
    #: Share of the position an opposite decision closes (1: all of it).
    exit_fraction: float = field(default=1.0, validator=_fraction)


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
    #: Paper and live runs: seconds an agent may take on one bar before it abstains for that bar
    #: (a synchronous agent still busy is not called again until it has finished). Backtests wait.
    agent_budget_seconds: float = field(default=5.0, validator=_positive)


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
    trading: TradingConfig = field(factory=TradingConfig)
    gateway: GatewayConfig = field(factory=GatewayConfig)
    backtest: BacktestConfig = field(factory=BacktestConfig)
    paper: PaperConfig = field(factory=PaperConfig)
    live: LiveConfig = field(factory=LiveConfig)
    plugins: PluginsConfig = field(factory=PluginsConfig)
