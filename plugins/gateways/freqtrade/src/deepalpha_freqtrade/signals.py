"""DeepAlpha's agents and decision engine over one pair's candles: the freqtrade-free half.

:func:`load_settings` turns a DeepAlpha configuration (the same schema as ``deepalpha run``'s,
through the same loader and strict converter) into built components: the configured agents, each
resolved by name through the plugin manager, and, when LLMs are on, the providers. One
:class:`PairSignals` per pair then owns that pair's agents (one instance each, from the agent's
factory, as the engine gives every symbol its own), its ``History`` and its ``DecisionEngine``.

``PairSignals.update`` takes the candle table freqtrade hands a strategy and walks the rows it
has not seen yet, oldest first, exactly as DeepAlpha's pipeline walks bars: append the closed bar
to the history (agents see nothing later), ask every agent, let the decision engine decide with the
position the decisions so far imply, and turn a decision into what freqtrade understands (the
table of ``engine/policy.py`` with whole exits):

=================  ======================  =====================================
signal position    buy                     sell
=================  ======================  =====================================
flat               ``enter_long``          shorts allowed: ``enter_short``
long               (not a decision point)  ``exit_long``
short              ``exit_short``          (not a decision point)
=================  ======================  =====================================

Rows already seen keep the answer they got the first time (a decision at ``t`` depends on bars up
to ``t`` only), so freqtrade's live loop, which hands the strategy a sliding window every candle,
costs one step per new candle and the agents' and weights' state runs on across windows.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from deepalpha.config import Config, load_raw, structure
from deepalpha.domain import Action, Bar, Decision, Signal
from deepalpha.engine.components import WeightedAgent, build, build_agent, check_timeframes
from deepalpha.engine.decision import AnswerRecord, DecisionEngine
from deepalpha.errors import ConfigError
from deepalpha.history import History, Market

log = logging.getLogger(__name__)

#: What a row's decision tells freqtrade; ``""``: nothing.
ENTER_LONG, EXIT_LONG, ENTER_SHORT, EXIT_SHORT = (
    "enter_long",
    "exit_long",
    "enter_short",
    "exit_short",
)
#: freqtrade stores tags in a column of this length (``freqtrade.constants.CUSTOM_TAG_MAX_LENGTH``).
TAG_LENGTH = 255


@attrs.frozen
class Settings:
    """What every pair's components are built from (one per strategy)."""

    config: Config
    agents: tuple[WeightedAgent, ...]
    providers: Mapping[str, Any]
    allow_short: bool
    store: Any = None

    @property
    def weights(self) -> dict[str, float]:
        return {wa.name: wa.weight for wa in self.agents}

    def close(self) -> None:
        for provider in self.providers.values():
            close = getattr(provider, "close", None)
            if callable(close):
                close()
        if self.store is not None:
            self.store.close()


def load_settings(
    config: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    agents: Mapping[str, Any] | Sequence[str] | None = None,
    decision: Mapping[str, Any] | None = None,
    llm: bool = False,
    allow_short: bool = False,
    timeframe: str | None = None,
    plugins: Any = None,
) -> Settings:
    """Build the components a strategy uses.

    ``config``: a DeepAlpha YAML file, a mapping in the same schema, or ``None`` (the packaged
    defaults). ``agents`` replaces the configuration's agents: names, or a mapping of name to
    ``{weight, options, enabled}``. ``decision`` is merged over ``decision:``. ``llm`` off empties
    ``decision.llm.providers`` (no model is built or asked); on, the configured providers are built
    and, with ``decision.llm.record``, answers are recorded in and replayed from the store at
    ``storage.url``. ``timeframe`` is freqtrade's; agents asking for coarser timeframes that
    cannot be made from it are refused here, before any candle.
    """
    from deepalpha.config.loader import merge
    from deepalpha.plugins import get_plugin_manager

    path = None if config is None or isinstance(config, Mapping) else Path(config)
    raw = load_raw(path, overrides=dict(config) if isinstance(config, Mapping) else None)
    source = str(path) if path is not None else "deepalpha settings"
    if agents is not None:
        if isinstance(agents, str) or not isinstance(agents, Mapping | Sequence):
            raise ConfigError(f"{source}: agents: expected names or a mapping, got {agents!r}")
        raw["agents"] = (
            {name: dict(value or {}) for name, value in agents.items()}
            if isinstance(agents, Mapping)
            else {name: {} for name in agents}
        )
    if decision:
        raw["decision"] = merge(raw.get("decision") or {}, dict(decision))
    if not llm:
        raw.setdefault("decision", {}).setdefault("llm", {})["providers"] = []
    if timeframe is not None:
        raw.setdefault("market", {})["timeframe"] = timeframe
    cfg: Config = structure(raw, Config, "", source=source)

    plugins = plugins or get_plugin_manager()
    built = []
    for name, agent_cfg in cfg.agents.items():
        if agent_cfg.enabled:
            factory, first = build_agent(plugins, name, agent_cfg.options)
            check_timeframes(name, first, cfg.market.timeframe)
            built.append(WeightedAgent(name, agent_cfg.weight, first, factory))
    if not built:
        raise ConfigError(f"{source}: agents: no agent is enabled; enable at least one")
    providers: dict[str, Any] = {}
    store = None
    if llm:
        for name in cfg.decision.llm.providers:
            provider_cfg = cfg.llm_providers.get(name)
            if provider_cfg is None:
                raise ConfigError(
                    f"{source}: decision.llm.providers: {name!r} is not configured under "
                    f"llm_providers (configured: {', '.join(cfg.llm_providers) or 'none'})"
                )
            providers[name] = build(
                plugins,
                "llm",
                provider_cfg.provider,
                provider_cfg.options,
                f"llm_providers.{name}",
            )
        if providers and cfg.decision.llm.record:
            from deepalpha.storage import Store

            store = Store.open(cfg.storage.url)
    return Settings(cfg, tuple(built), providers, bool(allow_short), store)


@attrs.frozen
class Row:
    """What one candle got: the decision (if the candle was a decision point), the freqtrade
    signal it makes, and the signal position after it."""

    signal: str
    tag: str
    action: str
    confidence: float | None
    position: int
    close: float | None = None


_NOTHING = Row("", "", "", None, 0)


class PairSignals:
    """One pair's agents, history and decision engine, fed candle by candle."""

    def __init__(self, pair: str, settings: Settings, timeframe: str) -> None:
        self.pair = pair
        self.settings = settings
        self.timeframe = timeframe
        cfg = settings.config
        self.engine = DecisionEngine(
            cfg.decision,
            settings.weights,
            settings.providers,
            AnswerRecord(settings.store),
            allow_short=settings.allow_short,
            provider_configs=cfg.llm_providers,
        )
        self.history = History(pair, timeframe=timeframe)
        # A market of this pair alone: agents reading other symbols see none (see the README).
        self.history.market = Market({pair: self.history})
        self.agents = []
        for wa in settings.agents:
            agent = wa.new()
            agent.reset()
            self.agents.append((wa.name, agent))
        self.position = 0
        self.first_ts: int | None = None
        self.last_ts: int | None = None
        self.rows: dict[int, Row] = {}
        self.decisions: list[Decision] = []
        self._errors: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- feeding ----------------------------------------------------------------------------------

    def covers(self, ts: np.ndarray, close: np.ndarray) -> bool:
        """Whether the candles ``ts`` continue what this pair has seen (a live window sliding
        forward, or the same candles again): the first and the last of them already seen must
        be candles this pair decided, at the same close. Otherwise a new run starts over."""
        if self.last_ts is None or not len(ts):
            return True
        seen = np.flatnonzero(ts <= self.last_ts)
        for i in (seen[:1], seen[-1:]) if len(seen) else ():
            row = self.rows.get(int(ts[i[0]]))
            if row is None or row.close != float(close[i[0]]):
                return False
        return True

    def update(
        self,
        ts: np.ndarray,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
    ) -> list[Row]:
        """The row of every candle in the table (epoch-ms open times, ascending), deciding the
        candles after the last one seen; earlier candles keep the row they got."""
        pair = self.pair
        last = self.last_ts
        for i in range(len(ts)):
            t = int(ts[i])
            if last is not None and t <= last:
                continue
            bar = Bar(
                pair,
                t,
                float(open_[i]),
                float(high[i]),
                float(low[i]),
                float(close[i]),
                float(volume[i]),
            )
            self.rows[t] = self._step(bar)
            last = t
            if self.first_ts is None:
                self.first_ts = t
        self.last_ts = last
        if len(ts):
            # A live window slides: forget rows that left it (the state stays in the components).
            oldest = int(ts[0])
            if len(self.rows) > 2 * len(ts) + 16:
                self.rows = {t: r for t, r in self.rows.items() if t >= oldest}
        rows = self.rows
        return [rows.get(int(t), _NOTHING) for t in ts]

    def _step(self, bar: Bar) -> Row:
        self.history.append(bar)
        signals = self._signals(bar)
        position = self.position
        decision = self.engine.decide(bar, signals, position)
        if decision is None:
            return Row("", "", "", None, position, bar.close)
        self.decisions.append(decision)
        signal = _signal_of(decision.action, position, self.settings.allow_short)
        if signal == ENTER_LONG:
            self.position = 1
        elif signal == ENTER_SHORT:
            self.position = -1
        elif signal in (EXIT_LONG, EXIT_SHORT):
            self.position = 0
        return Row(
            signal,
            tag(decision),
            decision.action.value,
            decision.confidence,
            self.position,
            bar.close,
        )

    def _signals(self, bar: Bar) -> list[Signal]:
        out: list[Signal] = []
        pending = []
        for name, agent in self.agents:
            try:
                sig = agent.on_bar(bar, self.history)
            except Exception as exc:
                self._failed(name, exc)
                continue
            if inspect.isawaitable(sig):
                pending.append((name, sig))
            else:
                self._accept(name, bar, sig, out)
        if pending:
            results = self._run(_gather([c for _, c in pending]))
            for (name, _), res in zip(pending, results, strict=True):
                if isinstance(res, BaseException):
                    if not isinstance(res, Exception):
                        raise res
                    self._failed(name, res)
                else:
                    self._accept(name, bar, res, out)
        return out

    def _accept(self, name: str, bar: Bar, sig: Any, out: list[Signal]) -> None:
        if sig is None:
            return
        if not isinstance(sig, Signal):
            self._failed(name, TypeError(f"on_bar returned {type(sig).__name__}, not Signal"))
            return
        if sig.symbol and sig.symbol != bar.symbol:
            self._failed(name, ValueError(f"signal about {sig.symbol!r} for a {bar.symbol!r} bar"))
            return
        if (sig.agent, sig.symbol, sig.ts) != (name, bar.symbol, bar.ts):
            sig = attrs.evolve(sig, agent=name, symbol=bar.symbol, ts=bar.ts)
        out.append(sig)

    def _failed(self, name: str, exc: Exception) -> None:
        # As in the pipeline: an agent that raises abstains on that bar and is logged once.
        count = self._errors[name] = self._errors.get(name, 0) + 1
        if count == 1:
            log.warning("agent %s raised on %s, abstaining: %r", name, self.pair, exc)

    def _run(self, coro: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        self.engine.close()
        if self._loop is not None:
            self._loop.close()
            self._loop = None


async def _gather(coros: list[Any]) -> list[Any]:
    return await asyncio.gather(*coros, return_exceptions=True)


def _signal_of(action: Action, position: int, allow_short: bool) -> str:
    if action is Action.BUY:
        if position < 0:
            return EXIT_SHORT
        return ENTER_LONG if position == 0 else ""
    if action is Action.SELL:
        if position > 0:
            return EXIT_LONG
        return ENTER_SHORT if position == 0 and allow_short else ""
    return ""


def tag(decision: Decision) -> str:
    """freqtrade's ``enter_tag`` / ``exit_tag`` of a decision: its rationale, which starts with
    the action and confidence (``"buy 0.42: technical long ..."``), cut to freqtrade's length."""
    text = f"deepalpha {decision.rationale}"
    return text if len(text) <= TAG_LENGTH else text[: TAG_LENGTH - 3] + "..."
