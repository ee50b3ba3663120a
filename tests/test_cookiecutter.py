"""The plugin template tests itself: every kind renders, installs into a fresh virtual environment,
shows up ``ok`` in that environment's ``deepalpha plugins list --json``, and passes the tests it
generated (which run the contract of its kind from ``deepalpha.testing``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

KINDS = ("agent", "data", "llm", "risk", "gateway")
#: The generated test modules, one contract per kind (plus test_plugin.py for the entry point).
TEST_MODULES = {
    "agent": "test_agent.py",
    "data": "test_source.py",
    "llm": "test_provider.py",
    "risk": "test_rule.py",
    "gateway": "test_gateway.py",
}


def _env() -> dict[str, str]:
    """This environment's variables, minus what would point a child at the project's .venv."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "DEEPALPHA_LOAD_PLUGINS")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=_env(), timeout=600
    )


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin

    return find_ruff_bin()


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_installs_and_passes_its_own_tests(
    kind: str, tmp_path: Path, render_plugin, fresh_venv
) -> None:
    project = render_plugin(kind, tmp_path / "out", plugin_name="my_thing")
    package = f"deepalpha_{kind}_my_thing"
    assert project.name == f"deepalpha-{kind}-my-thing"
    assert not (project / "_kinds").exists()
    tests = sorted(p.name for p in (project / "tests").glob("test_*.py"))
    assert tests == sorted(["test_plugin.py", TEST_MODULES[kind]])
    assert (project / "src" / package / "plugin.py").is_file()

    # What a user gets is lint-clean with the settings it ships.
    lint = _run(_ruff(), "check", "--no-cache", ".", cwd=project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run(_ruff(), "format", "--check", "--no-cache", ".", cwd=project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr

    # Installed as written (not editable) with its test extra, in an environment of its own.
    python = fresh_venv(tmp_path / "venv", f"{project}[test]")
    listing = _run(python, "-m", "deepalpha.cli.main", "plugins", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    plugins = {p["name"]: p for p in json.loads(listing.stdout)["plugins"]}
    mine = plugins["my_thing"]
    assert (mine["status"], mine["distribution"], mine["version"]) == (
        "ok",
        f"deepalpha-{kind}-my-thing",
        "0.1.0",
    )
    assert mine["provides"] == [f"{kind}:my_thing"]
    assert mine["descriptions"] == {f"{kind}:my_thing": f"A DeepAlpha {kind} plugin"}
    # The package was installed into the environment, not picked up from the source folder.
    where = _run(python, "-c", f"import {package}; print({package}.__file__)", cwd=tmp_path)
    assert str(tmp_path / "venv") in where.stdout, where.stdout + where.stderr

    result = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 5, summary
    assert not re.search(r"failed|error|skipped", summary), summary


def test_the_component_name_is_checked_before_anything_is_written(
    tmp_path: Path, render_plugin, capfd
) -> None:
    with pytest.raises(FailedHookException):
        render_plugin("agent", tmp_path, plugin_name="My-Thing")
    assert "plugin_name: must be lower-case letters, digits and single underscores" in (
        capfd.readouterr().err
    )
    assert not list(tmp_path.glob("deepalpha-*"))


def test_names_and_description_reach_the_distribution(tmp_path: Path, render_plugin) -> None:
    """A description with quotes must still give a valid pyproject.toml and Python."""
    text = 'Fades "extreme" RSI readings'
    project = render_plugin("risk", tmp_path, plugin_name="rsi2", description=text)
    meta = tomllib.loads((project / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "deepalpha-risk-rsi2"
    assert meta["project"]["description"] == text
    assert meta["project"]["entry-points"]["deepalpha"] == {"rsi2": "deepalpha_risk_rsi2.plugin"}
    assert meta["build-system"]["build-backend"] == "hatchling.build"
    plugin = (project / "src" / "deepalpha_risk_rsi2" / "plugin.py").read_text()
    compile(plugin, "plugin.py", "exec")
    assert "class Rsi2Rule" in (project / "src" / "deepalpha_risk_rsi2" / "rule.py").read_text()
