"""``deepalpha eval``: does an agent configuration add anything over its baselines?

``windows`` cuts the data into walk-forward windows, ``baselines`` holds buy and hold and the
random-signal agent, ``stats`` the paired stationary bootstrap, ``regimes`` the trend rule,
``harness`` runs it all through the engine and ``report`` writes the HTML page and the tables.
See ``docs/evaluation.md``.
"""

from .harness import EvalOptions, EvalResult, evaluate

__all__ = ["EvalOptions", "EvalResult", "evaluate"]
