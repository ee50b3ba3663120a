"""Running a whole backtest or paper session: build, load data, run, summarise, report.

The CLI commands are thin wrappers over ``run``; tests and notebooks call it directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..config import Config, to_dict
from ..config.loader import mask_secrets
from ..data import BarSeries, timeframe_ms
from ..domain import Bar
from ..errors import ConfigError, DataError
from ..plugins import DeepAlphaPlugins, get_plugin_manager
from . import feeds
from .components import Components
from .decision import AnswerRecord, DecisionEngine
from .pipeline import Engine
from .prepare import parse_when, prepare

__all__ = ["RunResult", "load_series", "parse_when", "run"]

log = logging.getLogger(__name__)

MODES = ("backtest", "paper", "live")
#: Closed candles a live run shows its agents before the first live bar (indicators warm up).
LIVE_WARMUP = 300


@attrs.frozen
class RunResult:
    run_id: str
    mode: str
    summary: Any
    bars: int
    seconds: float
    stats: dict[str, int]
    report: Path | None
    equity_ts: np.ndarray = attrs.field(repr=False)
    equity: np.ndarray = attrs.field(repr=False)
    interrupted: bool = False
    #: Per-symbol results beside the portfolio's (``results.breakdown.Breakdown``).
    breakdown: Any = attrs.field(default=None, repr=False)
    #: Per LLM provider: model, weight, price, cutoff, calls, tokens, dollars (``governor.py``).
    llm: dict = attrs.field(factory=dict, repr=False)
    #: Consulted models whose training cutoff the run's bars start before (``cutoff.py``).
    exposures: tuple = ()
    #: Why the run stopped calling models (its budget), or ``None``.
    budget_stop: str | None = None

    @property
    def bars_per_second(self) -> float:
        return self.bars / self.seconds if self.seconds > 0 else float("inf")


def load_series(
    components: Components, config: Config, start: int | None, end: int | None, where: str
) -> list[BarSeries]:
    timeframe_ms(config.market.timeframe)  # validates the timeframe with a clear error
    out = []
    for symbol in config.market.symbols:
        series = components.data.fetch(symbol, config.market.timeframe, start, end)
        if len(series) == 0:
            span = _span(start, end)
            raise DataError(
                f"no {config.market.timeframe} bars for {symbol} from data source "
                f"{config.market.source!r}{span} ({where})"
            )
        out.append(series)
    return out


def _span(start: int | None, end: int | None) -> str:
    def fmt(ms: int | None) -> str:
        return "…" if ms is None else datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")

    if start is None and end is None:
        return ""
    return f" between {fmt(start)} and {fmt(end)}"


def run(
    config: Config,
    mode: str = "backtest",
    *,
    plugins: DeepAlphaPlugins | None = None,
    store: Any = None,
    view_factory: Callable[[Config, list[BarSeries] | None], Any] | None = None,
    report: bool = True,
    bars: Iterable[Bar] | None = None,
    stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Run the pipeline in ``mode`` and return its result (summary, equity, report path).

    ``stop`` (polled between bars and between polls of a live feed) ends the feed early when it
    returns true; the run then finishes normally with the bars seen so far.
    """
    from ..results.breakdown import breakdown
    from ..storage import Store

    if mode not in MODES:
        raise ConfigError(f"mode {mode!r} is not one of: {', '.join(MODES)}")
    plugins = plugins or get_plugin_manager()
    # The same checks and builds as `config validate`: a run refuses exactly what it refuses.
    prepared = prepare(config, mode, plugins, report=report)
    components = prepared.components
    own_store = store is None
    if own_store:
        store = Store.open(config.storage.url)

    series: list[BarSeries] | None = None
    warmup: list[Bar] = []
    if bars is None:
        if mode == "backtest" or config.paper.feed == "replay":
            window = prepared.window
            series = load_series(
                components, config, window.start, window.end, f"{window.section}.start/end"
            )
            if mode == "backtest":
                bars = feeds.historical(series)
            else:
                bars = feeds.replay(series, config.paper.speed)
        else:
            step = timeframe_ms(config.market.timeframe)
            now = int(time.time() * 1000)
            recent = [
                components.data.fetch(
                    symbol, config.market.timeframe, now - LIVE_WARMUP * step, now
                )
                for symbol in config.market.symbols
            ]
            warmup = list(feeds.historical([s for s in recent if len(s)]))
            last = max((bar.ts for bar in warmup), default=now - step)
            bars = feeds.live(
                components.data,
                config.market.symbols,
                config.market.timeframe,
                config.paper.poll_seconds,
                start=last,
                **({"stop": stop} if stop is not None else {}),
            )
    exposures = prepared.exposures
    if series and prepared.window is not None and prepared.window.start is None:
        from .cutoff import guard

        first = min(int(s.ts[0]) for s in series)
        exposures = tuple(guard(config, first, f"{prepared.window.section}.start"))
    for exposure in exposures:
        log.warning(
            "look-ahead risk: the bars start before the training cutoff of %s; the model may "
            "remember this market",
            exposure.describe(),
        )
    if stop is not None:
        import itertools

        bars = itertools.takewhile(lambda _bar: not stop(), bars)

    weights = {wa.name: wa.weight for wa in components.agents}
    run_id = store.start_run(mode, mask_secrets(to_dict(config)), list(config.market.symbols))
    decisions = DecisionEngine(
        config.decision,
        weights,
        components.llm,
        AnswerRecord(store if config.decision.llm.record else None),
        store=store,
        # Paper and live runs of one configuration name share learned weights and memory across
        # restarts; a backtest starts from the configured weights every time (reproducible).
        book=None if mode == "backtest" else f"{mode}:{config.app.name}",
        allow_short=components.policy.allow_short,
        provider_configs=config.llm_providers,
        ledger=store,
        run_id=run_id,
    )
    hook = plugins.hook
    _safe(hook.on_run_start, run_id=run_id, mode=mode, config=config)
    view = view_factory(config, series) if view_factory else None
    engine = Engine(
        components,
        decisions,
        store=store,
        run_id=run_id,
        hook=hook,
        view=view,
        buffered=(mode == "backtest"),
        trading=config.trading,
        timeframe=config.market.timeframe,
        # Backtests walk the source's own columns; a replayed or live feed builds its histories.
        series={s.symbol: s for s in series} if series and mode == "backtest" else None,
        agent_budget=None if mode == "backtest" else config.paper.agent_budget_seconds,
        symbols=tuple(config.market.symbols),
    )
    started = time.perf_counter()
    interrupted = False
    status = "finished"
    try:
        if view is not None:
            with view:
                engine.run(bars, warmup)
        else:
            engine.run(bars, warmup)
    except KeyboardInterrupt:
        interrupted = True
        status = "interrupted"
    except BaseException:
        store.finish_run(run_id, "failed", None)
        raise
    finally:
        decisions.close()  # saves learned weights and memory (paper, live)
        for provider in components.llm.values():
            provider.close()
        components.gateway.close()
        components.data.close()
    seconds = time.perf_counter() - started

    rows = engine.equity_rows
    ts = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    equity = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    # Everything the metrics need, the run already holds: its fills and each symbol's closes.
    closes = {sym: (h.ts, h.close) for sym, h in engine.histories.items()}
    bd = (
        breakdown(ts, equity, closes, engine.fills, timeframe_ms(config.market.timeframe))
        if len(rows)
        else None
    )
    summary = bd.portfolio if bd is not None else None
    stats = dict(decisions.stats)
    stats.update(
        orders=engine.state.orders, fills=engine.state.fills, rejections=engine.state.rejections
    )
    llm_usage = decisions.governor.usage() if components.llm else {}
    budget_stop = decisions.governor.budget_stop
    llm_summary = {
        "providers": llm_usage,
        "budget_stop": budget_stop,
        "exposures": [e.describe() for e in exposures],
    }
    report_path = None
    if report and bd is not None:
        from ..results.report import write_report

        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        report_path = Path(config.app.report_dir) / f"{mode}-{stamp}-{run_id[:8]}.html"
        write_report(
            report_path,
            bd,
            title=f"DeepAlpha {mode}: {', '.join(config.market.symbols)} {config.market.timeframe}",
            config=mask_secrets(to_dict(config)),
            weights=decisions.agent_weights(),
            llm={**llm_summary, "stats": stats},
        )
    if bd is None:
        store.finish_run(run_id, status, {"summary": None, "stats": stats, "llm": llm_summary})
        raise DataError("the run ended before its first bar; nothing to summarise")
    store.finish_run(run_id, status, {**bd.to_dict(), "stats": stats, "llm": llm_summary})
    _safe(hook.on_run_end, run_id=run_id, summary=summary)
    if own_store:
        store.close()
    return RunResult(
        run_id,
        mode,
        summary,
        engine.state.bars,
        seconds,
        stats,
        report_path,
        ts,
        equity,
        interrupted,
        bd,
        llm_usage,
        tuple(exposures),
        budget_stop,
    )


def _safe(hook_caller: Any, **kwargs: Any) -> None:
    try:
        hook_caller(**kwargs)
    except Exception:
        log.exception("lifecycle hook %s raised", getattr(hook_caller, "name", hook_caller))
