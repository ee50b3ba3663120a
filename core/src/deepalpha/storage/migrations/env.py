"""Alembic environment of the storage schema.

Run only through ``deepalpha.storage.migrate``, which hands over an open connection in
``config.attributes["connection"]``; there is no ``alembic.ini`` and no URL here.
"""

from alembic import context
from deepalpha.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run storage migrations through deepalpha.storage.migrate, not alembic's CLI"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables for later revisions.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
