"""The plugin template tests itself: every kind renders, installs into a fresh virtual environment,
shows up ``ok`` in that environment's ``deepalpha plugins list --json``, and passes the tests it
generated (which run the contract of its kind from ``deepalpha.testing``)."""

from __future__ import annotations

import ast
import importlib.util
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


# -- docs/writing_plugins.md shows what the template writes ---------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing_plugins.md"
STUBS = Path(__file__).resolve().parents[1] / "rust-kernel/python/deepalpha_kernel/_native.pyi"


def _section(marker: str) -> str:
    """The text after ``<!-- marker -->`` up to the next blank line."""
    text = DOC.read_text()
    start = text.index(f"<!-- {marker} -->\n") + len(f"<!-- {marker} -->\n")
    end = text.find("\n\n", start)
    return text[start : end if end >= 0 else None]


def _table(marker: str) -> list[list[str]]:
    rows = [line.strip() for line in _section(marker).splitlines() if line.strip()]
    return [[c.strip() for c in row.strip("|").split(" | ")] for row in rows[2:]]


@pytest.mark.slow
def test_writing_plugins_quotes_the_rendered_agent_and_its_real_listing(
    tmp_path: Path, render_plugin, fresh_venv
) -> None:
    project = render_plugin("agent", tmp_path / "out", plugin_name="mything")
    blocks = re.findall(r"<!-- rendered: (\S+) -->\n```\w+\n(.*?)```", DOC.read_text(), re.S)
    assert {path for path, _ in blocks} == {
        "pyproject.toml",
        "src/deepalpha_agent_mything/plugin.py",
        "src/deepalpha_agent_mything/options.py",
        "src/deepalpha_agent_mything/agent.py",
    }
    for path, body in blocks:
        assert body == (project / path).read_text(), (
            f"docs/writing_plugins.md quotes {path} as it no longer renders: paste the output of "
            "`cookiecutter --no-input cookiecutter-plugin kind=agent plugin_name=mything`"
        )

    python = fresh_venv(tmp_path / "venv", str(project))
    env = {**_env(), "DEEPALPHA_LOAD_PLUGINS": "mything"}
    listed = subprocess.run(
        [python.parent / "deepalpha", "plugins", "list"], capture_output=True, text=True, env=env
    )
    assert listed.returncode == 0, listed.stderr
    block = re.search(r"<!-- listing -->\n```console\n(.*?)```", DOC.read_text(), re.S)
    (command, *shown) = block.group(1).rstrip("\n").splitlines()
    assert command == "$ DEEPALPHA_LOAD_PLUGINS=mything deepalpha plugins list"
    assert shown == listed.stdout.rstrip("\n").splitlines()


def test_writing_plugins_config_errors_are_the_ones_users_get(tmp_path: Path, render_plugin):
    from deepalpha.config import structure
    from deepalpha.errors import ConfigError

    project = render_plugin("agent", tmp_path, plugin_name="mything")
    path = project / "src" / "deepalpha_agent_mything" / "options.py"
    spec = importlib.util.spec_from_file_location("mything_options", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # attrs only: no package needed
    doc = " ".join(DOC.read_text().split())
    for bad in ({"lookbak": 30}, {"period": 1}):
        with pytest.raises(ConfigError) as excinfo:
            structure(bad, module.MythingOptions, "agents.mything.options")
        assert f"`{excinfo.value}`" in doc


def test_writing_plugins_streaming_table_matches_the_kernel_stubs() -> None:
    """Every documented streaming class has that constructor, update() and result in the stubs
    (which tests/test_stubs.py checks against the built module)."""
    tree = ast.parse(STUBS.read_text())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def methods(name: str) -> dict[str, ast.FunctionDef]:
        out: dict[str, ast.FunctionDef] = {}
        for base in classes[name].bases:
            if ast.unparse(base) in classes:
                out.update(methods(ast.unparse(base)))
        out.update({f.name: f for f in classes[name].body if isinstance(f, ast.FunctionDef)})
        return out

    def params(fn: ast.FunctionDef | None) -> str:
        if fn is None:
            return ""
        names = [a.arg for a in fn.args.args[1:]]
        defaults = [None] * (len(names) - len(fn.args.defaults)) + fn.args.defaults
        out = [
            n if d is None else f"{n}={ast.unparse(d)}"
            for n, d in zip(names, defaults, strict=True)
        ]
        out += [
            k.arg if d is None else f"{k.arg}={ast.unparse(d)}"
            for k, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)
        ]
        return ", ".join(out)

    rows = _table("streaming-classes")
    assert len(rows) >= 40
    for constructor, update, returns in rows:
        name = constructor.strip("`").split("(")[0]
        assert name in classes, f"{name} is documented but not in the kernel's stubs"
        found = methods(name)
        assert constructor == f"`{name}({params(found.get('__init__'))})`"
        assert update == f"`update({params(found['update'])})`"
        assert returns == f"`{ast.unparse(found['update'].returns)}`"


def test_writing_plugins_tables_match_the_code() -> None:
    import attrs
    import yaml
    from deepalpha.domain import Signal
    from deepalpha.risk import RiskContext

    text = DOC.read_text()
    assert [row[0].strip("`") for row in _table("signal-fields")] == [
        f.name for f in attrs.fields(Signal)
    ]
    assert [row[0].strip("`") for row in _table("risk-context")] == [
        f.name for f in attrs.fields(RiskContext)
    ]
    defaults = Path(__file__).resolve().parents[1] / "core/src/deepalpha/config/default.yaml"
    order = list(yaml.safe_load(defaults.read_text())["risk"])
    claimed = re.search(r"the packaged defaults in their order \(([^)]*)\)", " ".join(text.split()))
    assert claimed and claimed.group(1) == ", ".join(f"`{name}`" for name in order)
