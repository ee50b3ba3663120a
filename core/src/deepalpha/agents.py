"""The agent extension point.

An agent turns market data into a ``Signal`` for one symbol. The engine calls ``on_bar`` once per
closed bar with that bar and the symbol's ``History`` (which ends at that bar: no look-ahead).
Agents whose ``on_bar`` is a coroutine function are awaited concurrently with the other agents;
plain functions are called directly, which keeps backtests fast.

Returning ``None`` abstains. Raising also abstains: the engine logs the error and goes on, so one
faulty agent cannot stop a run.
"""

from __future__ import annotations

import abc

from .domain import Bar, Signal
from .history import History


class Agent(abc.ABC):
    name: str = "agent"

    #: Bars the agent needs before its signals mean anything; the engine still calls it earlier.
    warmup: int = 0

    @abc.abstractmethod
    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        """The agent's signal after ``bar`` closed, or ``None`` to abstain."""

    def reset(self) -> None:
        """Forget all state, as if freshly built (called before each run)."""
