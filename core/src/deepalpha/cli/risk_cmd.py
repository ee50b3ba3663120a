"""``deepalpha halt``, ``deepalpha resume-trading`` and ``deepalpha risk``.

``halt`` and ``resume-trading`` set the trading state of the configuration's books (``paper:<app
name>`` and ``live:<app name>``) in ``trading_state.json`` beside the database (see
``deepalpha.risk_state``); a running engine reads it before every order. ``risk status`` shows the
states; ``risk report`` prints VaR / CVaR and stress tests (``deepalpha.risk_report``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..errors import UserError
from .main import config_options

_MODES = ("paper", "live")


def _state_options(func):
    func = click.option(
        "--mode",
        type=click.Choice(["paper", "live", "all"]),
        default="all",
        show_default=True,
        help="Which book of the configuration's app: paper, live or both.",
    )(func)
    func = click.option(
        "--book",
        "books",
        multiple=True,
        help="A book by name (<mode>:<app.name>), instead of the configuration's; repeatable.",
    )(func)
    return click.option(
        "--state-dir",
        default=None,
        type=click.Path(file_okay=False),
        help="Directory of trading_state.json (default: $DEEPALPHA_STATE_DIR, else the "
        "SQLite database's directory, else ./data).",
    )(func)


def _target(
    config_path: str | None,
    env: str | None,
    mode: str,
    books: tuple[str, ...],
    directory: str | None,
) -> tuple[Path, list[str]]:
    from ..risk_state import book_name, state_dir

    config = None
    if not books or directory is None:
        from ..config import load_config

        config = load_config(config_path, env)
    if not books:
        modes = _MODES if mode == "all" else (mode,)
        books = tuple(book_name(m, config.app.name) for m in modes)
    where = Path(directory) if directory is not None else state_dir(config.storage.url)
    return where, list(books)


@click.command("halt")
@config_options
@_state_options
@click.option(
    "--reducing",
    is_flag=True,
    help="REDUCING instead of HALTED: only orders reducing a position, resting orders stay.",
)
@click.option("--reason", default="", help="Why; shown with every refused order.")
def halt(
    config_path: str | None,
    env: str | None,
    mode: str,
    books: tuple[str, ...],
    state_dir: str | None,
    reducing: bool,
    reason: str,
) -> None:
    """Kill switch: stop opening positions (HALTED also cancels resting entries).

    Only orders that reduce a position are accepted until `deepalpha resume-trading`.
    """
    from ..risk_state import TradingState, describe, set_state

    where, names = _target(config_path, env, mode, books, state_dir)
    state = TradingState.REDUCING if reducing else TradingState.HALTED
    changed = set_state(where, names, state, reason=reason or "deepalpha halt", by="cli")
    for book, entry in changed.items():
        click.echo(describe(book, entry))
    what = (
        "only orders reducing a position are accepted"
        if reducing
        else "resting entries are cancelled and only orders reducing a position are accepted"
    )
    click.echo(f"{what}; state file {where / 'trading_state.json'}")


@click.command("resume-trading")
@config_options
@_state_options
def resume_trading(
    config_path: str | None,
    env: str | None,
    mode: str,
    books: tuple[str, ...],
    state_dir: str | None,
) -> None:
    """Undo `deepalpha halt`: the books are ACTIVE again."""
    from ..risk_state import TradingState, set_state

    where, names = _target(config_path, env, mode, books, state_dir)
    set_state(where, names, TradingState.ACTIVE, by="cli")
    for book in names:
        click.echo(f"{book} ACTIVE")


@click.group("risk")
def risk_group() -> None:
    """Trading states, VaR / CVaR and stress tests."""


@risk_group.command("status")
@config_options
@_state_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(
    config_path: str | None,
    env: str | None,
    mode: str,
    books: tuple[str, ...],
    state_dir: str | None,
    as_json: bool,
) -> None:
    """The trading state of each book."""
    from ..risk_state import StateFile, describe

    where, names = _target(config_path, env, mode, books, state_dir)
    reader = StateFile(where)
    states = {book: reader.current(book) for book in names}
    if as_json:
        click.echo(json.dumps({b: s.to_json() for b, s in states.items()}, indent=2))
        return
    for book, entry in states.items():
        click.echo(describe(book, entry))


def _windows(value: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"comma-separated days, got {value!r}") from None
    if not out or any(not d > 0 for d in out):
        raise click.BadParameter(f"comma-separated days > 0, got {value!r}")
    return out


@risk_group.command("report")
@config_options
@click.option("--run", "run", default=None, help="Run id or prefix (default: the bundled data).")
@click.option("--db", "db_url", default=None, help="Database URL (default: storage.url).")
@click.option(
    "--confidence", type=click.FloatRange(0.5, 1, max_open=True), default=0.95, show_default=True
)
@click.option("--horizon", type=click.IntRange(min=1), default=1, show_default=True, help="Days.")
@click.option("--simulations", type=click.IntRange(min=100), default=10_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Monte Carlo seed.")
@click.option(
    "--windows",
    default="1,7,30",
    show_default=True,
    help="Stress window lengths in days, comma-separated.",
)
@click.option(
    "--worst",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worst windows per symbol and length.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report(
    config_path: str | None,
    env: str | None,
    run: str | None,
    db_url: str | None,
    confidence: float,
    horizon: int,
    simulations: int,
    seed: int,
    windows: str,
    worst: int,
    as_json: bool,
) -> None:
    """Portfolio VaR / CVaR (historical, parametric, Monte Carlo) and stress tests.

    With --run, from the run's equity curve and final positions; without, from an equal-weight
    portfolio of the configuration's symbols on their data.
    """
    from ..config import load_config
    from ..risk_report import build_report, format_report

    config = load_config(config_path, env)
    lengths = _windows(windows)
    if run is not None:
        inputs = _run_inputs(config, config_path, env, db_url, run)
    else:
        inputs = _data_inputs(config)
    try:
        result = build_report(
            confidence=confidence,
            horizon=horizon,
            simulations=simulations,
            seed=seed,
            windows=lengths,
            worst=worst,
            **inputs,
        )
    except ValueError as exc:
        raise UserError(f"risk report: {exc}") from None
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(format_report(result))


def _series(config: Any, symbols: list[str], timeframe: str) -> dict[str, tuple[Any, Any]]:
    from ..engine.components import build
    from ..plugins import get_plugin_manager

    source = build(
        get_plugin_manager(), "data", config.market.source, config.market.options, "market"
    )
    out = {}
    for symbol in symbols:
        s = source.fetch(symbol, timeframe, None, None)
        if len(s):
            out[symbol] = (np.asarray(s.ts), np.asarray(s.close))
    if not out:
        raise UserError(
            f"risk report: no {timeframe} bars for {', '.join(symbols)} from data source "
            f"{config.market.source!r}"
        )
    return out


def _data_inputs(config: Any) -> dict[str, Any]:
    from ..risk_report import daily_closes

    symbols = list(config.market.symbols)
    series = _series(config, symbols, config.market.timeframe)
    value = float(config.gateway.options.get("initial_cash", 10_000))
    # Equal weights, rebalanced daily, over the days every symbol has.
    daily = {s: dict(zip(*daily_closes(ts, c), strict=True)) for s, (ts, c) in series.items()}
    days = sorted(set.intersection(*(set(d) for d in daily.values())))
    if len(days) < 3:
        raise UserError(
            f"risk report: the symbols share {len(days)} days of data; VaR needs at least 3"
        )
    closes = np.array([[daily[s][d] for s in series] for d in days], dtype=np.float64)
    returns = np.mean(closes[1:] / closes[:-1] - 1.0, axis=1)
    curve = value * np.concatenate(([1.0], np.cumprod(1.0 + returns)))
    weight = value / len(series)
    return {
        "returns_ts": np.array(days, dtype=np.int64),
        "returns_values": curve,
        "positions": {s: weight for s in series},
        "series": series,
        "value": value,
        "source": f"{config.market.source} data of {', '.join(series)} ({config.market.timeframe})",
        "notes": (
            f"no --run: a hypothetical portfolio of {value:,.2f}, equal weights rebalanced daily, "
            f"long {', '.join(series)}",
        ),
    }


def _run_inputs(
    config: Any, config_path: str | None, env: str | None, db_url: str | None, run: str
) -> dict[str, Any]:
    from .decisions_cmd import _open, _resolve_run

    store = _open(db_url, config_path, env)
    try:
        run_id = _resolve_run(store, run)
        info = store.run(run_id)
        ts, equity, _ = store.equity(run_id)
        held = {p.symbol: p.quantity for p in store.positions(run_id) if p.quantity}
    finally:
        store.close()
    if len(ts) == 0:
        raise UserError(f"risk report: run {run_id[:8]} has no equity rows")
    market = (info.config or {}).get("market", {}) if info is not None else {}
    timeframe = market.get("timeframe", config.market.timeframe)
    symbols = (
        list(info.symbols) if info is not None and info.symbols else list(config.market.symbols)
    )
    series = _series(config, symbols, timeframe)
    end = int(ts[-1])
    positions: dict[str, float] = {}
    notes = []
    for symbol, quantity in held.items():
        if symbol not in series:
            notes.append(f"{symbol}: no data; its position {quantity} is left out of the stress")
            continue
        sts, close = series[symbol]
        k = int(np.searchsorted(sts, end, side="right")) - 1
        price = float(close[max(k, 0)])
        positions[symbol] = float(quantity) * price
    status = info.status if info is not None else "?"
    return {
        "returns_ts": ts,
        "returns_values": equity,
        "positions": positions,
        "series": series,
        "value": float(equity[-1]),
        "source": f"run {run_id[:8]} ({info.mode if info else '?'}, {status})",
        "notes": tuple(notes),
    }
