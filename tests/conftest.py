"""Helpers for the workspace-level tests: install fixture distributions and run the CLI."""

from __future__ import annotations

import json
import os
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
