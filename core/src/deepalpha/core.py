"""The names the product description imports from ``deepalpha.core``.

``from deepalpha.core import Signal`` is how the README's custom agent gets its signal type. These
are the very classes of :mod:`deepalpha.domain` (not copies or subclasses), so a ``Signal`` built
here is the one the engine, the decision engine and storage already know.
"""

from __future__ import annotations

from .domain import Action, Bar, Decision, Direction, Signal

__all__ = ["Action", "Bar", "Decision", "Direction", "Signal"]
