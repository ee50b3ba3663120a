"""``deepalpha patterns stats``: per pattern, how often it fired and what followed.

Registered through the ``register_commands`` hook; nothing heavy is imported until it runs.
"""

from __future__ import annotations

import json

import click
from deepalpha.errors import UserError

DEFAULT_PATH = "bundled:btcusd-1h"


def _horizons(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UserError(
            f"--horizons: must be bar counts separated by commas (like 1,4,24), got {text!r}"
        ) from None
    if not values or any(v < 1 for v in values):
        raise UserError(f"--horizons: every horizon must be >= 1 bar, got {text!r}")
    return tuple(dict.fromkeys(values))


def _patterns(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    from .names import resolve

    try:
        return tuple(dict.fromkeys(resolve(n.strip()) for n in text.split(",") if n.strip()))
    except ValueError as exc:
        raise UserError(f"--{exc}") from None


def load(path: str, symbol: str | None, timeframe: str, start: str | None, end: str | None):
    """The candles to study, from the installed ``file`` data source."""
    from deepalpha.engine.runner import parse_when
    from deepalpha.plugins import get_plugin_manager

    spec = get_plugin_manager().resolve("data", "file")
    try:
        options = spec.options(path=path)
    except (ValueError, TypeError) as exc:
        raise UserError(f"--{exc}") from None
    source = spec.build(options)
    if symbol is None:
        known = source.symbols()
        if len(known) != 1:
            raise UserError(f"--symbol: required, since {path} does not say which symbol it holds")
        symbol = known[0]
    return source.fetch(symbol, timeframe, parse_when(start, "--start"), parse_when(end, "--end"))


def compute(series, horizons, patterns=None) -> dict:
    """The whole report as plain data (what ``--json`` prints)."""
    import numpy as np
    from deepalpha.domain import ms_to_datetime

    from .stats import baseline, candlestick_stats, chart_stats

    cols = [
        np.ascontiguousarray(getattr(series, c), dtype=np.float64)
        for c in ("open", "high", "low", "close")
    ]
    rows = candlestick_stats(*cols, horizons, patterns)
    rows += chart_stats(np.asarray(series.ts), *cols, horizons)

    def when(ms: int) -> str:
        return ms_to_datetime(ms).strftime("%Y-%m-%d %H:%M")

    return {
        "symbol": series.symbol,
        "timeframe": series.timeframe,
        "bars": len(series),
        "first": when(int(series.ts[0])),
        "last": when(int(series.ts[-1])),
        "horizons": list(horizons),
        "baseline": baseline(cols[3], horizons).to_dict(),
        "patterns": [r.to_dict() for r in rows],
    }


def _pct(value: float | None, signed: bool) -> str:
    if value is None:
        return "-"
    return f"{100 * value:+.3f}" if signed else f"{100 * value:.1f}"


def _print(report: dict, path: str) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # files and pipes: no need to squeeze into 80 columns
        console = Console(width=120)
    horizons = report["horizons"]
    table = Table(
        title=(
            f"{report['symbol']} {report['timeframe']} ({path}), {report['bars']:,} bars, "
            f"{report['first']} to {report['last']} UTC"
        ),
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    table.add_column("pattern")
    table.add_column("reading")
    table.add_column("count", justify="right")
    for h in horizons:
        table.add_column(f"mean {h} %", justify="right")
        table.add_column(f"hit {h} %", justify="right")

    def add(row: dict, label: str, reading: str) -> None:
        cells = [label, reading, f"{row['count']:,}"]
        for h in horizons:
            stats = row["horizons"][str(h)]
            cells += [_pct(stats["mean_return"], True), _pct(stats["hit_rate"], False)]
        table.add_row(*cells)

    never = []
    kind = None
    for row in report["patterns"]:
        if row["count"] == 0:
            never.append(row["pattern"])
            continue
        if row["kind"] != kind:
            if kind is not None:
                table.add_section()
            kind = row["kind"]
            table.add_row(f"[bold]{kind}[/bold]", "", "")
        add(row, row["pattern"], row["direction"])
    table.add_section()
    add(report["baseline"], "every bar", "rise")
    console.print(table)
    console.print(
        "mean h: mean return from the pattern bar's close to the close h bars later; hit h: share "
        "of those returns in the reading's direction (every bar: share of rises)."
    )
    if never:
        console.print(f"never fired: {', '.join(never)}")


def register(cli: click.Group) -> None:
    group = cli.commands.get("patterns")
    if group is None:

        @cli.group("patterns")
        def patterns() -> None:
            """Candlestick and chart patterns (from the pattern agent)."""

        group = patterns
    if not isinstance(group, click.Group):
        raise TypeError(f"cli command 'patterns' is a {type(group).__name__}, not a click group")

    @group.command("stats")
    @click.option(
        "--path",
        default=DEFAULT_PATH,
        show_default=True,
        help="Candle file (CSV/Parquet) or bundled dataset, read by the file data source.",
    )
    @click.option("--symbol", default=None, help="Symbol in the file (default: the one it holds).")
    @click.option("--timeframe", default="1h", show_default=True, help="Timeframe of the candles.")
    @click.option("--start", default=None, help="First bar (ISO date, UTC).")
    @click.option("--end", default=None, help="End, exclusive (ISO date, UTC).")
    @click.option(
        "--horizons",
        default="1,4,24",
        show_default=True,
        help="Forward horizons in bars, separated by commas.",
    )
    @click.option(
        "--patterns",
        "pattern_names",
        default=None,
        help="Candlestick patterns to count, separated by commas (default: all 61).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    def stats(path, symbol, timeframe, start, end, horizons, pattern_names, as_json) -> None:
        """How often each candlestick and chart pattern fired, and the forward returns after it.

        For each pattern and reading (bullish, bearish, indecision): the number of bars it fired
        on and, per horizon h, the mean return from that bar's close to the close h bars later and
        the hit rate (the share of those returns in the reading's direction).
        """
        wanted = _horizons(horizons)
        names = _patterns(pattern_names)
        series = load(path, symbol, timeframe, start, end)
        report = compute(series, wanted, names)
        report["path"] = path
        if as_json:
            click.echo(json.dumps(report, indent=2))
            return
        _print(report, path)
