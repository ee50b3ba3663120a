"""``deepalpha data list``: what candles are available without network."""

from __future__ import annotations

import json
from pathlib import Path

import click
from deepalpha.errors import DataError, UserError

from . import bundled
from .naming import parse_filename, split_extension
from .source import FileSource
from .timestamps import format_ms


def data_group(cli: click.Group) -> click.Group:
    """The ``data`` subgroup of ``cli``, created if no other plugin has created it yet."""
    group = cli.commands.get("data")
    if group is None:

        @cli.group("data")
        def data() -> None:
            """Market data: list local candles, download from exchanges."""

        group = data
    if not isinstance(group, click.Group):
        raise TypeError(f"cli command 'data' is a {type(group).__name__}, not a click group")
    return group


def inventory(datadir: Path | None) -> list[dict]:
    """One entry per bundled dataset and per candle file in ``datadir``.

    A file that cannot be read gets an entry saying why instead of stopping the listing.
    """
    entries = []
    for dataset in bundled.DATASETS.values():
        source = FileSource()
        series = source.load(dataset.symbol, dataset.timeframe)
        entries.append(_entry(bundled.PREFIX + dataset.name, dataset.label, series))
    if datadir is not None and datadir.is_dir():
        for path in sorted(datadir.iterdir()):
            if path.name.startswith(".") or split_extension(path.name) is None:
                continue
            named = parse_filename(path)
            try:
                if named is None:
                    raise DataError(f"{path}: name is not like BTC_USDT-1h.parquet")
                series = FileSource(_single(path)).load(*named)
            except DataError as exc:
                entries.append({"source": str(path), "error": str(exc)})
                continue
            entries.append(_entry(str(path), "", series))
    return entries


def _single(path: Path):
    from .options import FileOptions

    return FileOptions(path=str(path))


def _entry(source: str, label: str, series) -> dict:
    return {
        "source": source,
        "label": label,
        "symbol": series.symbol,
        "timeframe": series.timeframe,
        "rows": len(series),
        "first": format_ms(int(series.ts[0])),
        "last": format_ms(int(series.ts[-1])),
    }


def register(cli: click.Group) -> None:
    group = data_group(cli)

    @group.command("list")
    @click.option(
        "--datadir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("data"),
        show_default=True,
        help="Folder of freqtrade-style candle files (BTC_USDT-1h.parquet).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @click.pass_context
    def list_command(ctx: click.Context, datadir: Path, as_json: bool) -> None:
        """Bundled datasets and candle files in DATADIR: symbol, timeframe, rows, first, last."""
        explicit = ctx.get_parameter_source("datadir") is not click.core.ParameterSource.DEFAULT
        if explicit and not datadir.is_dir():
            raise UserError(f"--datadir {datadir}: no such folder")
        entries = inventory(datadir)
        if as_json:
            click.echo(json.dumps(entries, indent=2))
            return
        _print_table(entries, datadir)


def _print_table(entries: list[dict], datadir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Candles available offline")
    for column in ("source", "symbol", "timeframe", "rows", "first", "last"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for entry in entries:
        if "error" in entry:
            table.add_row(entry["source"], f"[red]{entry['error']}[/red]", "", "", "", "")
            continue
        source = entry["source"] + (f"\n{entry['label']}" if entry["label"] else "")
        table.add_row(
            source,
            entry["symbol"],
            entry["timeframe"],
            f"{entry['rows']:,}",
            entry["first"],
            entry["last"],
        )
    console = Console()
    console.print(table)
    if not datadir.is_dir():
        console.print(f"(no folder {datadir}: `deepalpha data download` creates it)")
