"""The baselines an agent configuration must beat.

* **Buy and hold**, equal weight: at the first bar's close the capital is split equally between the
  symbols, and each share buys its symbol at the *next* bar's open (the same next-bar fill as the
  engine's orders), paying the paper gateway's slippage and fee rate; then it is held and marked at
  each close. No exit fee is charged at the end, as the engine's open positions are marked without
  one either. Computed here rather than by an agent because the risk rules' position sizing would
  keep an agent from ever holding the whole capital.
* **Random signals** (``RandomSignalAgent``): an agent that run through the same engine, risk rules,
  gateway, fees, slippage and next-bar fills as the configuration under test, whose signals are
  coin flips at the configuration's own trading rate. Per symbol it keeps an intended position
  (flat or long; long, flat or short when the run trades both ways) and, on each bar, changes it
  with probability ``rate``, signalling the change. The harness sets ``rate`` to the evaluated
  run's fills per bar, so the random strategy trades about as often, and averages several seeds.
* **The agents without the LLM** is the same configuration with ``decision.llm.providers: []``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs
import numpy as np
from attrs import field, frozen

from .. import hookimpl
from ..agents import Agent
from ..domain import Bar, Direction, Signal
from ..history import History
from ..records import AgentSpec

#: The name the random agent is configured under in a baseline run.
RANDOM_AGENT = "eval_random"
PLUGIN_NAME = "deepalpha-eval"


def _rate(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name}: must be in [0, 1], got {value!r}")


@frozen
class RandomSignalOptions:
    #: Probability per bar of changing the intended position.
    rate: float = field(default=0.05, validator=_rate)
    seed: int = 0
    #: Also go short (a run with ``trading.direction: long_short``).
    short: bool = False


class RandomSignalAgent(Agent):
    """Coin-flip signals at a set rate, seeded per symbol (see the module docstring)."""

    name = RANDOM_AGENT

    def __init__(self, options: RandomSignalOptions | None = None) -> None:
        self.options = options or RandomSignalOptions()
        self.reset()

    def reset(self) -> None:
        self._rng: np.random.Generator | None = None
        self._state = Direction.FLAT

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        if self._rng is None:  # one stream per (seed, symbol): symbols never share draws
            self._rng = np.random.default_rng(
                [self.options.seed, zlib.crc32(bar.symbol.encode("utf-8"))]
            )
        if self._rng.random() >= self.options.rate:
            return None
        if self.options.short:
            choices = [d for d in Direction if d is not self._state]
            target = choices[int(self._rng.integers(0, len(choices)))]
        else:
            target = Direction.FLAT if self._state is Direction.LONG else Direction.LONG
        before, self._state = self._state, target
        # Going flat from a long is a sell; from a short, a buy.
        direction = target if target is not Direction.FLAT else Direction(-int(before))
        return Signal("", bar.symbol, bar.ts, direction, 1.0, 1.0, "random baseline")


class EvalPlugin:
    """The in-process plugin that makes ``eval_random`` resolvable in baseline runs."""

    @staticmethod
    @hookimpl
    def register_agents() -> list[AgentSpec]:
        return [
            AgentSpec(
                name=RANDOM_AGENT,
                factory=RandomSignalAgent,
                description="random signals at a set rate (deepalpha eval's baseline)",
                options=RandomSignalOptions,
            )
        ]


@frozen
class HoldCurve:
    equity: np.ndarray
    fees: float
    turnover: float


def buy_and_hold(
    ts: np.ndarray,
    bars: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    initial: float,
    *,
    fee_rate: float,
    slippage_bps: float,
) -> HoldCurve:
    """Equity of the equal-weight buy-and-hold on the rows ``ts`` (see the module docstring).

    ``bars`` maps each symbol to its ``(ts, open, close)`` columns covering the window. Row 0 is
    the starting capital; each symbol is bought at the open of its first bar after ``ts[0]``.
    """
    ts = np.asarray(ts, dtype=np.int64)
    equity = np.full(len(ts), float(initial))
    if not bars or len(ts) < 2:
        return HoldCurve(equity, 0.0, 0.0)
    share = float(initial) / len(bars)
    slip = float(slippage_bps) / 10_000.0
    fees = 0.0
    invested = 0.0
    held = np.zeros(len(ts))
    for sym_ts, opens, closes in bars.values():
        entry = int(np.searchsorted(sym_ts, ts[0], side="right"))
        if entry >= len(sym_ts):  # no bar to buy on: the share stays in cash
            held += share
            continue
        price = float(opens[entry]) * (1.0 + slip)
        quantity = share / (price * (1.0 + fee_rate))
        fee = quantity * price * fee_rate
        fees += fee
        invested += quantity * price
        cash_left = share - quantity * price - fee
        # Marked at the last close at or before each row once bought; cash before the fill.
        idx = np.searchsorted(sym_ts, ts, side="right") - 1
        bought = ts >= sym_ts[entry]
        value = np.where(bought, quantity * closes[np.clip(idx, 0, None)] + cash_left, share)
        held += value
    equity = held
    equity[0] = float(initial)
    return HoldCurve(equity, fees, invested / float(initial))


def paper_costs(options: Mapping[str, object]) -> tuple[float, float]:
    """``(fee_rate, slippage_bps)`` from ``gateway.options``, with the paper gateway's defaults."""
    fee = options.get("fee_rate", Decimal("0.001"))
    slip = options.get("slippage_bps", 5)
    return float(fee), float(slip)


def mean_curve(curves: Sequence[np.ndarray]) -> np.ndarray:
    return np.mean(np.vstack(curves), axis=0)
