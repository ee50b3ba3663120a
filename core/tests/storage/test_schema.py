"""The migrations are the schema: a migrated database must equal ``tables.metadata``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from deepalpha.errors import UserError
from deepalpha.storage import Store, migrate
from deepalpha.storage.tables import metadata


def test_schema_matches_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
        assert migrate.current(conn) == migrate.head()
    assert diff == []


def test_migrations_create_every_table(store: Store) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= names
    assert "alembic_version" in names


def test_reopening_keeps_data_and_revision(db_url: str) -> None:
    with Store.open(db_url) as first:
        run_id = first.start_run("paper", {}, ["ETH/USD"])
    with Store.open(db_url) as second:
        assert [r.id for r in second.runs()] == [run_id]
        with second.engine.connect() as conn:
            assert migrate.current(conn) == migrate.head()


def test_one_head() -> None:
    assert migrate.head() == "0004"


def test_sqlite_pragmas(tmp_path) -> None:
    with Store.open(f"sqlite:///{tmp_path}/p.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_private_metadata_does_not_leak_into_sqlmodel() -> None:
    from sqlmodel import SQLModel

    assert not set(metadata.tables) & set(SQLModel.metadata.tables)


def test_database_from_a_newer_release_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    with pytest.raises(UserError, match=r"schema revision 'ffffffffffff'.*newer release"):
        Store.open(db_url)


def test_a_file_that_is_not_sqlite_is_a_user_error(tmp_path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(UserError, match=r"notes\.db"):
        Store.open(f"sqlite:///{path}")


def test_home_directory_is_expanded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with Store.open("sqlite:///~/deep/alpha.db"):
        pass
    assert (tmp_path / "deep" / "alpha.db").is_file()
