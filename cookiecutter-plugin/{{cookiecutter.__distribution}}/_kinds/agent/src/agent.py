"""The ``{{ cookiecutter.plugin_name }}`` agent: RSI extremes read as mean reversion.

The engine builds one instance per symbol (the spec's factory is called once for each symbol of
a run), so the indicator below belongs to one symbol and the agent never keys state by symbol.

The RSI is the kernel's streaming class, found by name through the installed kernel plugin: one
O(1) ``update`` per bar, the same value TA-Lib gives on the whole series, and ``nan`` while it
warms up. Recomputing an indicator over ``history.close`` on every bar would cost O(n) per bar.
"""

from __future__ import annotations

import math

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Signal
from deepalpha.history import History
from deepalpha.indicators import indicator

from .options import {{ cookiecutter.__class_prefix }}Options


class {{ cookiecutter.__class_prefix }}Agent(Agent):
    name = "{{ cookiecutter.plugin_name }}"

    def __init__(self, options: {{ cookiecutter.__class_prefix }}Options | None = None) -> None:
        self.options = options if options is not None else {{ cookiecutter.__class_prefix }}Options()
        # TA-Lib's RSI needs period + 1 closes; the engine still calls on_bar before that.
        self.warmup = self.options.period + 1
        self.reset()

    def reset(self) -> None:
        """Forget everything: called before each run (and by the contract tests between runs)."""
        self._rsi = indicator("RSI", streaming=True)(self.options.period)

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        rsi = self._rsi.update(bar.close)
        if math.isnan(rsi):
            return None  # still warming up: abstain
        o = self.options
        reading = f"RSI{o.period} {rsi:.1f}"
        # Named constructors leave agent, symbol and ts empty: the engine fills them in with
        # this agent's configured name and the bar the signal answers.
        if rsi < o.oversold:
            return Signal.buy(
                confidence=o.confidence,
                strength=(o.oversold - rsi) / o.oversold,
                rationale=f"{reading} < {o.oversold:g}: oversold, a rebound is likely",
            )
        if rsi > o.overbought:
            return Signal.sell(
                confidence=o.confidence,
                strength=(rsi - o.overbought) / (100.0 - o.overbought),
                rationale=f"{reading} > {o.overbought:g}: overbought, a pull-back is likely",
            )
        return Signal.hold(
            confidence=o.confidence,
            rationale=f"{reading} between {o.oversold:g} and {o.overbought:g}: no edge",
        )
