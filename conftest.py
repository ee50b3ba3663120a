"""Workspace-wide pytest settings: make a skipped database loud.

The storage tests run against SQLite always and against PostgreSQL when
``DEEPALPHA_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one). When it does not, the end
of the run says so in red, so nobody mistakes a green run for a tested PostgreSQL backend.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

POSTGRES_ENV = "DEEPALPHA_TEST_POSTGRES_URL"

# Shared, noisy 2-core machines: a per-example deadline would fail tests for being slow, not wrong.
# In CI (`CI` set by .ci/run) the examples are derandomised, the same on every run.
settings.register_profile(
    "deepalpha",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("deepalpha")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get(POSTGRES_ENV):
        terminalreporter.write_sep(
            "=", "PostgreSQL: tested against the server in " + POSTGRES_ENV, green=True
        )
        return
    skipped = [
        rep
        for rep in terminalreporter.stats.get("skipped", [])
        if "postgres" in str(getattr(rep, "longrepr", "")).lower()
    ]
    terminalreporter.write_sep(
        "!",
        f"PostgreSQL NOT TESTED: {POSTGRES_ENV} is unset ({len(skipped)} tests skipped); "
        "run .ci/postgres.sh and export its URL",
        red=True,
        bold=True,
    )
