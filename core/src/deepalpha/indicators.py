"""Finding indicators and candlestick patterns by name, through the installed kernels.

Agents ask for ``"rsi"`` or ``"CDLENGULFING"`` rather than importing a kernel package, so a
third-party agent works with whichever kernel plugin provides the name (``register_kernels``), and
two kernels offering the same name is an error naming both, like any other component clash.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .errors import PluginError
from .plugins import DeepAlphaPlugins, get_plugin_manager


def _lookup(kind: str, name: str, plugins: DeepAlphaPlugins | None) -> tuple[Any, str]:
    plugins = plugins or get_plugin_manager()
    wanted = name.upper()
    found = []
    for kernel_name in plugins.names("kernel"):
        spec = plugins.resolve("kernel", kernel_name)
        names = spec.indicators if kind == "indicator" else spec.patterns
        if wanted in names:
            found.append(spec)
    if not found:
        everything = sorted(
            {
                n
                for k in plugins.names("kernel")
                for n in getattr(
                    plugins.resolve("kernel", k),
                    "indicators" if kind == "indicator" else "patterns",
                )
            }
        )
        shown = ", ".join(everything[:60]) + (" ..." if len(everything) > 60 else "")
        raise PluginError(f"unknown {kind} {name!r}; installed kernels provide: {shown or 'none'}")
    if len(found) > 1:
        who = " and ".join(f"kernel {s.name!r}" for s in found)
        raise PluginError(f"{kind} {name!r} is provided by both {who}")
    return found[0], wanted


def indicator(
    name: str, *, streaming: bool = False, plugins: DeepAlphaPlugins | None = None
) -> Callable[..., Any]:
    """The batch function (``rsi``) or, with ``streaming=True``, the streaming class (``RSI``)."""
    spec, upper = _lookup("indicator", name, plugins)
    module = importlib.import_module(spec.module)
    return getattr(module, upper if streaming else upper.lower())


def pattern(name: str, *, plugins: DeepAlphaPlugins | None = None) -> Callable[..., Any]:
    """The batch function of a candlestick pattern (``cdlengulfing``)."""
    spec, upper = _lookup("pattern", name, plugins)
    return getattr(importlib.import_module(spec.module), upper.lower())
