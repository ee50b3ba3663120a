"""``DeepAlphaStrategy``: a freqtrade ``IStrategy`` entering and exiting on DeepAlpha's decisions.

Subclass it in a freqtrade strategy file and set what to run::

    from deepalpha_freqtrade import DeepAlphaStrategy

    class DeepAlpha(DeepAlphaStrategy):
        timeframe = "1h"
        deepalpha_agents = {"technical": {"weight": 1.0}, "trend": {"weight": 1.0}}
        deepalpha_decision = {"threshold": 0.1}
        deepalpha_llm = False          # the default; on: the configured providers, answers replayed

or leave the class as it is and put the same keys under ``"deepalpha"`` in freqtrade's
``config.json`` (``{"deepalpha": {"config": "deepalpha.yaml", "agents": ["technical"]}}``); the
configuration wins over the class attributes.

``populate_indicators`` runs the agents and the decision engine over the pair's candles (see
``signals.py``) and adds ``deepalpha_action``, ``deepalpha_confidence``, ``deepalpha_position``,
``deepalpha_signal`` and ``deepalpha_tag``; ``populate_entry_trend`` / ``populate_exit_trend`` copy
``deepalpha_signal`` into ``enter_long`` / ``exit_long`` (and the short columns when ``can_short``),
with the decision's rationale as ``enter_tag`` / ``exit_tag``. A decision on candle ``t`` is acted
on at the open of ``t + 1``, in freqtrade as in DeepAlpha.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from freqtrade.strategy import IStrategy
from pandas import DataFrame

from .signals import (
    ENTER_LONG,
    ENTER_SHORT,
    EXIT_LONG,
    EXIT_SHORT,
    PairSignals,
    Settings,
    load_settings,
)

log = logging.getLogger(__name__)

#: Keys of the ``"deepalpha"`` section of freqtrade's configuration.
CONFIG_KEYS = ("config", "agents", "decision", "llm")


class DeepAlphaStrategy(IStrategy):
    """Entries and exits from DeepAlpha's agents and decision engine, one instance per pair."""

    INTERFACE_VERSION = 3
    timeframe = "1h"
    can_short = False
    # Exits are DeepAlpha's decisions: freqtrade's ROI table and stop-loss are set out of reach
    # (freqtrade's documented way of disabling them). Override them to let freqtrade exit too;
    # DeepAlpha's position then follows its own decisions, not the trade (see the README).
    minimal_roi: ClassVar[dict[str, float]] = {"0": 100.0}
    stoploss = -0.99
    trailing_stop = False
    use_exit_signal = True
    exit_profit_only = False
    ignore_roi_if_entry_signal = False
    process_only_new_candles = True
    startup_candle_count: int = 0

    #: A DeepAlpha configuration file (YAML, ``deepalpha run``'s schema), relative to freqtrade's
    #: ``user_data_dir``; ``None``: DeepAlpha's packaged defaults.
    deepalpha_config: ClassVar[str | None] = None
    #: Agents by name (``["technical", "trend"]``) or name -> ``{weight, options}``; ``None``: the
    #: configuration's agents.
    deepalpha_agents: ClassVar[Any] = None
    #: Merged over the configuration's ``decision:`` (threshold, min_confidence, weights, ...).
    deepalpha_decision: ClassVar[dict[str, Any]] = {}
    #: Consult the configured LLM providers at decision points (off: the agents' vote decides).
    deepalpha_llm: ClassVar[bool] = False

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        self._deepalpha: Settings | None = None
        self._pairs: dict[str, PairSignals] = {}

    # -- DeepAlpha --------------------------------------------------------------------------------

    def deepalpha_settings(self) -> Settings:
        """The built agents and LLM providers (made on first use, then shared by every pair)."""
        if self._deepalpha is None:
            section = dict(self.config.get("deepalpha") or {})
            unknown = sorted(set(section) - set(CONFIG_KEYS))
            if unknown:
                raise ValueError(
                    f"deepalpha: unknown key(s) {', '.join(unknown)}; valid: "
                    f"{', '.join(CONFIG_KEYS)}"
                )
            path = section.get("config", self.deepalpha_config)
            if path is not None and not Path(path).is_absolute():
                base = self.config.get("user_data_dir")
                path = str(Path(base) / path) if base else path
            self._deepalpha = load_settings(
                path,
                agents=section.get("agents", self.deepalpha_agents),
                decision=section.get("decision", self.deepalpha_decision),
                llm=bool(section.get("llm", self.deepalpha_llm)),
                allow_short=bool(self.can_short),
                timeframe=self.timeframe,
            )
        return self._deepalpha

    def deepalpha_pair(self, pair: str) -> PairSignals:
        """The pair's agents, history and decision engine."""
        signals = self._pairs.get(pair)
        if signals is None:
            signals = PairSignals(pair, self.deepalpha_settings(), self.timeframe)
            self._pairs[pair] = signals
        return signals

    def bot_cleanup(self) -> None:
        for signals in self._pairs.values():
            signals.close()
        self._pairs.clear()
        if self._deepalpha is not None:
            self._deepalpha.close()
            self._deepalpha = None

    # -- freqtrade --------------------------------------------------------------------------------

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        pair = metadata["pair"]
        ts = dataframe["date"].dt.as_unit("ms").astype("int64").to_numpy()
        close = dataframe["close"].to_numpy(dtype=float)
        signals = self.deepalpha_pair(pair)
        if not signals.covers(ts, close):
            # Other candles than those seen (a new backtest in the same process): start over.
            signals.close()
            signals = self._pairs[pair] = PairSignals(
                pair, self.deepalpha_settings(), self.timeframe
            )
        rows = signals.update(
            ts,
            dataframe["open"].to_numpy(dtype=float),
            dataframe["high"].to_numpy(dtype=float),
            dataframe["low"].to_numpy(dtype=float),
            close,
            dataframe["volume"].to_numpy(dtype=float),
        )
        dataframe["deepalpha_action"] = [r.action for r in rows]
        dataframe["deepalpha_confidence"] = np.array(
            [np.nan if r.confidence is None else r.confidence for r in rows], dtype=float
        )
        dataframe["deepalpha_position"] = np.array([r.position for r in rows], dtype=np.int64)
        dataframe["deepalpha_signal"] = [r.signal for r in rows]
        dataframe["deepalpha_tag"] = [r.tag for r in rows]
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        self._copy(dataframe, ENTER_LONG, "enter_long", "enter_tag")
        if self.can_short:
            self._copy(dataframe, ENTER_SHORT, "enter_short", "enter_tag")
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        self._copy(dataframe, EXIT_LONG, "exit_long", "exit_tag")
        if self.can_short:
            self._copy(dataframe, EXIT_SHORT, "exit_short", "exit_tag")
        return dataframe

    @staticmethod
    def _copy(dataframe: DataFrame, signal: str, column: str, tag_column: str) -> None:
        where = dataframe["deepalpha_signal"] == signal
        dataframe.loc[where, column] = 1
        dataframe.loc[where, tag_column] = dataframe.loc[where, "deepalpha_tag"]
