"""``deepalpha plugins``: what is installed and whether it loaded."""

from __future__ import annotations

import json

import click


@click.group("plugins")
def plugins_group() -> None:
    """Inspect installed plugins."""


@plugins_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback of failed plugins.")
def list_plugins(as_json: bool, verbose: bool) -> None:
    """Every plugin found, its status (ok, failed, blocked, incompatible) and what it provides."""
    from ..plugins import get_plugin_manager

    plugins = get_plugin_manager()
    infos = sorted(plugins.infos, key=lambda i: i.name)
    conflicts = plugins.conflicts()
    if as_json:
        payload = []
        for info in infos:
            item = info.to_dict()
            if not verbose:
                item.pop("traceback", None)
            payload.append(item)
        click.echo(json.dumps({"plugins": payload, "conflicts": conflicts}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="DeepAlpha plugins")
    for column in ("name", "version", "status", "provides", "hooks"):
        table.add_column(column)
    colors = {"ok": "green", "failed": "red", "incompatible": "red", "blocked": "yellow"}
    for info in infos:
        provides = ", ".join(info.provides)
        if info.counts:
            provides += " (" + ", ".join(f"{k} {v}" for k, v in info.counts.items()) + ")"
        if info.error:
            provides = info.error
        table.add_row(
            info.name,
            f"{info.distribution} {info.version}",
            f"[{colors.get(info.status, 'white')}]{info.status}[/]",
            provides,
            ", ".join(info.hooks),
        )
    console.print(table)
    for clash in conflicts:
        console.print(f"[red]conflict:[/] {clash}")
    if verbose:
        for info in infos:
            if info.traceback:
                console.print(f"\n[bold]{info.name}[/] traceback:\n{info.traceback}", markup=False)
