"""``deepalpha plugins install`` / ``uninstall`` in a fresh environment holding a broken plugin.

Each test runs the CLI of its own virtual environment (``fresh_venv``), with
``DEEPALPHA_STRICT_PLUGINS=1`` so that any command that loaded the plugins would stop on the broken
one: install and uninstall must not need a healthy plugin set. The installers run offline (uv from
its cache, pip with no index), so these tests never reach the network.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

DISTS = Path(__file__).parent / "dists"


class VenvCLI:
    """``deepalpha`` of one virtual environment, run the way a user runs it."""

    def __init__(self, python: Path, path: str, **env: str) -> None:
        self.python = python
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "PYTHONPATH") and not k.startswith(("DEEPALPHA_", "UV_"))
        }
        self.env.update(PATH=path, DEEPALPHA_STRICT_PLUGINS="1", **env)

    def __call__(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.python.parent / "deepalpha"), *map(str, args)],
            capture_output=True,
            text=True,
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            timeout=600,
        )

    def plugins(self) -> dict[str, dict]:
        listed = self("plugins", "list", "--json", DEEPALPHA_STRICT_PLUGINS="0")
        assert listed.returncode == 0, listed.stderr
        return {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}


def _path_without_uv() -> str:
    return os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if not (Path(d) / "uv").exists()
    )


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture
def project(tmp_path: Path, render_plugin) -> Path:
    return render_plugin("agent", tmp_path / "out", plugin_name="fade")


@pytest.mark.slow
def test_uv_installs_a_path_and_uninstalls_it_while_a_plugin_is_broken(
    tmp_path: Path, fresh_venv, project: Path
) -> None:
    from uv import find_uv_bin

    python = fresh_venv(tmp_path / "venv", str(DISTS / "broken"))
    # uv is not in the new environment: `auto` finds it on PATH, as for a user who has uv.
    path = os.pathsep.join([str(Path(find_uv_bin()).parent), _path_without_uv()])
    cli = VenvCLI(python, path, UV_OFFLINE="1")
    assert cli("plugins", "list").returncode == 2  # strict, and 'broken' fails to import

    installed = cli("plugins", "install", project)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed.stdout.strip() == (
        "installed deepalpha-agent-fade 0.1.0: plugin 'fade' ok: agent:fade"
    )
    plugins = cli.plugins()
    assert plugins["fade"]["status"] == "ok" and plugins["broken"]["status"] == "failed"
    site = subprocess.run(
        [python, "-c", "import deepalpha_agent_fade as m; print(m.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(tmp_path / "venv") in site.stdout  # a real install, not the source folder

    # Without --yes it asks; with no answer it changes nothing.
    assert cli("plugins", "uninstall", "fade").returncode == 1
    assert "fade" in cli.plugins()
    removed = cli("plugins", "uninstall", "--yes", "fade")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.strip() == "uninstalled deepalpha-agent-fade 0.1.0 (plugin fade)"
    assert "fade" not in cli.plugins()

    again = _one_line_error(cli("plugins", "uninstall", "-y", "fade"))
    assert "no installed plugin or plugin distribution 'fade'" in again
    assert "broken (deepalpha-agent-broken)" in again

    # Editable, for development; and the broken plugin goes by its distribution name.
    editable = cli("plugins", "install", "--editable", project)
    assert editable.returncode == 0 and "plugin 'fade' ok" in editable.stdout, editable.stderr
    cleared = cli("plugins", "uninstall", "-y", "fade", "deepalpha-agent-broken")
    assert cleared.returncode == 0, cleared.stderr
    assert set(cli.plugins()) == {"kernel"}
    assert cli("plugins", "list").returncode == 0  # strict mode is happy again

    # A plugin that installs but cannot load is reported as such, and the command fails.
    broken = cli("plugins", "install", DISTS / "broken")
    assert broken.stdout.startswith(
        "installed deepalpha-agent-broken 0.0.1: plugin 'broken' failed: ModuleNotFoundError"
    )
    assert _one_line_error(broken) == (
        "Error: plugins install: 'broken' installed but not working; `deepalpha plugins list -v` "
        "shows why, `deepalpha plugins uninstall` removes it"
    )


@pytest.mark.slow
def test_pip_is_used_where_uv_is_absent(tmp_path: Path, fresh_venv, project: Path) -> None:
    from uv import find_uv_bin

    python = fresh_venv(tmp_path / "venv", str(DISTS / "broken"), copied=("pip",))
    # A wheel, so that pip needs no build environment from the index.
    built = subprocess.run(
        [find_uv_bin(), "build", "--wheel", "--offline", "-o", tmp_path / "dist", project],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    cli = VenvCLI(python, _path_without_uv(), PIP_NO_INDEX="1")

    installed = cli("plugins", "install", wheel)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "plugin 'fade' ok: agent:fade" in installed.stdout
    assert cli.plugins()["fade"]["status"] == "ok"
    removed = cli("plugins", "uninstall", "-y", "deepalpha-agent-fade")
    assert removed.returncode == 0, removed.stderr
    assert "fade" not in cli.plugins()

    missing = _one_line_error(cli("plugins", "install", "deepalpha-agent-no-such-plugin"))
    assert missing == (
        "Error: plugins install deepalpha-agent-no-such-plugin: pip failed: No matching "
        "distribution found for deepalpha-agent-no-such-plugin (-v shows the installer's output)"
    )


@pytest.mark.slow
def test_bad_requests_are_one_line_errors(tmp_path: Path, fresh_venv) -> None:
    from uv import find_uv_bin

    python = fresh_venv(tmp_path / "venv", str(DISTS / "broken"))
    with_uv = VenvCLI(
        python, os.pathsep.join([str(Path(find_uv_bin()).parent), _path_without_uv()])
    )
    without_uv = VenvCLI(python, _path_without_uv())
    (tmp_path / "empty").mkdir()
    cases = [
        (
            with_uv("plugins", "install", "deepalpha-agent-no-such-plugin", UV_OFFLINE="1"),
            "Error: plugins install deepalpha-agent-no-such-plugin: uv failed: "
            "deepalpha-agent-no-such-plugin was not found in the cache (-v shows the installer's "
            "output)",
        ),
        (
            with_uv("plugins", "install", "./nowhere"),
            "Error: plugins install: no such file or folder: ./nowhere",
        ),
        (
            with_uv("plugins", "install", tmp_path / "empty"),
            f"Error: plugins install: {tmp_path / 'empty'} is a folder without pyproject.toml "
            "or setup.py",
        ),
        (
            with_uv("plugins", "install", "not a name!"),
            "Error: plugins install: 'not a name!' is neither a distribution name "
            "(deepalpha-agent-foo, deepalpha-agent-foo==0.2) nor an existing path",
        ),
        (
            with_uv("plugins", "install", "-e", "deepalpha-agent-foo"),
            "Error: plugins install: --editable needs a folder, got 'deepalpha-agent-foo'",
        ),
        (
            without_uv("plugins", "install", "deepalpha-agent-foo"),
            f"Error: plugins install: neither uv nor pip is available to {python}; "
            f"`{python} -m ensurepip` installs pip, or put uv on PATH",
        ),
        (
            without_uv("plugins", "uninstall", "-y", "broken", "--installer", "uv"),
            f"Error: plugins uninstall: uv not found (neither beside {python} nor on PATH); "
            "use --installer pip",
        ),
    ]
    for result, expected in cases:
        assert _one_line_error(result) == expected
