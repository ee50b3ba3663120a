"""Persistence of runs and everything they produce, on SQLite (default) or PostgreSQL.

``Store.open(url)`` connects and migrates; see ``store.py`` for the API the engine uses,
``tables.py`` for the schema and ``migrate.py`` for schema migrations. Importing this package pulls
in SQLAlchemy, so the CLI imports it lazily (``plugins list`` must stay fast).
"""

from .store import FINAL_STATUSES, MODES, OrderEvent, RunInfo, Store, StoreJournal

__all__ = ["FINAL_STATUSES", "MODES", "OrderEvent", "RunInfo", "Store", "StoreJournal"]
