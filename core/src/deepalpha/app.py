"""``DeepAlphaEngine``: the product description's way of starting a run from a script.

A thin layer over :func:`deepalpha.engine.runner.run`, the function behind ``deepalpha backtest``
and ``deepalpha run``: the engine collects symbols and agents added in code on top of the
settings, then runs the real pipeline in a worker thread so that ``await engine.start()`` does not
block the caller's event loop. There is no second engine here.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from .config import Config, Settings
from .config.schema import ComponentConfig
from .errors import ConfigError

if TYPE_CHECKING:
    from .agents import Agent
    from .engine.runner import RunResult
    from .plugins import DeepAlphaPlugins

MODES = ("backtest", "paper", "live")


class DeepAlphaEngine:
    """Runs DeepAlpha's pipeline over the settings plus the symbols and agents added in code.

    ``mode`` is ``backtest``, ``paper`` or ``live``; by default ``backtest`` for settings loaded
    with the ``backtest`` environment, ``live`` when the settings enable live trading, else
    ``paper`` (replaying or polling the configured feed, ``paper.feed``).

    Symbols added with :meth:`add_symbol` replace the configured ``market.symbols`` (with none
    added, the configured ones trade). Agents added with :meth:`add_agent` run beside the
    configured ones.
    """

    def __init__(
        self,
        settings: Config | None = None,
        *,
        mode: str | None = None,
        plugins: DeepAlphaPlugins | None = None,
        report: bool = True,
    ) -> None:
        if mode is not None and mode not in MODES:
            raise ValueError(
                f"DeepAlphaEngine: mode must be one of {', '.join(MODES)}, got {mode!r}"
            )
        if settings is not None and not isinstance(settings, Config):
            raise TypeError(
                "DeepAlphaEngine: settings must be a deepalpha.config.Settings (or Config), got "
                f"{type(settings).__name__}; load them with Settings.from_file(path)"
            )
        self.settings = Settings.from_config(settings) if settings is not None else None
        self._mode = mode
        self._plugins = plugins
        self._report = report
        self._symbols: list[str] = []
        self._agents: dict[str, ComponentConfig] = {}
        self._stop = threading.Event()
        self._running = False
        #: The last run's result (``RunResult``: summary, equity, report path), once it ended.
        self.result: RunResult | None = None

    # -- what to run ------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        if self._mode is not None:
            return self._mode
        settings = self._settings()
        if settings.env == "backtest":
            return "backtest"
        return "live" if settings.live.enabled else "paper"

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols the next run trades."""
        return tuple(self._symbols) or self._settings().market.symbols

    def add_symbol(self, symbol: str) -> None:
        """Trade ``symbol`` (``"BTC/USDT"``) in the next run; adding it again changes nothing."""
        if not isinstance(symbol, str) or not symbol.strip():
            raise ValueError(f"add_symbol: symbol must be a non-empty string, got {symbol!r}")
        if symbol != symbol.strip():
            raise ValueError(f"add_symbol: symbol has surrounding spaces: {symbol!r}")
        if symbol not in self._symbols:
            self._symbols.append(symbol)

    def add_agent(
        self,
        agent: type[Agent] | Callable[..., Agent],
        *,
        name: str | None = None,
        weight: float = 1.0,
        options: dict[str, Any] | None = None,
    ) -> str:
        """Register ``agent`` (``deepalpha.register_agent``) and enable it in the next run.

        Returns the name it runs under. ``options`` is the agent's ``options:`` mapping, checked
        against the options class it was registered with.
        """
        from .agents import register_agent

        if self._plugins is not None:
            raise RuntimeError(
                "add_agent: this engine was given its own plugins=; register the agent there "
                "(a plugin's register_agents) or leave plugins= out"
            )
        name = register_agent(agent, name=name).name
        self._agents[name] = ComponentConfig(
            enabled=True, weight=float(weight), options=dict(options or {})
        )
        return name

    def config(self) -> Config:
        """The configuration the next run uses: the settings with added symbols and agents."""
        settings = self._settings()
        changes: dict[str, Any] = {}
        if self._symbols:
            changes["market"] = attrs.evolve(settings.market, symbols=tuple(self._symbols))
        if self._agents:
            changes["agents"] = {**settings.agents, **self._agents}
        if not changes:
            return settings
        try:
            return attrs.evolve(settings, **changes)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"DeepAlphaEngine: {exc}") from None

    # -- running ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    async def start(self) -> RunResult:
        """Run to the end of the feed (or until :meth:`stop`) and return the result.

        The pipeline runs in a worker thread (``asyncio.to_thread``); cancelling the awaiting task
        stops the run at the next bar.
        """
        from .engine.runner import run

        if self._running:
            raise RuntimeError("DeepAlphaEngine.start: this engine is already running")
        config, mode = self.config(), self.mode
        self._stop.clear()
        self._running = True
        try:
            self.result = await asyncio.to_thread(
                run,
                config,
                mode,
                plugins=self._plugins,
                report=self._report,
                stop=self._stop.is_set,
            )
        except asyncio.CancelledError:
            self._stop.set()  # the thread cannot be cancelled; ask it to end at the next bar
            raise
        finally:
            self._running = False
        return self.result

    def stop(self) -> None:
        """End a running feed at the next bar or poll; ``start`` then returns the result.

        Safe to call from any thread (an agent, a signal handler, another task).
        """
        self._stop.set()

    # -- internals --------------------------------------------------------------------------------

    def _settings(self) -> Settings:
        if self.settings is None:
            self.settings = Settings.defaults()
        return self.settings
