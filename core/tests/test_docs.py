"""docs/plugin_hooks.md documents every hook with its exact signature (datasette's rule)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from deepalpha import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugin_hooks.md"


def _specs() -> dict[str, str]:
    out = {}
    for name, fn in vars(hookspecs).items():
        if callable(fn) and hasattr(fn, "deepalpha_spec"):
            out[name] = f"{name}{inspect.signature(fn)}".replace("'", "")
    return out


def _documented() -> dict[str, str]:
    headings = re.findall(r"^### `(.+)`$", DOC.read_text(), re.M)
    return {h.split("(")[0]: h for h in headings}


@pytest.mark.parametrize("name", sorted(_specs()))
def test_hook_is_documented_with_its_exact_signature(name: str) -> None:
    assert _documented().get(name) == _specs()[name]


def test_no_documented_hook_is_missing_from_the_specs() -> None:
    assert set(_documented()) <= set(_specs())
