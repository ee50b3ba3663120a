"""attrs validators for plugin options, worded one way for every plugin.

Plugins declare their options as attrs classes (``records.ComponentSpec.options``); the config
loader turns a ``ValueError("field: message")`` into ``llm_providers.x.options.field: message``.
These are the checks several plugins share (numbers in a range, integers, choices, URLs, model
names, API keys), so a user reads the same sentence whichever plugin refused the value. Import
light (standard library and attrs only): options are validated while plugins are listed.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from urllib.parse import urlsplit

import attrs

#: What is printed instead of a secret: never a prefix or suffix of it.
MASK = "***"

Validator = Callable[[object, attrs.Attribute, object], None]


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (``localhost``, 127.0.0.0/8 or ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def number(low: float, high: float, *, low_open: bool = False) -> Validator:
    """A finite number in [low, high] (or (low, high] when ``low_open``); bools refused."""

    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{attribute.name}: must be a number, got {value!r}")
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            bounds = f"({low:g}, {high:g}]" if low_open else f"[{low:g}, {high:g}]"
            raise ValueError(f"{attribute.name}: must be in {bounds}, got {value!r}")

    return check


def integer(low: int | None = None, high: int | None = None, *, optional: bool = False):
    """An integer (bools refused) in [low, high] when bounds are given; ``None`` passes when
    ``optional``."""

    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{attribute.name}: must be an integer, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{attribute.name}: must be in [{low}, {high}], got {value!r}")

    return check


def one_of(*choices: str) -> Validator:
    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if value not in choices:
            raise ValueError(
                f"{attribute.name}: must be one of {', '.join(choices)}, got {value!r}"
            )

    return check


def model_name(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must name a model, got {value!r}")


def http_url(example: str, *, root_of: str | None = None) -> Validator:
    """An http(s) URL with a host and no query or fragment; ``example`` is shown in the error.
    ``root_of``: a path the provider appends itself, refused at the URL's end."""

    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{attribute.name}: must be an http(s) URL with a host, such as {example}, "
                f"got {value!r}"
            )
        if parts.query or parts.fragment:
            raise ValueError(f"{attribute.name}: must not carry a query or fragment, got {value!r}")
        if root_of and parts.path.rstrip("/").endswith(root_of):
            raise ValueError(
                f"{attribute.name}: give the server root (the provider adds {root_of}), "
                f"got {value!r}"
            )

    return check


def api_key(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    """An optional key: a string, substituted, without whitespace. Never echoed."""
    if value is None:
        return
    if not isinstance(value, str):
        raise ValueError(f"{attribute.name}: must be a string, got a {type(value).__name__}")
    if value.startswith("${") and value.endswith("}"):
        # Naming the variable is safe: it is the placeholder, not the secret.
        raise ValueError(f"{attribute.name}: environment variable {value} was not substituted")
    if any(ch.isspace() for ch in value):
        raise ValueError(f"{attribute.name}: must not contain whitespace, got {MASK}")
