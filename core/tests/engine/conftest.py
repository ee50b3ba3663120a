"""Redis for the decision cache's tests: ``DEEPALPHA_TEST_REDIS_URL`` (``.ci/redis.sh`` prints one).

Without it the Redis tests skip, and the end of the run says so in red, as for PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

REDIS_ENV = "DEEPALPHA_TEST_REDIS_URL"
REDIS_SKIP = (
    f"Redis decision-cache tests skipped: {REDIS_ENV} is not set "
    "(as root run .ci/redis.sh and export the URL it prints)"
)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test server's URL; every key a test writes under its namespace is deleted after."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(REDIS_SKIP)
    yield url


@pytest.fixture
def redis_namespace(redis_url: str) -> Iterator[str]:
    import redis

    namespace = f"test-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"deepalpha:decision:{namespace}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    skipped = [
        rep
        for rep in terminalreporter.stats.get("skipped", [])
        if REDIS_ENV in str(getattr(rep, "longrepr", ""))
    ]
    if os.environ.get(REDIS_ENV) or not skipped:
        return
    terminalreporter.write_sep(
        "!",
        f"Redis NOT TESTED: {REDIS_ENV} is unset ({len(skipped)} tests skipped); "
        "run .ci/redis.sh and export its URL",
        red=True,
        bold=True,
    )
