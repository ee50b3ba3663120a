"""Running a whole backtest or paper session: build, load data, run, summarise, report.

The CLI commands are thin wrappers over ``run``; tests and notebooks call it directly.

Paper and live runs trade a *book* (``<mode>:<app.name>``). A run of a book that is still
``running`` when the next one starts was killed: the new run resumes it (same run id; see
``resume.py``) unless ``fresh=True``. A database that stops answering mid-run ends the run with
one ``UserError`` line and leaves it resumable.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import socket
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
from ..errors import ConfigError, DataError, UserError
from ..plugins import DeepAlphaPlugins, get_plugin_manager
from ..risk_state import state_dir
from . import feeds
from .components import Components
from .decision import AnswerRecord, DecisionEngine
from .pipeline import Engine
from .prepare import parse_when, prepare
from .resume import ResumePoint, SnapshotStore, decision_state

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
    #: A resumed run: what was found stored and what reconciling the venue found.
    resumed: dict | None = attrs.field(default=None, repr=False)

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
    fresh: bool = False,
) -> RunResult:
    """Run the pipeline in ``mode`` and return its result (summary, equity, report path).

    ``stop`` (polled between bars and between polls of a live feed) ends the feed early when it
    returns true; the run then finishes normally with the bars seen so far.

    A paper or live run resumes its book's unfinished (killed) run unless ``fresh``; the
    configuration must be the one the killed run had (the pace, the view, logging and the report
    folder may differ), or ``UserError`` says what differs.
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

    book = None if mode == "backtest" else f"{mode}:{config.app.name}"
    stored_config = mask_secrets(to_dict(config))
    previous = None if book is None else _storage(store, book, store.unfinished_run, book)
    if previous is not None and fresh:
        _abandon(store, previous)
        previous = None
    start_event: dict[str, Any] = {}
    point: ResumePoint | None = None
    if previous is not None and getattr(components.gateway, "live", False):
        # Resuming replays the run's bars through the gateway: against a real venue that would
        # send the run's orders again. Refused until a live resume restores from the venue.
        prepared.close()
        if own_store:
            store.close()
        raise UserError(
            f"book {book} has an unfinished live run {previous.id[:8]} (killed); resuming "
            "replays a run's bars through its gateway, which on a live venue would send its "
            "orders again, so it is refused: check the venue's open orders and positions, then "
            "start a new run with --fresh (the gateway reconciles the venue at start)"
        )
    if previous is not None:
        start_event = _resumable(store, previous, stored_config)
        point = ResumePoint.load(store, previous.id)

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
            elif point is not None and point.cursor is not None and config.paper.speed > 0:
                # The bars the killed run saw are replayed unpaced; the pace resumes after them.
                cut = point.cursor + 1
                bars = itertools.chain(
                    feeds.historical([s.between(None, cut) for s in series]),
                    feeds.replay([s.between(cut, None) for s in series], config.paper.speed),
                )
            else:
                bars = feeds.replay(series, config.paper.speed)
        else:
            step = timeframe_ms(config.market.timeframe)
            now = int(time.time() * 1000)
            feed = start_event.get("feed") or {}
            # A resumed live run warms up on the bars its first start warmed up on, and its feed
            # starts where that one did: the bars it saw are replayed, then the ones it missed.
            warm_from = int(feed.get("warmup_from", now - LIVE_WARMUP * step))
            warm_to = int(feed.get("start", now))
            recent = [
                components.data.fetch(symbol, config.market.timeframe, warm_from, warm_to)
                for symbol in config.market.symbols
            ]
            warmup = list(feeds.historical([s for s in recent if len(s)]))
            last = (
                int(feed["start"])
                if "start" in feed
                else max((bar.ts for bar in warmup), default=now - step)
            )
            start_event["feed"] = {"feed": "live", "warmup_from": warm_from, "start": last}
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
        bars = itertools.takewhile(lambda _bar: not stop(), bars)

    weights = {wa.name: wa.weight for wa in components.agents}
    resumed = None
    decision_store: Any = store
    if previous is not None and point is not None:
        run_id = previous.id
        found = point.describe()
        resumed = {"at": _now_iso(), "found": found, **_owner()}
        _storage(store, book, store.record_run_event, run_id, "resumed", resumed)
        log.warning(
            "resuming run %s of book %s (killed): %d orders (%d open), %d fills, %d decisions "
            "stored; last bar %s",
            run_id[:8],
            book,
            found["orders"],
            len(found["open_orders"]),
            found["fills"],
            found["decisions"],
            _when(found["last_bar_ts"]),
        )
        decision_store = SnapshotStore(store, book, start_event.get("decision_state") or {})
    else:
        run_id = store.start_run(mode, stored_config, list(config.market.symbols), book=book)
        if book is not None:
            start_event["decision_state"] = decision_state(store, book, config.decision.memory.size)
            start_event.update(_owner())
            store.record_run_event(run_id, "start", start_event)
    decisions = DecisionEngine(
        config.decision,
        weights,
        components.llm,
        AnswerRecord(store if config.decision.llm.record else None),
        store=decision_store,
        # Paper and live runs of one configuration name share learned weights and memory across
        # restarts; a backtest starts from the configured weights every time (reproducible).
        book=book,
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
        resume=point,
        book=book,
        state_dir=None if book is None else state_dir(config.storage.url),
    )
    started = time.perf_counter()
    interrupted = False
    status = "finished"
    failure: BaseException | None = None
    try:
        if view is not None:
            with view:
                engine.run(bars, warmup)
        else:
            engine.run(bars, warmup)
    except KeyboardInterrupt:
        interrupted = True
        status = "interrupted"
    except BaseException as exc:
        failure = exc
    if failure is not None:
        _close(decisions, components, quietly=True)
        db_error = _storage_error(failure)
        if db_error is not None:
            if own_store:
                store.close()
            raise UserError(_storage_message(store, db_error, run_id, book)) from None
        try:
            store.finish_run(run_id, "failed", None)
        except Exception as exc:
            log.warning("could not mark run %s failed: %s", run_id[:8], exc)
        raise failure
    _close(decisions, components)
    seconds = time.perf_counter() - started
    if resumed is not None:
        resumed["reconciled"] = engine.reconciled

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
    stats.update(engine.stats)
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
        resumed,
    )


def _close(decisions: DecisionEngine, components: Components, quietly: bool = False) -> None:
    """Save the decision engine's state and release every component's connections; after a
    failure (``quietly``) a step that fails too is logged, never chained onto the first error."""
    steps = [decisions.close]  # saves learned weights and memory (paper, live)
    steps += [provider.close for provider in components.llm.values()]
    steps += [components.gateway.close, components.data.close]
    for step in steps:
        if not quietly:
            step()
            continue
        try:
            step()
        except Exception as exc:
            log.debug("closing after a failure: %r", exc)


def _storage_error(exc: BaseException) -> BaseException | None:
    """The database error behind ``exc`` (itself, or what it was raised from), if any."""
    from sqlalchemy.exc import SQLAlchemyError

    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, SQLAlchemyError):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _storage_message(store: Any, exc: BaseException, run_id: str, book: str | None) -> str:
    from ..storage import connect

    reason = connect._one_line(exc, store.engine.url)
    tail = (
        f"run {run_id[:8]} is left unfinished; the next `deepalpha run` of book {book} resumes it"
        if book is not None
        else f"backtest {run_id[:8]} is left unfinished"
    )
    return f"the database {store.url} stopped answering mid-run ({reason}); {tail}"


def _storage(store: Any, book: str | None, call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` with a database failure turned into one ``UserError`` line."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..storage import connect

    try:
        return call(*args)
    except SQLAlchemyError as exc:
        reason = connect._one_line(exc, store.engine.url)
        raise UserError(f"the database {store.url} did not answer ({reason})") from None


#: Settings a resumed run may change: how fast and how visibly it runs, not what it trades.
#: (The database's URL too: the killed run was found in it, however it is reached.)
_RESUME_FREE = {
    ("paper", "speed"),
    ("paper", "view"),
    ("app", "log_level"),
    ("app", "report_dir"),
    ("storage", "url"),
}


def _comparable(config: Any) -> dict[str, Any]:
    from ..storage.convert import dumps

    data = json.loads(dumps(config))
    for section, key in _RESUME_FREE:
        if isinstance(data.get(section), dict):
            data[section].pop(key, None)
    return data


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            out += _differences(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        return out
    return [] if a == b else [path or "(root)"]


def _resumable(store: Any, previous: Any, config: dict[str, Any]) -> dict[str, Any]:
    """The killed run's ``start`` event, after checking it may be resumed by this process with
    this configuration; ``UserError`` otherwise."""
    label = f"run {previous.id[:8]} of book {previous.book}"
    starts = store.run_events(previous.id, "start")
    if not starts:
        raise UserError(
            f"{label} is unfinished but was started by an older release (no start record to "
            "resume from); run with --fresh to start a new run"
        )
    owners = [*starts, *store.run_events(previous.id, "resumed")]
    owner = owners[-1].details
    if owner.get("host") == socket.gethostname() and _alive(owner.get("pid")):
        raise UserError(
            f"{label} is still running in process {owner['pid']}; stop it first, or run with "
            "--fresh to start a second, separate run"
        )
    differs = _differences(_comparable(previous.config), _comparable(config))
    if differs:
        more = f" and {len(differs) - 5} more" if len(differs) > 5 else ""
        shown = ", ".join(differs[:5]) + more
        raise UserError(
            f"{label} was killed and would resume, but its configuration differs in {shown}; "
            "run it with the configuration it had to resume it, or with --fresh to start anew"
        )
    return dict(starts[0].details)


def _abandon(store: Any, previous: Any) -> None:
    """``--fresh``: close the book's killed run (``interrupted``) so that it is never resumed."""
    starts = [*store.run_events(previous.id, "start"), *store.run_events(previous.id, "resumed")]
    owner = starts[-1].details if starts else {}
    if owner.get("host") == socket.gethostname() and _alive(owner.get("pid")):
        raise UserError(
            f"run {previous.id[:8]} of book {previous.book} is still running in process "
            f"{owner['pid']}; stop it before starting a fresh run of the same book"
        )
    store.record_run_event(previous.id, "abandoned", {"at": _now_iso(), **_owner()})
    store.finish_run(previous.id, "interrupted", previous.summary)
    log.warning(
        "run %s of book %s was killed; closed as interrupted (--fresh)",
        previous.id[:8],
        previous.book,
    )


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is not running
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _owner() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _when(ms: int | None) -> str:
    if ms is None:
        return "none"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def _safe(hook_caller: Any, **kwargs: Any) -> None:
    try:
        hook_caller(**kwargs)
    except Exception:
        log.exception("lifecycle hook %s raised", getattr(hook_caller, "name", hook_caller))
