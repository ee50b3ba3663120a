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
    rows = [("NAME", "DISTRIBUTION", "STATUS", "PROVIDES", "HOOKS")]
    for info in infos:
        provides = ", ".join(info.provides)
        if info.counts:
            provides += " (" + ", ".join(f"{k} {v}" for k, v in info.counts.items()) + ")"
        if info.error:
            provides = info.error
        rows.append(
            (
                info.name,
                f"{info.distribution} {info.version}",
                info.status,
                provides,
                ", ".join(h.removeprefix("register_") for h in info.hooks),
            )
        )
    _echo_table(rows)
    for clash in conflicts:
        click.echo(click.style("conflict: ", fg="red") + clash)
    if verbose:
        for info in infos:
            if info.traceback:
                click.echo(f"\n{info.name} traceback:\n{info.traceback}")


_STATUS_COLORS = {"ok": "green", "failed": "red", "incompatible": "red", "blocked": "yellow"}


def _echo_table(rows: list[tuple[str, ...]]) -> None:
    """A plain aligned table: rich would add ~100 ms to a command that must start fast."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            text = cell.ljust(widths[i]) if i < len(widths) else cell
            if n == 0:
                text = click.style(text, bold=True)
            elif i == 2:
                text = click.style(text, fg=_STATUS_COLORS.get(cell))
            cells.append(text)
        click.echo("  ".join(cells).rstrip())
