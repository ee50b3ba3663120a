"""The market regime of a window: trend up, trend down, or sideways.

The rule compares the window's move with the noise of the same window. The market is the
equal-weight buy-and-hold index of the evaluated symbols (each symbol's close over its close at the
window's first bar, averaged). With ``R`` the index's log return over the window's ``n`` bars and
``s`` the standard deviation of its per-bar log returns:

* **up** when ``R > band x s x sqrt(n - 1)``,
* **down** when ``R < -band x s x sqrt(n - 1)``,
* **sideways** otherwise.

Why this rule: ``s x sqrt(n - 1)`` is how far a driftless random walk with the window's own
volatility typically ends from where it began, so a window is called a trend only when its move
is large next to its own noise. A fixed band (say +/-10 %) would call every wild crypto quarter a
trend and every calm one sideways; scaling by volatility judges each window on its own terms.
With the default ``band = 0.5`` a driftless market is sideways in about 38 % of windows and up or
down in about 31 % each: three groups of similar size, each labelled by its drift (which is what
trend-following and mean-reverting agents depend on) rather than by its volatility.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from attrs import frozen

REGIMES = ("up", "down", "sideways")
#: Default band, in standard deviations of the window's own random-walk spread.
BAND = 0.5


@frozen
class Regime:
    label: str
    #: Log return of the equal-weight index over the window.
    log_return: float
    #: The band it was compared with: ``band x s x sqrt(n - 1)``.
    threshold: float

    def to_dict(self) -> dict[str, float | str]:
        return {"label": self.label, "log_return": self.log_return, "threshold": self.threshold}


def index_curve(closes: Sequence[np.ndarray]) -> np.ndarray:
    """The equal-weight buy-and-hold index (1 at the first bar) of aligned close columns."""
    cols = [np.asarray(c, dtype=np.float64) for c in closes]
    if not cols or any(len(c) != len(cols[0]) for c in cols):
        raise ValueError("closes: give one or more close columns of the same length")
    return np.mean([c / c[0] for c in cols], axis=0)


def classify(closes: Sequence[np.ndarray], band: float = BAND) -> Regime:
    """The regime of a window from its symbols' aligned closes (see the module docstring)."""
    if band < 0:
        raise ValueError(f"band: must be >= 0, got {band}")
    index = index_curve(closes)
    if len(index) < 3:
        return Regime("sideways", float(math.log(index[-1])), 0.0)
    logs = np.diff(np.log(index))
    total = float(logs.sum())
    threshold = band * float(logs.std(ddof=1)) * math.sqrt(len(logs))
    if total > threshold:
        label = "up"
    elif total < -threshold:
        label = "down"
    else:
        label = "sideways"
    return Regime(label, total, threshold)
