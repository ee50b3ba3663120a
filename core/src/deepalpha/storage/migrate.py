"""Schema migrations with alembic, run from code: no ``alembic.ini`` on disk.

The migration scripts ship inside the package (``migrations/``), so an installed wheel can upgrade
any database it is pointed at. ``Store.open`` calls :func:`upgrade` on every open; at head that
costs one query.

To write a new revision after changing ``tables.py`` (developers only)::

    python -m deepalpha.storage revision "add foo to orders"

which autogenerates against a scratch SQLite database at head; review the file before committing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from ..errors import UserError
from . import connect
from .connect import mask, writer

MIGRATIONS = Path(__file__).with_name("migrations")

#: Key of the PostgreSQL advisory lock that serialises concurrent upgrades of one database
#: (two processes opening a fresh database at once would otherwise both create the tables).
_PG_LOCK = 0x0DEE_A1FA


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    heads = ScriptDirectory.from_config(config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"storage migrations must have exactly one head, found {heads}")
    return heads[0]


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the head revision, in one transaction.

    A database stamped with a revision this code does not ship (written by a newer release) is
    refused with a ``UserError`` instead of being touched.
    """

    with writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        found = current(conn)
        if found == head():
            return
        scripts = ScriptDirectory.from_config(config())
        if found is not None and found not in {rev.revision for rev in scripts.walk_revisions()}:
            raise UserError(
                f"database {mask(engine.url)} has schema revision {found!r}, which this version of "
                f"DeepAlpha does not know (its newest is {head()!r}): it was written by a newer "
                "release; upgrade deepalpha or use another database"
            )
        command.upgrade(config(conn), "head")


def revision(message: str) -> None:
    """Autogenerate a revision from the difference between ``tables.py`` and head."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = connect.create(connect.parse(f"sqlite:///{tmp}/scratch.db"))
        try:
            upgrade(engine)
            with engine.begin() as conn:
                command.revision(config(conn), message=message, autogenerate=True)
        finally:
            engine.dispose()
