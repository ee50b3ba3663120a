"""``deepalpha data download``: exchange candles into freqtrade-style Parquet files."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click
from deepalpha.errors import UserError

from .options import CcxtOptions


class DateError(UserError):
    """A --since/--until value that is not a date."""


def parse_when(option: str, value: str) -> int:
    """Epoch ms from an ISO date or datetime (naive means UTC) or an epoch-ms integer."""
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise DateError(
            f"{option}: {value!r} is not a date like 2024-01-01 or 2024-01-01T12:00"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def register(cli: click.Group) -> None:
    from deepalpha_data_file.cli import data_group

    group = data_group(cli)

    @group.command("download")
    @click.option("--exchange", default="binance", show_default=True, help="ccxt exchange id.")
    @click.option(
        "--symbol", "symbols", multiple=True, required=True, help="Market, e.g. BTC/USDT (repeat)."
    )
    @click.option(
        "--timeframe",
        "timeframes",
        multiple=True,
        default=("1h",),
        show_default=True,
        help="Candle length, e.g. 1h (repeat).",
    )
    @click.option("--since", default=None, help="First candle (2024-01-01); default: resume.")
    @click.option("--until", default=None, help="End, exclusive; default: now.")
    @click.option(
        "--datadir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("data"),
        show_default=True,
    )
    @click.option("--base-url", default=None, help="Send REST calls to this host (proxy).")
    @click.option("--limit", type=int, default=1000, show_default=True, help="Candles per request.")
    def download_command(
        exchange: str,
        symbols: tuple[str, ...],
        timeframes: tuple[str, ...],
        since: str | None,
        until: str | None,
        datadir: Path,
        base_url: str | None,
        limit: int,
    ) -> None:
        """Download closed candles into DATADIR/<BASE>_<QUOTE>-<timeframe>.parquet.

        An existing file is extended (resumed after its last candle, and back to --since) and
        rewritten atomically.
        """
        from .download import download
        from .source import CcxtSource

        try:
            options = CcxtOptions(exchange=exchange, base_url=base_url, limit=limit)
        except ValueError as exc:
            raise UserError(f"--{str(exc).replace('_', '-')}") from None
        start = None if since is None else parse_when("--since", since)
        end = int(time.time() * 1000) if until is None else parse_when("--until", until)
        if start is not None and start >= end:
            raise DateError(f"--since {since} is not before --until {until or 'now'}")
        source = CcxtSource(options)
        try:
            for symbol in symbols:
                for timeframe in timeframes:
                    source.check(symbol, timeframe)  # fail before drawing a progress bar
                    result = _with_progress(
                        download, source, datadir, symbol, timeframe, start, end
                    )
                    click.echo(
                        f"{result.path}: {result.rows} candles ({result.added:+d}), "
                        f"{_fmt(result.first)} to {_fmt(result.last)}"
                    )
        finally:
            source.close()


def _fmt(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts / 1000))


def _with_progress(download, source, datadir, symbol, timeframe, start, end):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(f"{symbol} {timeframe}", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done))

        result = download(source, datadir, symbol, timeframe, start, end, progress=report)
        # Exchange gaps (or history ending before --until) leave the bar short of its estimate.
        done = bar.tasks[0].completed
        bar.update(task, completed=done, total=done)
        return result
