"""Freqtrade Gateway (strategy integration): DeepAlpha's agents and decision engine in freqtrade.

``from deepalpha_freqtrade import DeepAlphaStrategy`` (imports freqtrade) gives the ``IStrategy``
base class; :mod:`deepalpha_freqtrade.signals` is the part that needs no freqtrade.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DeepAlphaStrategy"]


def __getattr__(name: str) -> Any:
    # freqtrade is imported only when the strategy class is asked for.
    if name == "DeepAlphaStrategy":
        from .strategy import DeepAlphaStrategy

        return DeepAlphaStrategy
    raise AttributeError(f"module 'deepalpha_freqtrade' has no attribute {name!r}")
