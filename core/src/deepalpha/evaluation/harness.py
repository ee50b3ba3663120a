"""``deepalpha eval``: run a configuration and its baselines over walk-forward windows, and test
whether the configuration's edge is more than luck.

Per window (``windows.walk_forward``) the harness runs, through the same engine, data, risk rules,
gateway, fees, slippage and next-bar fills:

* ``agents+llm``: the configuration as given (named ``agents`` when it consults no LLM);
* ``agents``: the same agents without the LLM (``decision.llm.providers: []``);
* ``random``: ``baselines.RandomSignalAgent`` alone, trading at the evaluated run's own rate
  (fills per bar), averaged over ``seeds`` seeds;
* ``buy_hold``: equal-weight buy and hold with the same fee rate and slippage (``baselines``).

Money spent on model calls (``RunResult.stats["llm_cost_usd"]``; a replayed answer costs 0) is a
cost: it is taken out of the strategy's equity, spread evenly over the window's bars, before any
metric or test. Every run uses the configured store, so the LLM's answers are recorded and a
repeated evaluation replays them.

The configuration is tested against each baseline (``stats.paired_bootstrap`` on the per-bar
returns) per window and overall. Overall figures count every bar once: where windows overlap, a
bar's returns are taken from the first window that holds it. Windows are grouped by the knowledge
cutoff of the models consulted (``engine.cutoff.exposures``): *exposed* windows start before a
model's training cutoff, so the model may remember what came next; *clear* windows do not. With
``decision.llm.cutoff_guard: refuse`` (or ``exclude_exposed``) exposed windows are skipped, each
with a line saying why.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
import numpy as np
from attrs import frozen

from ..config import Config
from ..config.schema import BacktestConfig, ComponentConfig
from ..data import timeframe_ms
from ..errors import DataError, UserError
from ..results.metrics import YEAR_MS, drawdown, sharpe_ratio
from . import baselines, regimes, stats
from .windows import Window, parse_span, walk_forward

SUBJECT_LLM = "agents+llm"
AGENTS = "agents"
RANDOM = "random"
BUY_HOLD = "buy_hold"
GROUPS = ("all", "exposed", "clear")

Progress = Callable[[str], None]


@frozen
class EvalOptions:
    """What ``deepalpha eval`` takes besides the configuration (see ``docs/evaluation.md``)."""

    window: str = "90d"
    step: str = "30d"
    #: Seeds of the random baseline, averaged.
    seeds: int = 3
    #: Bootstrap resamples per test.
    samples: int = stats.SAMPLES
    #: Mean bootstrap block length in bars; ``None``: ``n ** (1/3)``.
    block: float | None = None
    #: Regime band in standard deviations (``regimes``).
    band: float = regimes.BAND
    #: Skip windows that start before a consulted model's training cutoff.
    exclude_exposed: bool = False
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        if self.seeds < 1:
            raise UserError(f"--seeds: must be >= 1, got {self.seeds}")
        if self.samples < 100:
            raise UserError(f"--samples: must be >= 100, got {self.samples}")
        if self.block is not None and self.block < 1:
            raise UserError(f"--block: must be >= 1 bar, got {self.block}")
        if self.band < 0:
            raise UserError(f"--band: must be >= 0, got {self.band}")


@frozen
class Curve:
    """One strategy in one window: its equity rows (net of LLM spend) and its figures."""

    name: str
    ts: np.ndarray = attrs.field(repr=False, eq=False)
    equity: np.ndarray = attrs.field(repr=False, eq=False)
    metrics: dict[str, Any]

    @property
    def returns(self) -> np.ndarray:
        return np.diff(self.equity) / self.equity[:-1]


@frozen
class WindowResult:
    window: Window
    regime: regimes.Regime
    exposures: tuple[str, ...]
    curves: dict[str, Curve]
    tests: dict[str, stats.BootstrapResult]
    llm: dict[str, float]
    seconds: float

    @property
    def group(self) -> str:
        return "exposed" if self.exposures else "clear"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.window.index,
            "start": _iso(self.window.start),
            "end": _iso(self.window.end),
            "group": self.group,
            "exposures": list(self.exposures),
            "regime": self.regime.to_dict(),
            "strategies": {name: c.metrics for name, c in self.curves.items()},
            "tests": {name: t.to_dict() for name, t in self.tests.items()},
            "llm": self.llm,
            "seconds": round(self.seconds, 3),
        }


@frozen
class Skipped:
    window: Window
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.window.index,
            "start": _iso(self.window.start),
            "end": _iso(self.window.end),
            "reason": self.reason,
        }


@frozen
class GroupResult:
    """Overall figures of a group of windows: every bar once, compounded and tested."""

    name: str
    windows: int
    metrics: dict[str, dict[str, Any]]
    tests: dict[str, stats.BootstrapResult]
    ts: np.ndarray = attrs.field(repr=False, eq=False)
    equity: dict[str, np.ndarray] = attrs.field(repr=False, eq=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "windows": self.windows,
            "strategies": self.metrics,
            "tests": {name: t.to_dict() for name, t in self.tests.items()},
        }


@frozen
class EvalResult:
    subject: str
    baselines: tuple[str, ...]
    symbols: tuple[str, ...]
    timeframe: str
    options: EvalOptions
    windows: tuple[WindowResult, ...]
    skipped: tuple[Skipped, ...]
    groups: dict[str, GroupResult]
    regimes: dict[str, dict[str, Any]]
    notes: tuple[str, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "baselines": list(self.baselines),
            "symbols": list(self.symbols),
            "timeframe": self.timeframe,
            "options": attrs.asdict(self.options),
            "test": "paired stationary bootstrap of per-bar return differences (two-sided)",
            "windows": [w.to_dict() for w in self.windows],
            "skipped": [s.to_dict() for s in self.skipped],
            "groups": {name: g.to_dict() for name, g in self.groups.items()},
            "regimes": self.regimes,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")


# -- plugins and data ------------------------------------------------------------------------------


def eval_plugins(extra: Iterable[tuple[str, object]] = ()) -> Any:
    """The plugins of this process plus the random baseline's agent (``baselines.EvalPlugin``).

    ``extra`` adds in-process plugins (tests register scripted LLM providers this way). When
    ``DEEPALPHA_LOAD_PLUGINS`` restricts loading, the baseline's plugin is allowed as well.
    """
    from ..plugins import ENV_LOAD, load_plugins

    extra = [*extra, (baselines.PLUGIN_NAME, baselines.EvalPlugin)]
    allow = None
    raw = os.environ.get(ENV_LOAD)
    if raw is not None:
        allow = {p.strip() for p in raw.split(",") if p.strip()} | {name for name, _ in extra}
    return load_plugins(extra=extra, allow=allow)


def _load_data(config: Config, plugins: Any) -> dict[str, Any]:
    from ..engine.components import build
    from ..engine.prepare import parse_when

    start = parse_when(config.backtest.start, "backtest.start")
    end = parse_when(config.backtest.end, "backtest.end")
    source = build(plugins, "data", config.market.source, config.market.options, "market")
    try:
        out = {}
        for symbol in config.market.symbols:
            series = source.fetch(symbol, config.market.timeframe, start, end)
            if len(series) == 0:
                raise DataError(
                    f"no {config.market.timeframe} bars for {symbol} from data source "
                    f"{config.market.source!r} (market.symbols)"
                )
            out[symbol] = series
        return out
    finally:
        source.close()


# -- one window ------------------------------------------------------------------------------------


def _window_config(config: Config, window: Window) -> Config:
    return attrs.evolve(config, backtest=BacktestConfig(_iso(window.start), _iso(window.end)))


def _without_llm(config: Config) -> Config:
    return attrs.evolve(
        config,
        decision=attrs.evolve(config.decision, llm=attrs.evolve(config.decision.llm, providers=())),
    )


def _random_config(config: Config, rate: float, seed: int) -> Config:
    agents = {name: attrs.evolve(cfg, enabled=False) for name, cfg in config.agents.items()}
    agents[baselines.RANDOM_AGENT] = ComponentConfig(
        enabled=True,
        weight=1.0,
        options={
            "rate": min(1.0, rate),
            "seed": seed,
            "short": config.trading.direction == "long_short",
        },
    )
    plain = _without_llm(config)
    decision = attrs.evolve(
        plain.decision, weights=attrs.evolve(plain.decision.weights, enabled=False)
    )
    return attrs.evolve(plain, agents=agents, decision=decision)


def _on_grid(ts: np.ndarray, src_ts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` (on ``src_ts``) at each of ``ts``: the last at or before it (the first before)."""
    idx = np.clip(np.searchsorted(src_ts, ts, side="right") - 1, 0, len(src_ts) - 1)
    return values[idx]


def _metrics(
    equity: np.ndarray,
    bars_per_year: float,
    *,
    fees: float,
    llm_cost: float,
    trades: float,
    fills: float,
    turnover: float,
) -> dict[str, Any]:
    returns = np.diff(equity) / equity[:-1] if equity[:-1].min() > 0 else np.zeros(0)
    sharpe = sharpe_ratio(returns, bars_per_year)
    return {
        "return": float(equity[-1] / equity[0] - 1.0),
        "sharpe": sharpe,
        "max_drawdown": float(drawdown(equity).max()) if equity.min() > 0 else 1.0,
        "trades": trades,
        "fills": fills,
        "turnover": turnover,
        "fees": fees,
        "llm_cost": llm_cost,
        "cost": fees + llm_cost,
    }


def _net_of_llm(equity: np.ndarray, cost: float) -> np.ndarray:
    """Equity with ``cost`` taken out evenly over the rows (all of it by the last row)."""
    if cost == 0.0 or len(equity) < 2:
        return equity.astype(np.float64)
    return equity - cost * np.linspace(0.0, 1.0, len(equity))


def _engine_curve(name: str, result: Any, store: Any, grid: np.ndarray, bpy: float) -> Curve:
    llm_cost = float(result.stats.get("llm_cost_usd", 0.0) or 0.0)
    equity = _on_grid(grid, result.equity_ts, result.equity)
    net = _net_of_llm(equity, llm_cost)
    fills = store.fills(result.run_id)
    initial = float(result.equity[0])
    notional = math.fsum(float(f.quantity * f.price) for f in fills)
    summary = result.summary
    return Curve(
        name,
        grid,
        net,
        _metrics(
            net,
            bpy,
            fees=float(summary.fees_paid),
            llm_cost=llm_cost,
            trades=summary.trades,
            fills=len(fills),
            turnover=notional / initial,
        ),
    )


def _mean_curve(name: str, curves: Sequence[Curve], bpy: float) -> Curve:
    """The random baseline: the seeds' equity averaged; counts and costs averaged too."""
    equity = baselines.mean_curve([c.equity for c in curves])
    keys = ("fees", "llm_cost", "trades", "fills", "turnover")
    avg = {k: float(np.mean([c.metrics[k] for c in curves])) for k in keys}
    metrics = _metrics(equity, bpy, **avg)
    metrics["seeds"] = len(curves)
    return Curve(name, curves[0].ts, equity, metrics)


def _run_window(
    config: Config,
    window: Window,
    *,
    subject: str,
    plugins: Any,
    store: Any,
    data: Mapping[str, Any],
    options: EvalOptions,
    bars_per_year: float,
    exposures: Sequence[str],
) -> WindowResult:
    from ..engine.runner import run

    started = time.perf_counter()
    wcfg = _window_config(config, window)
    main = run(wcfg, "backtest", plugins=plugins, store=store, report=False)
    grid = np.asarray(main.equity_ts, dtype=np.int64)
    if len(grid) < 3:
        raise UserError(
            f"--window: window {window.index} ({window.label()}) holds {len(grid)} bars; "
            "choose a longer window"
        )
    curves = {subject: _engine_curve(subject, main, store, grid, bars_per_year)}
    if subject == SUBJECT_LLM:
        plain = run(_without_llm(wcfg), "backtest", plugins=plugins, store=store, report=False)
        curves[AGENTS] = _engine_curve(AGENTS, plain, store, grid, bars_per_year)
    rate = main.stats.get("fills", 0) / max(1, main.bars)
    seeded = []
    for k in range(options.seeds):
        seed = options.seed * 1_000 + k
        rnd = run(
            _random_config(wcfg, rate, seed),
            "backtest",
            plugins=plugins,
            store=store,
            report=False,
        )
        seeded.append(_engine_curve(RANDOM, rnd, store, grid, bars_per_year))
    curves[RANDOM] = _mean_curve(RANDOM, seeded, bars_per_year)

    fee_rate, slippage = baselines.paper_costs(config.gateway.options)
    cols = {}
    closes = []
    for symbol, series in data.items():
        lo = int(np.searchsorted(series.ts, window.start, side="left"))
        hi = int(np.searchsorted(series.ts, window.end, side="left"))
        cols[symbol] = (series.ts[lo:hi], series.open[lo:hi], series.close[lo:hi])
        closes.append(_on_grid(grid, series.ts[lo:hi], series.close[lo:hi]))
    hold = baselines.buy_and_hold(
        grid, cols, float(main.equity[0]), fee_rate=fee_rate, slippage_bps=slippage
    )
    curves[BUY_HOLD] = Curve(
        BUY_HOLD,
        grid,
        hold.equity,
        _metrics(
            hold.equity,
            bars_per_year,
            fees=hold.fees,
            llm_cost=0.0,
            trades=0,
            fills=len(cols),
            turnover=hold.turnover,
        ),
    )
    regime = regimes.classify(closes, options.band)
    tests = {
        name: stats.paired_bootstrap(
            curves[subject].returns,
            curve.returns,
            samples=options.samples,
            block=options.block,
            seed=options.seed + window.index,
        )
        for name, curve in curves.items()
        if name != subject
    }
    llm = {
        "calls": main.stats.get("llm_calls", 0),
        "replayed": main.stats.get("llm_replayed", 0),
        "cost_usd": float(main.stats.get("llm_cost_usd", 0.0) or 0.0),
    }
    return WindowResult(
        window, regime, tuple(exposures), curves, tests, llm, time.perf_counter() - started
    )


# -- overall ---------------------------------------------------------------------------------------


def _group(
    name: str,
    results: Sequence[WindowResult],
    subject: str,
    names: Sequence[str],
    options: EvalOptions,
    bars_per_year: float,
) -> GroupResult | None:
    if not results:
        return None
    # Every bar once: a bar's return comes from the first window holding it.
    seen: set[int] = set()
    ts_parts: list[np.ndarray] = []
    ret_parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for res in results:
        ts = res.curves[subject].ts[1:]
        keep = np.fromiter((t not in seen for t in ts.tolist()), dtype=bool, count=len(ts))
        seen.update(ts[keep].tolist())
        ts_parts.append(ts[keep])
        for n in names:
            ret_parts[n].append(res.curves[n].returns[keep])
    order = np.argsort(np.concatenate(ts_parts), kind="stable")
    ts_all = np.concatenate(ts_parts)[order]
    returns = {n: np.concatenate(parts)[order] for n, parts in ret_parts.items()}
    equity = {n: np.concatenate(([1.0], np.cumprod(1.0 + r))) for n, r in returns.items()}
    metrics: dict[str, dict[str, Any]] = {}
    for n in names:
        per = [res.curves[n].metrics for res in results]
        sharpe = sharpe_ratio(returns[n], bars_per_year) if len(returns[n]) > 1 else None
        metrics[n] = {
            "return": float(equity[n][-1] - 1.0),
            "sharpe": sharpe,
            "max_drawdown": float(drawdown(equity[n]).max()),
            "mean_window_return": float(np.mean([m["return"] for m in per])),
            "trades": float(np.sum([m["trades"] for m in per])),
            "turnover": float(np.sum([m["turnover"] for m in per])),
            "fees": float(np.sum([m["fees"] for m in per])),
            "llm_cost": float(np.sum([m["llm_cost"] for m in per])),
            "cost": float(np.sum([m["cost"] for m in per])),
        }
        if n != subject:
            wins = sum(
                1
                for res in results
                if res.curves[subject].metrics["return"] > res.curves[n].metrics["return"]
            )
            metrics[n]["subject_beat"] = wins
    tests = {
        n: stats.paired_bootstrap(
            returns[subject],
            returns[n],
            samples=options.samples,
            block=options.block,
            seed=options.seed,
        )
        for n in names
        if n != subject and len(returns[subject]) > 1
    }
    ts_out = np.concatenate((ts_all[:1] - 1, ts_all)) if len(ts_all) else ts_all
    return GroupResult(name, len(results), metrics, tests, ts_out, equity)


def _regime_table(
    results: Sequence[WindowResult], subject: str, names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for label in regimes.REGIMES:
        chosen = [r for r in results if r.regime.label == label]
        row: dict[str, Any] = {"windows": len(chosen)}
        for n in names:
            values = [r.curves[n].metrics["return"] for r in chosen]
            row[n] = float(np.mean(values)) if values else None
        for n in names:
            if n != subject:
                row[f"beat_{n}"] = sum(
                    1
                    for r in chosen
                    if r.curves[subject].metrics["return"] > r.curves[n].metrics["return"]
                )
        out[label] = row
    return out


# -- the harness -----------------------------------------------------------------------------------


def evaluate(
    config: Config,
    options: EvalOptions | None = None,
    *,
    plugins: Any = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
    progress: Progress | None = None,
) -> EvalResult:
    """Evaluate ``config`` against its baselines over walk-forward windows (module docstring).

    ``plugins`` must provide the ``eval_random`` agent (``eval_plugins`` builds such a manager;
    by default it is built here with ``extra_plugins``). ``progress`` receives one line per window.
    Raises ``UserError`` naming the option for a bad window or step, a window longer than the data,
    or no window left to evaluate.
    """
    from ..engine.cutoff import exposures as exposures_of
    from ..storage import Store

    options = options or EvalOptions()
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    window_ms = parse_span(options.window, "--window")
    step_ms = parse_span(options.step, "--step")
    bar_ms = timeframe_ms(config.market.timeframe)
    bars_per_year = YEAR_MS / bar_ms
    plugins = plugins or eval_plugins(extra_plugins)
    data = _load_data(config, plugins)
    first = max(int(s.ts[0]) for s in data.values())
    end = min(int(s.ts[-1]) for s in data.values()) + bar_ms
    windows = walk_forward(first, end, window_ms, step_ms, bar_ms=bar_ms, window=options.window)

    has_llm = bool(config.decision.llm.providers) and config.decision.llm.consult != "never"
    subject = SUBJECT_LLM if has_llm else AGENTS
    names = [subject, *([AGENTS] if has_llm else []), RANDOM, BUY_HOLD]
    notes = []
    if not has_llm:
        notes.append(
            "the configuration consults no LLM: it is evaluated as 'agents', and the "
            "'agents without the LLM' baseline would be the same run, so it is left out"
        )
    refuse = config.decision.llm.cutoff_guard == "refuse" or options.exclude_exposed
    why = "--exclude-exposed" if options.exclude_exposed else "decision.llm.cutoff_guard: refuse"
    results: list[WindowResult] = []
    skipped: list[Skipped] = []
    store = Store.open(config.storage.url)
    try:
        for window in windows:
            exposed = tuple(e.describe() for e in exposures_of(config, window.start))
            if exposed and refuse:
                reason = f"starts before the training cutoff of {', '.join(exposed)} ({why})"
                skipped.append(Skipped(window, reason))
                say(f"window {window.index}/{len(windows)} {window.label()}: skipped, {reason}")
                continue
            res = _run_window(
                config,
                window,
                subject=subject,
                plugins=plugins,
                store=store,
                data=data,
                options=options,
                bars_per_year=bars_per_year,
                exposures=exposed,
            )
            results.append(res)
            sub = res.curves[subject].metrics["return"]
            say(
                f"window {window.index}/{len(windows)} {window.label()}: {res.regime.label}, "
                f"{subject} {sub:+.2%}, buy&hold {res.curves[BUY_HOLD].metrics['return']:+.2%}"
                f"{', exposed' if exposed else ''} ({res.seconds:.1f}s)"
            )
    finally:
        store.close()
    if not results:
        raise UserError(
            f"--window: no window left to evaluate: all {len(windows)} start before a consulted "
            f"model's training cutoff and {why} skips them"
        )
    groups = {}
    for name in GROUPS:
        chosen = results if name == "all" else [r for r in results if r.group == name]
        group = _group(name, chosen, subject, names, options, bars_per_year)
        if group is not None:
            groups[name] = group
    return EvalResult(
        subject=subject,
        baselines=tuple(n for n in names if n != subject),
        symbols=tuple(config.market.symbols),
        timeframe=config.market.timeframe,
        options=options,
        windows=tuple(results),
        skipped=tuple(skipped),
        groups=groups,
        regimes=_regime_table(results, subject, names),
        notes=tuple(notes),
        seconds=time.perf_counter() - started,
    )
