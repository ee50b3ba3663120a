"""Backends for the storage tests: every test taking ``store`` or ``db_url`` runs on SQLite and on
PostgreSQL. PostgreSQL comes from ``DEEPALPHA_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` prints one);
each test gets its own schema, dropped afterwards, so runs never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from deepalpha.storage import Store

PG_ENV = "DEEPALPHA_TEST_POSTGRES_URL"
PG_SKIP = (
    f"PostgreSQL storage tests skipped: {PG_ENV} is not set "
    "(as root run .ci/postgres.sh and export the URL it prints)"
)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine | None]:
    """One engine on the test database, to create and drop per-test schemas."""
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    engine = sa.create_engine(url, connect_args={"connect_timeout": 10})
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path, pg_admin) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/nested/store.db"
        return
    if pg_admin is None:
        pytest.skip(PG_SKIP)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with pg_admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = pg_admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with pg_admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.fixture
def run_id(store: Store) -> str:
    return store.start_run("backtest", {"engine": {"symbols": ["BTC/USD"]}}, ["BTC/USD"])
