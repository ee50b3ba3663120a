"""Turning a user's database URL into a ready SQLAlchemy engine, or one clear line of error.

Only two backends are supported: SQLite files (the default; no server) and PostgreSQL through
psycopg 3. Whatever goes wrong (malformed URL, missing driver, server down, wrong password)
becomes a ``UserError`` naming the URL with its password masked: secrets never reach a terminal
or a log.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import StaticPool

from ..errors import UserError
from .convert import dumps

#: Seconds to wait for a PostgreSQL server before reporting it unreachable.
CONNECT_TIMEOUT = 10

#: Execution option read by the SQLite "begin" hook: DEFERRED (default) or IMMEDIATE.
SQLITE_BEGIN = "deepalpha_sqlite_begin"

_POSTGRES_ALIASES = {"postgres", "postgresql", "postgresql+psycopg"}


def mask(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``; safe to print."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        # Unparseable: hide everything between "://" and the last "@" (user:password).
        scheme, sep, rest = url.partition("://")
        if sep and "@" in rest:
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        return url


def parse(url: str) -> URL:
    """Validate ``url`` and normalise its driver (``postgresql://`` means psycopg 3 here)."""
    if not isinstance(url, str) or not url.strip():
        raise UserError(f"database URL must be a non-empty string, got {url!r}")
    try:
        parsed = sa.make_url(url.strip())
    except Exception as exc:
        raise UserError(f"malformed database URL {mask(url)}: {_one_line(exc)}") from None
    if parsed.drivername in _POSTGRES_ALIASES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in {"sqlite", "sqlite+pysqlite"}:
        return parsed
    raise UserError(
        f"unsupported database URL {mask(parsed)}: use sqlite:///path/file.db or "
        "postgresql+psycopg://user:password@host:port/database"
    )


def _in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def create(url: URL) -> Engine:
    """An engine for a parsed URL. SQLite: parent directory created, WAL, foreign keys on."""
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return sa.create_engine(
            url,
            json_serializer=dumps,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT},
        )
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"cannot use database {mask(url)}: {_one_line(exc, url)}") from None


def _sqlite_engine(url: URL) -> Engine:
    kwargs: dict[str, Any] = {"json_serializer": dumps}
    if _in_memory(url):
        # One shared connection, or every checkout would see a different empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path = Path(url.database).expanduser()
        url = url.set(database=str(path))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"cannot create the directory of database {mask(url)}: {exc.strerror}"
            ) from None
        kwargs["connect_args"] = {"timeout": 30}
    engine = sa.create_engine(url, **kwargs)
    memory = _in_memory(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # The sqlite3 module only opens transactions before DML, so DDL (migrations) would run
        # outside them. Turning its handling off lets the "begin" hook below emit BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if not memory:
                # WAL: readers (a dashboard, `deepalpha runs`) never block the writing engine.
                _set_wal(cursor)
            # FULL: a commit survives power loss, not only a crash of this process. Money first.
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # Writers ask for IMMEDIATE: the write lock is taken up front, so a transaction that reads
        # then writes waits for another writer (busy timeout) instead of failing with
        # SQLITE_BUSY when its snapshot turns stale. Readers stay DEFERRED and never block.
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get(SQLITE_BEGIN, 'DEFERRED')}")

    return engine


def _set_wal(cursor: sqlite3.Cursor, attempts: int = 40) -> None:
    """Switch to WAL, retrying while another connection holds the lock.

    Several stores opening one fresh database at once race to change its journal mode, and SQLite
    answers that race with an immediate "database is locked" (the busy timeout does not cover
    it). The change is idempotent, so waiting a little and asking again is safe; after about ten
    seconds the error stands.
    """
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


def writer(engine: Engine) -> Engine:
    """The engine to use for write transactions (``BEGIN IMMEDIATE`` on SQLite)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    return engine


def check(engine: Engine) -> None:
    """Open one connection now, so a bad server or password fails at ``Store.open``."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:
        engine.dispose()
        raise UserError(
            f"cannot connect to database {mask(engine.url)}: {_one_line(exc, engine.url)}"
        ) from None


def _one_line(exc: BaseException, url: URL | None = None) -> str:
    """The driver's own reason, first line only, without SQLAlchemy's boilerplate or secrets."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    line = text[0].strip() if text else type(orig).__name__
    if url is not None and url.password:
        line = line.replace(str(url.password), "***")
    return line
