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
import re
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from . import hookimpl
from .data import TIMEFRAMES
from .domain import Bar, Signal
from .history import History
from .plugins import set_runtime_plugin
from .records import AgentSpec


class Agent(abc.ABC):
    name: str = "agent"

    #: Bars the agent needs before its signals mean anything; the engine still calls it earlier.
    warmup: int = 0

    #: Coarser timeframes the agent reads through ``history.resampled(tf)``. Declaring them lets
    #: the engine (and ``config validate``) refuse a run whose bars cannot be resampled to them
    #: (``"1h"`` bars make no ``"15m"`` or ``"90m"`` bars) before it starts.
    timeframes: tuple[str, ...] = ()

    #: True for an agent that reads other symbols through ``history.market`` (correlation, breadth):
    #: its signals legitimately change when other symbols run beside it, which ``check_agent``
    #: otherwise treats as a bug.
    uses_market: bool = False

    @abc.abstractmethod
    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        """The agent's signal after ``bar`` closed, or ``None`` to abstain."""

    def reset(self) -> None:
        """Forget all state, as if freshly built (called before each run)."""


# -- the product description's agent API ---------------------------------------------------------

_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


class MarketData(Mapping[str, np.ndarray]):
    """Bars of one symbol and timeframe as read-only numpy columns, oldest first.

    A mapping of ``ts`` (bar open time, epoch ms UTC), ``open``, ``high``, ``low``, ``close`` and
    ``volume``, so ``data["close"]`` reads as in the product description; ``len(data)`` is the
    number of columns, ``data.bars`` the number of bars.
    """

    __slots__ = ("_columns", "symbol", "timeframe")

    def __init__(self, symbol: str, timeframe: str | None, columns: dict[str, np.ndarray]) -> None:
        self.symbol = symbol
        self.timeframe = timeframe
        self._columns = columns

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(
                f"no column {name!r} in market data; columns: {', '.join(_COLUMNS)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def bars(self) -> int:
        return len(self._columns["ts"])

    def __repr__(self) -> str:
        return f"MarketData({self.symbol!r}, {self.timeframe!r}, bars={self.bars})"


class BaseAgent(Agent):
    """An agent written as in the product description: ``async def analyze(symbol, timeframe)``.

    A thin layer over :class:`Agent`, not a second engine: the engine calls ``on_bar`` (a coroutine,
    awaited concurrently with the other agents), which keeps the bar and the symbol's ``History``
    and awaits :meth:`analyze` with the bar's symbol and the run's timeframe. Inside ``analyze``,
    :meth:`get_market_data` reads that ``History`` up to the current bar, a coarser timeframe
    resampled from it (closed bars only), or another symbol of the run (bars strictly before the
    current one). Nothing after the current bar is reachable, in a backtest as live.

    The engine builds one instance per symbol (the factory is called once per symbol), so whatever
    a subclass keeps on ``self`` belongs to one symbol. A ``Signal`` left without ``agent``,
    ``symbol`` or ``ts`` (``Signal.buy(confidence=0.8)``) is completed by the engine with the
    agent's configured name and the current bar. Returning ``None`` abstains, as does raising.
    Reading another symbol sets ``uses_market`` (``deepalpha.testing.check_agent`` then expects
    signals to differ between a symbol run alone and run beside others).

    ``analyze`` recomputes from the data it asks for, which is simple but costs time proportional
    to the history on every bar; an agent that must be fast keeps streaming indicators instead (see
    ``docs/agent_api.md``).
    """

    #: Set once the agent has read another symbol's bars (see the class docstring).
    uses_market: bool = False

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        #: The bar being analysed and its symbol's history; ``None`` before the first bar.
        self.bar: Bar | None = None
        self.history: History | None = None

    def reset(self) -> None:
        self.bar = None
        self.history = None

    async def on_bar(self, bar: Bar, history: History) -> Signal | None:
        self.bar = bar
        self.history = history
        return await self.analyze(bar.symbol, history.timeframe)

    @abc.abstractmethod
    async def analyze(self, symbol: str, timeframe: str) -> Signal | None:
        """The signal for ``symbol`` after the current bar closed; ``None`` abstains."""

    async def get_market_data(
        self, symbol: str | None = None, timeframe: str | None = None
    ) -> MarketData:
        """Read-only columns of ``symbol`` at ``timeframe`` up to the current bar.

        ``symbol`` defaults to the analysed one and ``timeframe`` to the run's. A coarser timeframe
        holds only bars that have closed; another symbol holds only bars strictly before the
        current bar's time. A finer timeframe than the run's cannot be made from its bars and is
        an error.
        """
        history, bar = self.history, self.bar
        if history is None or bar is None:
            raise RuntimeError(
                "get_market_data: no bar has been analysed yet; call it from analyze()"
            )
        symbol = symbol or history.symbol
        timeframe = timeframe or history.timeframe
        if history.timeframe is not None and timeframe != history.timeframe:
            _check_coarser(timeframe, history)
        if symbol == history.symbol:
            source = history if timeframe == history.timeframe else history.resampled(timeframe)
            columns = {name: source.column(name) for name in _COLUMNS}
            return MarketData(symbol, timeframe, columns)
        self.uses_market = True
        market = history.market
        if market is None:
            raise ValueError(
                f"get_market_data: other symbols are only available inside a run; this agent "
                f"analyses {history.symbol!r} and asked for {symbol!r}"
            )
        if symbol not in market.symbols:
            # The engine learns a symbol at its first bar, so this is a typo or a symbol whose
            # data starts later; either way there is nothing to show.
            raise ValueError(
                f"get_market_data: symbol {symbol!r} has no bars in this run so far "
                f"(symbols so far: {', '.join(market.symbols)})"
            )
        columns = {name: market.column(symbol, name, before=bar.ts) for name in _COLUMNS}
        if timeframe != history.timeframe:
            columns = _resample(columns, history.step_ms, TIMEFRAMES[timeframe])
        return MarketData(symbol, timeframe, columns)


def _check_coarser(timeframe: str, history: History) -> None:
    step = TIMEFRAMES.get(timeframe)
    if step is None:
        raise ValueError(
            f"get_market_data: timeframe {timeframe!r} is not one of: {', '.join(TIMEFRAMES)}"
        )
    if step < history.step_ms:
        raise ValueError(
            f"get_market_data: timeframe {timeframe!r} is finer than the run's "
            f"{history.timeframe!r} bars and cannot be made from them; ask for "
            f"{history.timeframe!r} or a coarser timeframe"
        )
    if step % history.step_ms:
        raise ValueError(
            f"get_market_data: timeframe {timeframe!r} is not a whole multiple of the run's "
            f"{history.timeframe!r} bars"
        )


#: Weekly bars start on Monday 00:00 UTC, as in ``History.resampled`` (the epoch was a Thursday).
_WEEK_OFFSET_MS = 4 * 86_400_000


def _resample(columns: dict[str, np.ndarray], base_ms: int, step_ms: int) -> dict[str, np.ndarray]:
    """Closed ``step_ms`` bars from base bars, by the rules of ``History.resampled``.

    A period is closed once its last base bar is in, or once a bar of a later period is (a gap).
    Used for another symbol's bars, which are cut at the current time rather than appended.
    """
    ts = columns["ts"]
    offset = _WEEK_OFFSET_MS if step_ms == TIMEFRAMES["1w"] else 0
    starts = (ts - offset) // step_ms * step_ms + offset
    if len(ts):
        first = np.flatnonzero(np.r_[True, starts[1:] != starts[:-1]])
        forming = ts[-1] + base_ms < starts[-1] + step_ms  # the last period is still open
        first_open = first[-1] if forming else len(ts)
        complete = first[first < first_open]
    else:
        first_open = 0
        complete = np.empty(0, dtype=np.intp)
    out: dict[str, np.ndarray] = {}
    if len(complete):
        last = np.r_[complete[1:], first_open] - 1
        cut = slice(0, first_open)
        out["ts"] = starts[complete]
        out["open"] = columns["open"][complete]
        out["high"] = np.maximum.reduceat(columns["high"][cut], complete)
        out["low"] = np.minimum.reduceat(columns["low"][cut], complete)
        out["close"] = columns["close"][last]
        out["volume"] = np.add.reduceat(columns["volume"][cut], complete)
    else:
        out = {name: columns[name][:0].copy() for name in _COLUMNS}
    for array in out.values():
        array.flags.writeable = False
    return out


# -- registration from a script -------------------------------------------------------------------

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _ScriptPlugin:
    """The plugin object behind ``register_agent``: one registration hook returning one record."""

    def __init__(self, spec: AgentSpec) -> None:
        self.spec = spec

    @hookimpl
    def register_agents(self) -> list[AgentSpec]:
        return [self.spec]


def register_agent(
    agent: type[Agent] | Callable[..., Agent],
    *,
    name: str | None = None,
    description: str = "",
    options: type | None = None,
) -> AgentSpec:
    """Make ``agent`` resolvable by ``name`` in this process, as if a plugin provided it.

    For scripts and notebooks; a distribution registers agents through its entry point instead.
    ``agent`` is an ``Agent`` subclass or a factory returning one; the engine calls it once per
    symbol (with an ``options`` instance when ``options`` is an attrs class). ``name`` defaults to
    the class's own ``name`` or, when it has none, its class name without ``Agent``, lower-cased
    (``CustomAgent`` -> ``custom``). Registering a name again in the same process replaces the
    earlier registration; a name an installed plugin also provides is a clash, reported as such.
    """
    if isinstance(agent, Agent):
        raise TypeError(
            f"register_agent: pass the class {type(agent).__name__}, not an instance: the engine "
            "builds one instance per symbol"
        )
    if not callable(agent):
        raise TypeError(f"register_agent: expected an Agent class or factory, got {agent!r}")
    if name is None:
        own = getattr(agent, "name", None)
        if isinstance(agent, type) and own == Agent.name:
            own = agent.__name__.removesuffix("Agent").lower()
        name = own if isinstance(own, str) else getattr(agent, "__name__", "").lower()
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"register_agent: name must be lower-case letters, digits and _ starting with a "
            f"letter (it is written in configs and on the command line), got {name!r}"
        )
    spec = AgentSpec(
        name=name,
        factory=agent,
        options=options,
        description=description or (getattr(agent, "__doc__", None) or "").strip().split("\n")[0],
    )
    unregister_agent(name)
    module = getattr(agent, "__module__", None) or "script"
    _registered[name] = f"{module}:{name}"
    set_runtime_plugin(_registered[name], _ScriptPlugin(spec))
    return spec


#: Agent name -> the in-process plugin name ``register_agent`` gave it (``module:name``).
_registered: dict[str, str] = {}


def unregister_agent(name: str) -> None:
    """Undo ``register_agent(..., name=name)`` in this process (tests, notebooks)."""
    plugin = _registered.pop(name, None)
    if plugin is not None:
        set_runtime_plugin(plugin, None)
