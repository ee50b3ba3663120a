"""Validators shared by the sources' options classes (messages name the field, as config errors)."""

from __future__ import annotations

from typing import Any


def http_url(_inst: object, attribute: Any, value: str) -> None:
    if not (value.startswith("http://") or value.startswith("https://")) or value.endswith("://"):
        raise ValueError(f"{attribute.name}: must be an http:// or https:// URL, got {value!r}")


def positive(_inst: object, attribute: Any, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name}: must be > 0, got {value!r}")


def non_negative(_inst: object, attribute: Any, value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name}: must be >= 0, got {value!r}")


def at_least_one(_inst: object, attribute: Any, value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name}: must be >= 1, got {value!r}")
