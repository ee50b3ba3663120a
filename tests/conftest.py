"""Helpers for the workspace-level tests: install fixture distributions and run the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DISTS = Path(__file__).parent / "dists"


def pip_install_target(dist: str, target: Path) -> Path:
    """Install the fixture distribution ``dist`` with pip into ``target`` (not the venv)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(DISTS / dist),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


class CLI:
    """Runs ``deepalpha`` in a subprocess, in a scratch directory, with extra plugin paths."""

    def __init__(self, cwd: Path, paths: list[Path]) -> None:
        self.cwd = cwd
        self.paths = paths

    def __call__(self, *args: str, check: bool = True, env: dict | None = None):
        environ = {k: v for k, v in os.environ.items() if not k.startswith("DEEPALPHA_")}
        if self.paths:
            environ["PYTHONPATH"] = os.pathsep.join(str(p) for p in self.paths)
        environ.update(env or {})
        result = subprocess.run(
            [sys.executable, "-m", "deepalpha.cli.main", *args],
            cwd=self.cwd,
            env=environ,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"deepalpha {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def json(self, *args: str, **kw):
        return json.loads(self(*args, **kw).stdout)


@pytest.fixture
def cli(tmp_path) -> CLI:
    return CLI(tmp_path, [])


@pytest.fixture
def make_cli(tmp_path):
    """``make_cli(*paths)``: a CLI whose Python path also holds the given install targets."""
    return lambda *paths: CLI(tmp_path, list(paths))


@pytest.fixture(scope="session")
def tiny_dist(tmp_path_factory) -> Path:
    return pip_install_target("tiny", tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def broken_dist(tmp_path_factory) -> Path:
    return pip_install_target("broken", tmp_path_factory.mktemp("broken"))


@pytest.fixture(scope="session")
def clash_dist(tmp_path_factory) -> Path:
    return pip_install_target("clash", tmp_path_factory.mktemp("clash"))


# -- the plugin template and fresh environments (test_cookiecutter.py, test_plugins_install.py) --

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def render_plugin():
    """``render_plugin(kind, output_dir, **context)``: the template rendered with cookiecutter's
    Python API, as ``cookiecutter cookiecutter-plugin`` would with those answers."""
    from cookiecutter.main import cookiecutter

    def render(kind: str, output_dir: Path, **context: str) -> Path:
        output_dir.mkdir(parents=True, exist_ok=True)
        config = output_dir / "cookiecutter-config.yaml"  # keeps replay files out of $HOME
        config.write_text(f"replay_dir: '{output_dir / 'replay'}'\n")
        project = cookiecutter(
            str(ROOT / "cookiecutter-plugin"),
            no_input=True,
            output_dir=str(output_dir),
            config_file=str(config),
            extra_context={"kind": kind, **context},
        )
        return Path(project)

    return render


def _copy_distribution(name: str, site: Path) -> None:
    """Install ``name`` as the running environment has it, file for file (the Rust kernel: a
    fresh build takes minutes; ``maturin develop`` installed it as a .pth to its build)."""
    from importlib.metadata import distribution

    dist = distribution(name)
    for file in dist.files or ():
        source = Path(dist.locate_file(file))
        if ".." in file.parts or not source.is_file():
            continue  # scripts outside site-packages
        target = site / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


@pytest.fixture(scope="session")
def fresh_venv():
    """``fresh_venv(path, *requirements)``: a new virtual environment on this Python version
    holding DeepAlpha's core (editable: always the current sources), the kernel, and
    ``requirements``, installed by uv from its cache (offline first; the index if the cache is
    cold), pinned by requirements/dev.lock. ``copied`` distributions are copied from the running
    environment like the kernel (``pip``: uv's cache may not hold it, and ensurepip is slow).
    Returns the environment's python."""
    from uv import find_uv_bin

    uv = find_uv_bin()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("UV_")}

    def make(path: Path, *requirements: str, copied: tuple[str, ...] = ()) -> Path:
        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([uv, *args], capture_output=True, text=True, env=env, timeout=600)

        created = run("venv", "--quiet", "--python", sys.executable, str(path))
        assert created.returncode == 0, created.stderr
        python = path / "bin" / "python"
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        for name in ("deepalpha-kernel", *copied):
            _copy_distribution(name, path / "lib" / version / "site-packages")
        install = [
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "-c",
            str(ROOT / "requirements" / "dev.lock"),
            "-e",
            str(ROOT / "core"),
            *requirements,
        ]
        result = run(*install, "--offline")
        if result.returncode != 0:
            result = run(*install)
        assert result.returncode == 0, result.stdout + result.stderr
        return python

    return make
