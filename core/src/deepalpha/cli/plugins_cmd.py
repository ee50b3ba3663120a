"""``deepalpha plugins``: what is installed and whether it loaded."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from typing import TYPE_CHECKING

import click

from ..errors import UserError

if TYPE_CHECKING:
    from pathlib import Path


@click.group("plugins")
def plugins_group() -> None:
    """Inspect, install and remove plugins."""


@plugins_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback of failed plugins.")
def list_plugins(as_json: bool, verbose: bool) -> None:
    """Every plugin found, its status (ok, failed, blocked, incompatible), what it provides and
    each component's description."""
    from ..plugins import get_plugin_manager

    plugins = get_plugin_manager()
    infos = sorted(plugins.infos, key=lambda i: i.name)
    conflicts = plugins.conflicts()
    descriptions = {info.name: _descriptions(plugins, info.provides) for info in infos}
    if as_json:
        payload = []
        for info in infos:
            item = info.to_dict()
            item["descriptions"] = descriptions[info.name]
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
    _echo_table(rows, status_column=2)
    components = [("COMPONENT", "PLUGIN", "DESCRIPTION")]
    components += sorted(
        (component, name, text or "-")
        for name, items in descriptions.items()
        for component, text in items.items()
    )
    if len(components) > 1:
        click.echo()
        _echo_table(components)
    for clash in conflicts:
        click.echo(click.style("conflict: ", fg="red") + clash)
    if verbose:
        for info in infos:
            if info.traceback:
                click.echo(f"\n{info.name} traceback:\n{info.traceback}")


def _descriptions(plugins, provides: tuple[str, ...]) -> dict[str, str]:
    """``kind:name`` -> the description its record gives (empty for a name claimed twice)."""
    from ..errors import PluginError

    out = {}
    for item in provides:
        kind, _, name = item.partition(":")
        try:
            out[item] = getattr(plugins.resolve(kind, name), "description", "") or ""
        except PluginError:  # claimed by two plugins: the conflict lines say by whom
            out[item] = ""
    return out


_STATUS_COLORS = {"ok": "green", "failed": "red", "incompatible": "red", "blocked": "yellow"}


def _echo_table(rows: list[tuple[str, ...]], status_column: int | None = None) -> None:
    """A plain aligned table: rich would add ~100 ms to a command that must start fast."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            text = cell.ljust(widths[i]) if i < len(widths) else cell
            if n == 0:
                text = click.style(text, bold=True)
            elif i == status_column:
                text = click.style(text, fg=_STATUS_COLORS.get(cell))
            cells.append(text)
        click.echo("  ".join(cells).rstrip())


# -- install / uninstall ------------------------------------------------------------------------
#
# Both commands work on entry-point metadata only (read from the dist-info folders, no plugin is
# imported), so they keep working while any installed plugin is broken: removing or replacing a
# broken plugin is exactly when they are needed.

#: A distribution name with optional extras and version specifier (``pkg``, ``pkg[x]>=1,<2``).
_REQUIREMENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(\[[^\]]*\])?\s*([<>=!~].*)?")
_ARCHIVES = (".whl", ".tar.gz", ".zip")


@plugins_group.command("install")
@click.argument("targets", nargs=-1, required=True, metavar="NAME|PATH...")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade to the newest version.")
@click.option(
    "-e", "--editable", is_flag=True, help="Install PATH folders in editable mode (development)."
)
@click.option(
    "--installer",
    type=click.Choice(["auto", "uv", "pip"]),
    default="auto",
    show_default=True,
    help="auto: uv when found, else pip.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the installer's output.")
def install(
    targets: tuple[str, ...], upgrade: bool, editable: bool, installer: str, verbose: bool
) -> None:
    """Install plugins into this environment: NAME from the package index
    (``deepalpha-agent-foo``, ``deepalpha-agent-foo==0.2``), or PATH, a project folder, wheel or
    sdist. Then each new plugin is loaded once to report whether it works."""
    args = []
    for target in targets:
        path = _as_path(target)
        if path is None:
            if editable:
                raise UserError(f"plugins install: --editable needs a folder, got {target!r}")
            args.append(target)
        elif editable:
            if not path.is_dir():
                raise UserError(f"plugins install: --editable needs a folder, got {target!r}")
            args += ["-e", str(path)]
        else:
            args.append(str(path))
    tool, command = _installer(installer, "install")
    if tool == "uv":
        # Compiled bytecode: the next `deepalpha` start imports the new plugin without compiling.
        command += ["pip", "install", "--python", sys.executable, "--compile-bytecode"]
    else:
        command += ["install", "--disable-pip-version-check"]
    if upgrade:
        command.append("--upgrade")
    before = _installed_plugins()
    _run_installer(tool, command + args, "install " + " ".join(targets), verbose)
    added = sorted(set(_installed_plugins().items()) - set(before.items()))
    if not added:
        click.echo(
            f"installed {' '.join(targets)}; no new or changed plugin (already installed, or no "
            "entry point in the 'deepalpha' group)"
        )
        return
    statuses = _load_statuses([name for name, _ in added])
    failed = []
    for name, (dist, version) in added:
        info = statuses.get(name, {})
        status = info.get("status", "unknown")
        detail = ", ".join(info.get("provides", ())) if status == "ok" else info.get("error")
        line = f"installed {dist} {version}: plugin {name!r} {status}"
        click.echo(f"{line}: {detail}" if detail else line)
        if status != "ok":
            failed.append(name)
    if failed:
        raise UserError(
            f"plugins install: {', '.join(map(repr, failed))} installed but not working; "
            "`deepalpha plugins list -v` shows why, `deepalpha plugins uninstall` removes it"
        )


@plugins_group.command("uninstall")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--installer",
    type=click.Choice(["auto", "uv", "pip"]),
    default="auto",
    show_default=True,
    help="auto: uv when found, else pip.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the installer's output.")
def uninstall(names: tuple[str, ...], yes: bool, installer: str, verbose: bool) -> None:
    """Remove plugins from this environment, by plugin NAME (as `plugins list` shows it) or by
    distribution name. Works while any plugin is broken."""
    installed = _installed_plugins()
    by_dist: dict[str, list[str]] = {}
    for plugin, (dist, _version) in installed.items():
        by_dist.setdefault(_normalize(dist), []).append(plugin)
    chosen: dict[str, tuple[str, str]] = {}  # distribution -> (name, version)
    for name in names:
        if name in installed:
            dist, version = installed[name]
        elif _normalize(name) in by_dist:
            dist, version = installed[by_dist[_normalize(name)][0]]
        else:
            known = ", ".join(f"{p} ({d})" for p, (d, _) in sorted(installed.items()))
            raise UserError(
                f"plugins uninstall: no installed plugin or plugin distribution {name!r}; "
                f"installed: {known or 'none'}"
            )
        chosen[dist] = (dist, version)
    lines = []
    for dist, version in chosen.values():
        plugins = ", ".join(sorted(by_dist[_normalize(dist)]))
        lines.append(f"{dist} {version} (plugin {plugins})")
    if not yes:
        click.confirm(f"Uninstall {'; '.join(lines)}?", abort=True)
    tool, command = _installer(installer, "uninstall")
    if tool == "uv":
        command += ["pip", "uninstall", "--python", sys.executable]
    else:
        command += ["uninstall", "--yes", "--disable-pip-version-check"]
    _run_installer(tool, command + list(chosen), "uninstall " + " ".join(names), verbose)
    for line in lines:
        click.echo(f"uninstalled {line}")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _as_path(target: str) -> Path | None:
    """``target`` as a local path when it is one (or is written like one), else ``None``."""
    from pathlib import Path

    path = Path(target).expanduser()
    written_as_path = (
        target.startswith((".", "~")) or os.sep in target or "/" in target
    ) or target.endswith(_ARCHIVES)
    if path.exists():
        if path.is_dir() and not any((path / f).is_file() for f in ("pyproject.toml", "setup.py")):
            raise UserError(
                f"plugins install: {target} is a folder without pyproject.toml or setup.py"
            )
        return path.resolve()
    if written_as_path:
        raise UserError(f"plugins install: no such file or folder: {target}")
    if not _REQUIREMENT.fullmatch(target):
        raise UserError(
            f"plugins install: {target!r} is neither a distribution name (deepalpha-agent-foo, "
            "deepalpha-agent-foo==0.2) nor an existing path"
        )
    return None


def _installer(choice: str, command: str) -> tuple[str, list[str]]:
    """The installer and the start of its command line, acting on this interpreter's env."""
    if choice in ("auto", "uv") and (uv := _find_uv()):
        return "uv", [uv]
    if choice == "uv":
        raise UserError(
            f"plugins {command}: uv not found (neither beside {sys.executable} nor on PATH); "
            "use --installer pip"
        )
    if importlib.util.find_spec("pip") is None:
        missing = "pip is not" if choice == "pip" else "neither uv nor pip is"
        raise UserError(
            f"plugins {command}: {missing} available to {sys.executable}; "
            f"`{sys.executable} -m ensurepip` installs pip, or put uv on PATH"
        )
    return "pip", [sys.executable, "-m", "pip"]


def _find_uv() -> str | None:
    """uv of this environment first (its scripts folder, or the ``uv`` package), then PATH."""
    import shutil
    from pathlib import Path

    here = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
    if here.is_file():
        return str(here)
    if importlib.util.find_spec("uv") is not None:
        try:
            from uv import find_uv_bin

            return find_uv_bin()
        except Exception:  # the package without its binary: fall through to PATH
            pass
    return shutil.which("uv")


def _run_installer(tool: str, command: list[str], what: str, verbose: bool) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}  # uv: act on --python
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    output = (result.stdout or "") + (result.stderr or "")
    if verbose:
        click.echo(output.rstrip(), err=True)
    if result.returncode != 0:
        raise UserError(
            f"plugins {what}: {tool} failed: {_summary(output)}"
            + ("" if verbose else " (-v shows the installer's output)")
        )


#: Decorations and prefixes of installer messages: uv's tree marks, "error:", pip's "ERROR:".
_MARKS = re.compile("^(?:[\u00d7\u2570\u2500\u25b6|\\s]+|error:\\s*|ERROR:\\s*|cause:\\s*)+")
_NOISE = ("hint:", "help:", "warning:", "Using Python", "Looking in", "Resolved", "Processing")


def _summary(output: str) -> str:
    """The line of an installer's output that says what went wrong, as one line."""
    lines = [_MARKS.sub("", ln.strip()) for ln in output.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(_NOISE)]
    for line in lines:
        # uv: "Because foo was not found in the package registry and you require foo, we can
        # conclude that your requirements are unsatisfiable." -> "foo was not found in ..."
        found = re.match(r"Because (.+?)(?: and you require |, we can conclude)", line)
        if found:
            return found.group(1)
    for needle in ("No matching distribution", "not found", "does not exist", "No such file"):
        for line in lines:
            if needle in line:
                return line
    return lines[-1] if lines else "no output"


def _installed_plugins() -> dict[str, tuple[str, str]]:
    """Plugin name -> (distribution, version), from metadata only: nothing is imported."""
    from ..entrypoints import entry_points
    from ..plugins import ENTRY_POINT_GROUP

    importlib.invalidate_caches()
    return {ep.name: (ep.dist_name, ep.dist_version) for ep in entry_points(ENTRY_POINT_GROUP)}


def _load_statuses(names: list[str]) -> dict[str, dict]:
    """Load only ``names``, in a new interpreter (this one cannot see new ``.pth`` paths)."""
    import subprocess

    from ..plugins import ENV_LOAD, ENV_STRICT

    env = {k: v for k, v in os.environ.items() if k != ENV_STRICT}
    env[ENV_LOAD] = ",".join(names)
    result = subprocess.run(
        [sys.executable, "-m", "deepalpha.cli.main", "plugins", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    try:
        listing = json.loads(result.stdout)
    except ValueError:
        return {}
    return {p["name"]: p for p in listing["plugins"] if p["name"] in names}
