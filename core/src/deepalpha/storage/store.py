"""``Store``: the one object the engine talks to for persistence.

Every write opens a transaction and commits before returning. That is the money-safety contract of
``deepalpha.gateways.Journal``: a gateway acknowledges an order or a fill only after the journal
call returned, so a crash can lose nothing that was reported as done. Reads return domain objects
(``Order``, ``Fill``...) through the storage converter, never rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs
import numpy as np
import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..domain import (
    ORDER_TRANSITIONS,
    Decision,
    Fill,
    Order,
    OrderStatus,
    Position,
    Signal,
    ms_to_datetime,
)
from ..errors import UserError
from . import connect, migrate
from . import tables as t
from .convert import from_row, to_row

MODES = ("backtest", "paper", "live")
#: Statuses ``finish_run`` accepts; a run is ``running`` from ``start_run`` until then.
FINAL_STATUSES = ("finished", "failed", "interrupted")
RUNNING = "running"


_PG_EQUITY_INSERT = sa.text(
    "INSERT INTO equity (run_id, ts, equity, cash) "
    "SELECT :run_id, * FROM unnest(CAST(:ts AS BIGINT[]), "
    "CAST(:eq AS DOUBLE PRECISION[]), CAST(:cash AS DOUBLE PRECISION[]))"
)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


#: Test-only crash points: ``DEEPALPHA_TEST_KILL_AT=<point>:<n>`` makes the process SIGKILL itself
#: at the ``n``-th time it passes ``<point>`` (``mid_fill_write``: inside the transaction that
#: books a fill, before it commits; ``after_fill_write``, ``after_order_write``,
#: ``after_equity_write``, ``after_decision_write``: just after the commit). Read once at import:
#: unset (always, outside the crash tests) a point costs one ``is None`` test.
KILL_ENV = "DEEPALPHA_TEST_KILL_AT"


def _parse_kill(value: str | None) -> list[Any] | None:
    if not value:
        return None
    point, _, count = value.partition(":")
    return [point.strip(), int(count or 1)]


_KILL_AT = _parse_kill(os.environ.get(KILL_ENV))


def _kill_point(point: str) -> None:
    """Die here if the crash tests asked for it (see ``KILL_ENV``)."""
    target = _KILL_AT
    if target is None or target[0] != point:
        return
    target[1] -= 1
    if target[1] <= 0:
        os.kill(os.getpid(), signal.SIGKILL)


@frozen
class RunInfo:
    """One run as stored: what was run, on what, how it ended."""

    id: str
    mode: str
    status: str
    started_at: int
    finished_at: int | None
    symbols: tuple[str, ...]
    config: dict[str, Any]
    summary: dict[str, Any] | None
    #: The paper or live account the run trades (``<mode>:<app.name>``); ``None`` for backtests.
    book: str | None = None

    @property
    def started(self) -> datetime:
        return ms_to_datetime(self.started_at)

    @property
    def finished(self) -> datetime | None:
        return None if self.finished_at is None else ms_to_datetime(self.finished_at)


@frozen
class RunEvent:
    """Something that happened to a run besides trading (``run_events`` table)."""

    ts: int
    kind: str
    details: dict[str, Any]


@frozen
class OrderEvent:
    """One state of an order as the journal recorded it (``order_events`` table)."""

    order_id: str
    status: OrderStatus
    filled_quantity: Decimal
    average_price: Decimal | None
    recorded_at: int


class _JournalStatements:
    """The journal's statements, built once per store.

    Building an upsert (``insert().on_conflict_do_update``) costs SQLAlchemy about a millisecond;
    the journal writes three or four of them per order, and a backtest places hundreds of orders,
    so they are built here once and executed with bound parameters.
    """

    def __init__(self, insert: Any) -> None:
        def upsert(table: sa.Table, keys: tuple[str, ...]) -> Any:
            stmt = insert(table)
            skip = {*keys, "pk"}
            changed = {c.name: stmt.excluded[c.name] for c in table.c if c.name not in skip}
            return stmt.on_conflict_do_update(index_elements=list(keys), set_=changed)

        self.order = sa.select(t.orders).where(
            (t.orders.c.run_id == sa.bindparam("run_id")) & (t.orders.c.id == sa.bindparam("id"))
        )
        self.order_pk = sa.select(t.orders.c.pk).where(
            (t.orders.c.run_id == sa.bindparam("run_id")) & (t.orders.c.id == sa.bindparam("id"))
        )
        self.fill_pk = sa.select(t.fills.c.pk).where(
            (t.fills.c.run_id == sa.bindparam("run_id")) & (t.fills.c.id == sa.bindparam("id"))
        )
        self.upsert_order = upsert(t.orders, ("run_id", "id"))
        self.upsert_weight = upsert(t.agent_weights, ("book", "symbol", "agent"))
        self.upsert_position = upsert(t.positions, ("run_id", "symbol"))
        self.order_event = sa.insert(t.order_events)
        self.insert_fill = sa.insert(t.fills)


class Store:
    """Runs, signals, decisions, orders, fills, positions, equity and LLM calls in one database.

    Open with :meth:`Store.open`; the constructor takes an engine whose schema is already at head.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = connect.writer(engine)
        self._closed = False
        dialect = engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._stmts = _JournalStatements(self._insert)

    # -- life cycle --------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to ``url`` (SQLite file or PostgreSQL) and migrate its schema to head.

        Raises ``UserError`` with one line naming the URL (password masked) when the URL is bad,
        the server is unreachable, or the schema cannot be migrated.
        """
        parsed = connect.parse(url)
        engine = connect.create(parsed)
        connect.check(engine)
        try:
            migrate.upgrade(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise UserError(
                f"cannot migrate database {connect.mask(parsed)}: {connect._one_line(exc, parsed)}"
            ) from None
        return cls(engine)

    @property
    def url(self) -> str:
        """The database URL with the password masked; safe to print."""
        return connect.mask(self._engine.url)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Release every connection; the store cannot be used afterwards. Idempotent."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r}{', closed' if self._closed else ''})"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that commits on normal exit, before the caller's method returns."""
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        with self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        with self._engine.connect() as conn:
            yield conn

    # -- runs --------------------------------------------------------------------------------

    def start_run(
        self,
        mode: str,
        config: Mapping[str, Any],
        symbols: Sequence[str],
        *,
        book: str | None = None,
    ) -> str:
        """Record a new run in status ``running``; returns its id (a uuid4 hex).

        ``book`` names the account a paper or live run trades; while the run is ``running``
        (it crashed, or it is still going) ``unfinished_run(book)`` finds it."""
        if mode not in MODES:
            raise ValueError(f"run mode must be one of {', '.join(MODES)}, got {mode!r}")
        if isinstance(symbols, str) or not all(isinstance(s, str) and s for s in symbols):
            raise ValueError(f"run symbols must be a list of non-empty strings, got {symbols!r}")
        if not isinstance(config, Mapping):
            raise ValueError(f"run config must be a mapping, got {type(config).__name__}")
        run_id = uuid.uuid4().hex
        row = {
            "id": run_id,
            "mode": mode,
            "status": RUNNING,
            "started_at": _now_ms(),
            "finished_at": None,
            "config": dict(config),
            "symbols": list(symbols),
            "summary": None,
            "book": book,
        }
        with self._write() as conn:
            conn.execute(sa.insert(t.runs), row)
        return run_id

    def finish_run(self, run_id: str, status: str, summary: Mapping[str, Any] | None) -> None:
        """Close a running run with a final ``status`` and its metrics ``summary``."""
        if status not in FINAL_STATUSES:
            raise ValueError(
                f"final run status must be one of {', '.join(FINAL_STATUSES)}, got {status!r}"
            )
        with self._write() as conn:
            current = conn.execute(
                sa.select(t.runs.c.status).where(t.runs.c.id == run_id)
            ).scalar_one_or_none()
            if current is None:
                raise ValueError(f"unknown run {run_id!r}")
            if current != RUNNING:
                raise ValueError(f"run {run_id} already finished with status {current!r}")
            conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=_now_ms(),
                    summary=None if summary is None else dict(summary),
                )
            )

    def unfinished_run(self, book: str) -> RunInfo | None:
        """The newest run of ``book`` still in status ``running`` (a crash leaves it so)."""
        query = (
            sa.select(t.runs)
            .where((t.runs.c.book == book) & (t.runs.c.status == RUNNING))
            .order_by(t.runs.c.started_at.desc(), t.runs.c.id)
            .limit(1)
        )
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else from_row(row, RunInfo)

    def record_run_event(self, run_id: str, kind: str, details: Mapping[str, Any]) -> None:
        """Append an event (``start``, ``resumed``, ``reconciled``...) to the run's log."""
        row = {"run_id": run_id, "ts": _now_ms(), "kind": kind, "details": dict(details)}
        with self._write() as conn:
            conn.execute(sa.insert(t.run_events), row)

    def run_events(self, run_id: str, kind: str | None = None) -> list[RunEvent]:
        """The run's events, oldest first; ``kind`` keeps one kind."""
        query = sa.select(t.run_events).where(t.run_events.c.run_id == run_id)
        if kind is not None:
            query = query.where(t.run_events.c.kind == kind)
        return self._all(query.order_by(t.run_events.c.pk), RunEvent)

    def runs(self, limit: int = 20) -> list[RunInfo]:
        """The most recent runs, newest first."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit!r}")
        query = sa.select(t.runs).order_by(t.runs.c.started_at.desc(), t.runs.c.id).limit(limit)
        with self._read() as conn:
            return [from_row(row, RunInfo) for row in conn.execute(query).mappings()]

    def run(self, run_id: str) -> RunInfo | None:
        with self._read() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).mappings().first()
        return None if row is None else from_row(row, RunInfo)

    def run_ids(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids of runs starting with ``prefix`` (people type the 8 characters runs print)."""
        query = (
            sa.select(t.runs.c.id)
            .where(t.runs.c.id.startswith(prefix, autoescape=True))
            .order_by(t.runs.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    # -- orders, fills, positions ------------------------------------------------------------

    def journal(self, run_id: str, *, buffered: bool = False) -> StoreJournal | BufferedJournal:
        """The ``Journal`` a gateway writes this run's orders and fills through.

        By default each call commits before returning (paper and live: persisted before
        acknowledged). ``buffered=True`` is for backtests only; see ``BufferedJournal``.
        """
        if self.run(run_id) is None:
            raise ValueError(f"unknown run {run_id!r}: start_run first")
        return BufferedJournal(self, run_id) if buffered else StoreJournal(self, run_id)

    def _record_order(self, run_id: str, order: Order) -> None:
        row = to_row(order, run_id=run_id, updated_at=_now_ms())
        q = self._stmts
        with self._write() as conn:
            previous = conn.execute(q.order, {"run_id": run_id, "id": order.id}).mappings().first()
            if previous is not None:
                _check_update(run_id, from_row(previous, Order), order)
            conn.execute(q.upsert_order, row)
            conn.execute(q.order_event, _event_row(run_id, order, row))
        if _KILL_AT is not None:
            _kill_point("after_order_write")

    def _record_fill(
        self, run_id: str, fill: Fill, position: Position, order: Order | None = None
    ) -> None:
        """The fill, the position after it and (when given) the order's new state, in one
        transaction: no reader ever sees a fill on an order that still looks unfilled."""
        q = self._stmts
        with self._write() as conn:
            if order is None:
                known = (
                    conn.execute(q.order_pk, {"run_id": run_id, "id": fill.order_id}).first()
                    is not None
                )
                previous = None
            else:
                found = conn.execute(q.order, {"run_id": run_id, "id": order.id}).mappings()
                row = found.first()
                known = row is not None
                previous = None if row is None else from_row(row, Order)
            _check_fill(
                run_id,
                fill,
                position,
                known=known,
                duplicate=conn.execute(q.fill_pk, {"run_id": run_id, "id": fill.id}).first()
                is not None,
            )
            if order is not None:
                _check_execution(run_id, fill, order)
                if previous is not None:
                    _check_update(run_id, previous, order)
            conn.execute(q.insert_fill, to_row(fill, run_id=run_id))
            if _KILL_AT is not None:
                _kill_point("mid_fill_write")
            if order is not None:
                order_row = to_row(order, run_id=run_id, updated_at=_now_ms())
                conn.execute(q.upsert_order, order_row)
                conn.execute(q.order_event, _event_row(run_id, order, order_row))
            conn.execute(q.upsert_position, to_row(position, run_id=run_id, ts=fill.ts))
        if _KILL_AT is not None:
            _kill_point("after_fill_write")

    def write_journal(self, batch: JournalBatch) -> None:
        """Write a ``BufferedJournal`` batch in one transaction (any thread)."""
        q = self._stmts
        with self._write() as conn:
            if batch.orders:
                conn.execute(q.upsert_order, batch.orders)
                conn.execute(q.order_event, batch.events)
            if batch.fills:
                conn.execute(q.insert_fill, batch.fills)
            if batch.positions:
                conn.execute(q.upsert_position, batch.positions)

    def journal_log(self, run_id: str) -> tuple[list[OrderEvent], list[Fill]]:
        """Every order state and every fill the journal committed for the run, each in commit
        order: what a resumed run replays against."""
        events = (
            sa.select(t.order_events)
            .where(t.order_events.c.run_id == run_id)
            .order_by(t.order_events.c.pk)
        )
        fills = sa.select(t.fills).where(t.fills.c.run_id == run_id).order_by(t.fills.c.pk)
        return self._all(events, OrderEvent), self._all(fills, Fill)

    def decision_count(self, run_id: str) -> int:
        """How many decisions the run has stored."""
        query = (
            sa.select(sa.func.count())
            .select_from(t.decisions)
            .where(t.decisions.c.run_id == run_id)
        )
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())

    def last_equity_ts(self, run_id: str) -> int | None:
        """Timestamp of the newest stored equity row of the run, or ``None``."""
        query = sa.select(sa.func.max(t.equity.c.ts)).where(t.equity.c.run_id == run_id)
        with self._read() as conn:
            value = conn.execute(query).scalar_one_or_none()
        return None if value is None else int(value)

    def last_bar_ts(self, run_id: str) -> int | None:
        """The newest bar time anything of the run was stored at (equity, decisions, orders,
        fills): the feed's position when the run last wrote."""
        parts = [
            sa.select(sa.func.max(table.c.ts)).where(table.c.run_id == run_id).scalar_subquery()
            for table in (t.equity, t.decisions, t.orders, t.fills)
        ]
        with self._read() as conn:
            values = conn.execute(sa.select(*parts)).one()
        known = [int(v) for v in values if v is not None]
        return max(known) if known else None

    def memory_keys(self, book: str) -> set[tuple[str, int]]:
        """(symbol, ts) of every decision the book remembers."""
        m = t.decision_memory.c
        with self._read() as conn:
            rows = conn.execute(sa.select(m.symbol, m.ts).where(m.book == book)).all()
        return {(symbol, int(ts)) for symbol, ts in rows}

    def orders(self, run_id: str) -> list[Order]:
        """Current state of every order of the run, in submission order."""
        query = (
            sa.select(t.orders)
            .where(t.orders.c.run_id == run_id)
            .order_by(t.orders.c.ts, t.orders.c.pk)
        )
        return self._all(query, Order)

    def order_events(self, run_id: str) -> list[OrderEvent]:
        """Every order state the journal recorded, oldest first (the audit trail)."""
        query = (
            sa.select(t.order_events)
            .where(t.order_events.c.run_id == run_id)
            .order_by(t.order_events.c.pk)
        )
        return self._all(query, OrderEvent)

    def fills(self, run_id: str) -> list[Fill]:
        query = (
            sa.select(t.fills)
            .where(t.fills.c.run_id == run_id)
            .order_by(t.fills.c.ts, t.fills.c.pk)
        )
        return self._all(query, Fill)

    def positions(self, run_id: str) -> list[Position]:
        """The latest position per symbol (flat ones included), sorted by symbol."""
        query = (
            sa.select(t.positions)
            .where(t.positions.c.run_id == run_id)
            .order_by(t.positions.c.symbol)
        )
        return self._all(query, Position)

    # -- signals, decisions, equity ----------------------------------------------------------

    def record_signals(self, run_id: str, signals: Sequence[Signal]) -> None:
        """Insert a batch of agent signals in one transaction."""
        if not signals:
            return
        rows = [to_row(s, run_id=run_id) for s in signals]
        with self._write() as conn:
            conn.execute(sa.insert(t.signals), rows)

    def signals(self, run_id: str) -> list[Signal]:
        query = (
            sa.select(t.signals)
            .where(t.signals.c.run_id == run_id)
            .order_by(t.signals.c.ts, t.signals.c.pk)
        )
        return self._all(query, Signal)

    def record_decision(self, run_id: str, decision: Decision) -> None:
        """One decision; see :meth:`record_decisions`."""
        self.record_decisions(run_id, (decision,))

    def record_decisions(self, run_id: str, decisions: Sequence[Decision]) -> None:
        """Insert a batch of decisions and the signals behind them in one transaction.

        The engine buffers decisions between orders (one fsync'd commit per decision would cost
        milliseconds on every decision point) and flushes them before it sends an order, so an
        order is never persisted without the decision that caused it.
        """
        if not decisions:
            return
        rows = [to_row(d, run_id=run_id) for d in decisions]
        signals = [to_row(s, run_id=run_id) for d in decisions for s in d.signals]
        with self._write() as conn:
            conn.execute(sa.insert(t.decisions), rows)
            if signals:
                conn.execute(sa.insert(t.signals), signals)
        if _KILL_AT is not None:
            _kill_point("after_decision_write")

    def decisions(self, run_id: str) -> list[Decision]:
        query = (
            sa.select(t.decisions)
            .where(t.decisions.c.run_id == run_id)
            .order_by(t.decisions.c.ts, t.decisions.c.pk)
        )
        return self._all(query, Decision)

    def decision_rows(
        self, run_id: str | None = None, symbol: str | None = None, limit: int = 20
    ) -> list[StoredDecision]:
        """The newest stored decisions (newest first), optionally of one run and/or symbol."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit!r}")
        query = sa.select(t.decisions)
        if run_id is not None:
            query = query.where(t.decisions.c.run_id == run_id)
        if symbol is not None:
            query = query.where(t.decisions.c.symbol == symbol)
        query = query.order_by(t.decisions.c.ts.desc(), t.decisions.c.pk.desc()).limit(limit)
        with self._read() as conn:
            return [_stored_decision(row) for row in conn.execute(query).mappings()]

    def decision_row(self, decision_id: int) -> StoredDecision | None:
        """One stored decision by its id (``StoredDecision.id``), or ``None``."""
        query = sa.select(t.decisions).where(t.decisions.c.pk == decision_id)
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _stored_decision(row)

    # -- the decision engine's state per book ------------------------------------------------

    def load_decision_state(
        self, book: str, memory_size: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(weights, memory)`` stored for ``book``: every (symbol, agent) accuracy row, and per
        symbol the newest ``memory_size`` remembered decisions, oldest first. Plain mappings with
        the column names (the engine builds its own objects from them)."""
        weights_q = (
            sa.select(t.agent_weights)
            .where(t.agent_weights.c.book == book)
            .order_by(t.agent_weights.c.symbol, t.agent_weights.c.agent)
        )
        memory_q = (
            sa.select(t.decision_memory)
            .where(t.decision_memory.c.book == book)
            .order_by(t.decision_memory.c.symbol, t.decision_memory.c.ts, t.decision_memory.c.pk)
        )
        with self._read() as conn:
            weights = [dict(row) for row in conn.execute(weights_q).mappings()]
            memory: list[dict[str, Any]] = []
            if memory_size > 0:
                by_symbol: dict[str, list[dict[str, Any]]] = {}
                for row in conn.execute(memory_q).mappings():
                    by_symbol.setdefault(row["symbol"], []).append(dict(row))
                for rows in by_symbol.values():
                    memory.extend(rows[-memory_size:])
        for row in weights + memory:
            row.pop("book", None)
            row.pop("pk", None)
        return weights, memory

    def save_decision_state(
        self, book: str, weights: Sequence[Any], memory: Sequence[Any], memory_size: int
    ) -> None:
        """Upsert ``weights`` (objects or mappings with symbol, agent, accuracy, observations,
        ts), append ``memory`` (symbol, ts, action, confidence, rationale) and keep the newest
        ``memory_size`` remembered decisions per symbol, in one transaction."""
        if not book:
            raise ValueError("save_decision_state: book must be a non-empty string")
        weight_rows = [_state_row(w, book, _WEIGHT_COLUMNS) for w in weights]
        memory_rows = [_state_row(m, book, _MEMORY_COLUMNS) for m in memory]
        with self._write() as conn:
            if weight_rows:
                conn.execute(self._stmts.upsert_weight, weight_rows)
            if memory_rows:
                conn.execute(sa.insert(t.decision_memory), memory_rows)
                m = t.decision_memory
                for symbol in sorted({row["symbol"] for row in memory_rows}):
                    keep = (
                        sa.select(m.c.pk)
                        .where((m.c.book == book) & (m.c.symbol == symbol))
                        .order_by(m.c.ts.desc(), m.c.pk.desc())
                        .limit(max(memory_size, 0))
                        .scalar_subquery()
                    )
                    conn.execute(
                        sa.delete(m).where(
                            (m.c.book == book) & (m.c.symbol == symbol) & m.c.pk.not_in(keep)
                        )
                    )

    def record_equity(self, run_id: str, rows: Sequence[tuple[int, float, float]]) -> None:
        """Append ``(ts, equity, cash)`` snapshots in one batched insert."""
        if not len(rows):
            return
        # int()/float() also turn numpy scalars into types every driver binds.
        ts = [int(row[0]) for row in rows]
        equity = [float(row[1]) for row in rows]
        cash = [float(row[2]) for row in rows]
        with self._write() as conn:
            if conn.dialect.name == "postgresql":
                # One statement over three arrays: ~6x faster than a 20k-row executemany.
                params = {"run_id": run_id, "ts": ts, "eq": equity, "cash": cash}
                conn.execute(_PG_EQUITY_INSERT, params)
            else:
                # Straight to the driver's executemany: SQLAlchemy's per-row parameter
                # processing costs ~5 us a row, as much as a backtest's whole per-bar budget.
                batch = [(run_id, a, b, c) for a, b, c in zip(ts, equity, cash, strict=True)]
                conn.exec_driver_sql(
                    "INSERT INTO equity (run_id, ts, equity, cash) VALUES (?, ?, ?, ?)", batch
                )
        if _KILL_AT is not None:
            _kill_point("after_equity_write")

    def equity(self, run_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The equity curve as arrays ``(ts int64, equity float64, cash float64)``, by time."""
        query = (
            sa.select(t.equity.c.ts, t.equity.c.equity, t.equity.c.cash)
            .where(t.equity.c.run_id == run_id)
            .order_by(t.equity.c.ts, t.equity.c.pk)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float64)
        ts, eq, cash = zip(*rows, strict=True)
        return (
            np.fromiter(ts, np.int64, len(rows)),
            np.fromiter(eq, np.float64, len(rows)),
            np.fromiter(cash, np.float64, len(rows)),
        )

    # -- recorded LLM calls ------------------------------------------------------------------

    @staticmethod
    def llm_key(
        provider: str,
        model: str,
        system: str,
        prompt: str,
        params: Mapping[str, Any] | None = None,
    ) -> str:
        """sha256 (hex) identifying one LLM question; the parts are length-delimited by JSON
        encoding, so ("ab", "c") and ("a", "bc") never collide.

        ``params`` are the generation parameters that change the answer
        (``LLMProvider.params()``), serialised with sorted keys. Without any (``None`` or empty)
        the key is the one older releases computed, so answers recorded before stay replayable.
        """
        parts: list[Any] = [provider, model, system, prompt]
        if params:
            parts.append(dict(params))
        try:
            payload = json.dumps(parts, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"llm_key: params must be JSON values ({exc}): {params!r}") from None
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def llm_get(self, key: str) -> dict[str, Any] | None:
        """The recorded answer for ``key``, or ``None`` when this question was never answered."""
        with self._read() as conn:
            return conn.execute(
                sa.select(t.llm_calls.c.response).where(t.llm_calls.c.key == key)
            ).scalar_one_or_none()

    def llm_answers(self, provider: str, model: str) -> dict[str, dict[str, Any]]:
        """Every recorded answer of ``provider``/``model``, by key: one query instead of one
        per decision point when a backtest replays its answers."""
        query = sa.select(t.llm_calls.c.key, t.llm_calls.c.response).where(
            (t.llm_calls.c.provider == provider) & (t.llm_calls.c.model == model)
        )
        with self._read() as conn:
            return {key: response for key, response in conn.execute(query)}

    def llm_put(
        self,
        key: str,
        provider: str,
        model: str,
        system: str,
        prompt: str,
        answer: dict,
        *,
        params: Mapping[str, Any] | None = None,
        raw: str | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float = 0.0,
        attempts: int = 1,
        latency_ms: float | None = None,
    ) -> None:
        """Record an answer with what it cost; recording the same question again keeps the first
        answer (and its usage)."""
        expected = self.llm_key(provider, model, system, prompt, params)
        if key != expected:
            raise ValueError(
                f"llm_put: key {key!r} does not match its provider, model, system, prompt and "
                f"params (expected {expected!r}); compute it with Store.llm_key"
            )
        row = {
            "key": key,
            "provider": provider,
            "model": model,
            "system": system,
            "prompt": prompt,
            "response": dict(answer),
            "created_at": _now_ms(),
            "params": dict(params) if params else None,
            "raw": raw,
            **_usage_values(input_tokens, output_tokens, cost_usd, attempts, latency_ms),
        }
        with self._write() as conn:
            conn.execute(self._insert(t.llm_calls).values(row).on_conflict_do_nothing())

    def llm_records(
        self,
        provider: str | None = None,
        model: str | None = None,
        before_ms: int | None = None,
        limit: int | None = None,
        *,
        full: bool = False,
    ) -> list[dict[str, Any]]:
        """Recorded answers, newest first, as plain mappings: key, provider, model, created_at
        (epoch ms), params, response, input_tokens, output_tokens, cost_usd, attempts,
        latency_ms; with ``full=True`` also system, prompt and raw (large)."""
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit!r}")
        c = t.llm_calls.c
        columns = [c[name] for name in _RECORD_COLUMNS + (_FULL_COLUMNS if full else ())]
        query = (
            sa.select(*columns)
            .where(*_record_filters(provider, model, before_ms))
            .order_by(c.created_at.desc(), c.key)
        )
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def llm_prune(
        self,
        provider: str | None = None,
        model: str | None = None,
        before_ms: int | None = None,
        *,
        everything: bool = False,
        dry_run: bool = False,
    ) -> int:
        """Delete the recorded answers matching every filter given; returns how many (with
        ``dry_run=True``, how many would be deleted, deleting nothing).

        Without any filter this would delete every record, so it is refused with ``ValueError``
        unless ``everything=True``. The spend ledger (``llm_usage``) is never pruned here.
        """
        filters = _record_filters(provider, model, before_ms)
        if not filters and not everything:
            raise ValueError(
                "llm_prune: no filter given (provider, model or before_ms); "
                "pass everything=True to delete every recorded answer"
            )
        count_q = sa.select(sa.func.count()).select_from(t.llm_calls).where(*filters)
        if dry_run:
            with self._read() as conn:
                return int(conn.execute(count_q).scalar_one())
        with self._write() as conn:
            count = int(conn.execute(count_q).scalar_one())
            conn.execute(sa.delete(t.llm_calls).where(*filters))
        return count

    # -- the LLM spend ledger ----------------------------------------------------------------

    def record_llm_usage(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append rows to the spend ledger in one transaction: one row per real model call,
        answered or failed (a replayed answer is not a call).

        Keys are ``llm_usage``'s column names: ``ts`` (wall clock, epoch ms), ``provider``,
        ``model`` and ``ok`` are required; ``run_id`` (``None``), ``attempts`` (1),
        ``input_tokens``/``output_tokens`` (0), ``cost_usd`` (0.0), ``latency_ms`` and ``error``
        (``None``) default. An unknown key is a ``ValueError``.
        """
        if not rows:
            return
        values = [_ledger_row(row) for row in rows]
        with self._write() as conn:
            conn.execute(sa.insert(t.llm_usage), values)

    def llm_spend_since(self, ms: int) -> float:
        """US dollars the ledger holds for calls made at or after ``ms`` (epoch ms)."""
        u = t.llm_usage.c
        query = sa.select(sa.func.coalesce(sa.func.sum(u.cost_usd), 0.0)).where(u.ts >= int(ms))
        with self._read() as conn:
            return float(conn.execute(query).scalar_one())

    def llm_usage(
        self, run_id: str | None = None, since_ms: int | None = None
    ) -> list[dict[str, Any]]:
        """The ledger summed per UTC day, provider and model, oldest day first: mappings with
        day (``YYYY-MM-DD``), provider, model, calls, failures, attempts, input_tokens,
        output_tokens and cost_usd. ``run_id`` keeps one run's calls, ``since_ms`` calls made at
        or after that time."""
        u = t.llm_usage.c
        query = sa.select(
            u.ts, u.provider, u.model, u.ok, u.attempts, u.input_tokens, u.output_tokens, u.cost_usd
        )
        if run_id is not None:
            query = query.where(u.run_id == run_id)
        if since_ms is not None:
            query = query.where(u.ts >= int(since_ms))
        # Summed here, not in SQL: the day of an epoch differs between SQLite and PostgreSQL,
        # and the ledger holds one row per model call (thousands, not millions).
        groups: dict[tuple[str, str, str], dict[str, Any]] = {}
        with self._read() as conn:
            for ts, provider, model, ok, attempts, tin, tout, cost in conn.execute(query):
                day = ms_to_datetime(ts).date().isoformat()
                group = groups.get((day, provider, model))
                if group is None:
                    group = groups[(day, provider, model)] = {
                        "day": day,
                        "provider": provider,
                        "model": model,
                        "calls": 0,
                        "failures": 0,
                        "attempts": 0,
                        "input_tokens": 0,
                        "output_tokens": 0,
                        "cost_usd": 0.0,
                    }
                group["calls"] += 1
                group["failures"] += 0 if ok else 1
                group["attempts"] += attempts
                group["input_tokens"] += tin
                group["output_tokens"] += tout
                group["cost_usd"] += cost
        return [groups[k] for k in sorted(groups)]

    # -- helpers -----------------------------------------------------------------------------

    def _all(self, query: sa.Select, cls: type) -> list:
        with self._read() as conn:
            return [from_row(row, cls) for row in conn.execute(query).mappings()]


@frozen
class StoredDecision:
    """A decision as stored: its id (for ``deepalpha decisions show ID``) and run."""

    id: int
    run_id: str
    decision: Decision


def _stored_decision(row: Mapping[str, Any]) -> StoredDecision:
    return StoredDecision(int(row["pk"]), row["run_id"], from_row(row, Decision))


_RECORD_COLUMNS = (
    "key",
    "provider",
    "model",
    "created_at",
    "params",
    "response",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "attempts",
    "latency_ms",
)
_FULL_COLUMNS = ("system", "prompt", "raw")


def _record_filters(
    provider: str | None, model: str | None, before_ms: int | None
) -> list[sa.ColumnElement[bool]]:
    c = t.llm_calls.c
    filters = []
    if provider is not None:
        filters.append(c.provider == provider)
    if model is not None:
        filters.append(c.model == model)
    if before_ms is not None:
        filters.append(c.created_at < int(before_ms))
    return filters


def _usage_values(
    input_tokens: Any, output_tokens: Any, cost_usd: Any, attempts: Any, latency_ms: Any
) -> dict[str, Any]:
    """Usage columns as the types every driver binds, refusing negative or non-finite values."""
    values = {
        "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens),
        "cost_usd": float(cost_usd),
        "attempts": int(attempts),
        "latency_ms": None if latency_ms is None else float(latency_ms),
    }
    for name, value in values.items():
        if value is not None and not (0 <= value < float("inf")):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return values


_LEDGER_REQUIRED = ("ts", "provider", "model", "ok")
_LEDGER_OPTIONAL = (
    "run_id",
    "attempts",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "error",
)


def _ledger_row(row: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(row) - {*_LEDGER_REQUIRED, *_LEDGER_OPTIONAL})
    if unknown:
        raise ValueError(f"record_llm_usage: unknown key(s) {', '.join(unknown)}")
    missing = [name for name in _LEDGER_REQUIRED if name not in row]
    if missing:
        raise ValueError(f"record_llm_usage: missing key(s) {', '.join(missing)}")
    return {
        "run_id": row.get("run_id"),
        "ts": int(row["ts"]),
        "provider": row["provider"],
        "model": row["model"],
        "ok": bool(row["ok"]),
        "error": row.get("error"),
        **_usage_values(
            row.get("input_tokens", 0),
            row.get("output_tokens", 0),
            row.get("cost_usd", 0.0),
            row.get("attempts", 1),
            row.get("latency_ms"),
        ),
    }


_WEIGHT_COLUMNS = ("symbol", "agent", "accuracy", "observations", "ts")
_MEMORY_COLUMNS = ("symbol", "ts", "action", "confidence", "rationale")


def _state_row(item: Any, book: str, columns: tuple[str, ...]) -> dict[str, Any]:
    """A row of the engine's state from an attrs object or a mapping (enums by value)."""
    get = item.get if isinstance(item, Mapping) else lambda name: getattr(item, name)
    row: dict[str, Any] = {"book": book}
    for name in columns:
        value = get(name)
        row[name] = value.value if isinstance(value, Enum) else value
    return row


def _event_row(run_id: str, order: Order, row: Mapping[str, Any]) -> dict[str, Any]:
    """The order_events row recording ``order``'s state as just written in ``row``."""
    return {
        "run_id": run_id,
        "order_id": order.id,
        "status": row["status"],
        "filled_quantity": order.filled_quantity,
        "average_price": order.average_price,
        "recorded_at": row["updated_at"],
    }


def _check_fill(
    run_id: str, fill: Fill, position: Position, *, known: bool, duplicate: bool
) -> None:
    """Refuse a fill for an unrecorded order, a repeated fill, or a position of another symbol."""
    if position.symbol != fill.symbol:
        raise ValueError(
            f"fill {fill.id} is for {fill.symbol} but the position after it is for "
            f"{position.symbol}"
        )
    if not known:
        raise ValueError(
            f"fill {fill.id}: order {fill.order_id!r} was never recorded in run {run_id} "
            "(record_order must come before its fills)"
        )
    if duplicate:
        raise ValueError(f"fill {fill.id!r} is already recorded in run {run_id}")


def _check_execution(run_id: str, fill: Fill, order: Order) -> None:
    """Refuse an order state that is not the one the fill produced."""
    if order.id != fill.order_id:
        raise ValueError(
            f"run {run_id}: fill {fill.id} is for order {fill.order_id!r}, not {order.id!r}"
        )
    if order.status not in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED):
        raise ValueError(
            f"run {run_id}: order {order.id} after fill {fill.id} must be filled or partially "
            f"filled, got {order.status.value}"
        )
    if order.filled_quantity < fill.quantity:
        raise ValueError(
            f"run {run_id}: order {order.id} shows {order.filled_quantity} filled after a fill "
            f"of {fill.quantity}"
        )


def _check_update(run_id: str, before: Order, after: Order) -> None:
    """Refuse a journal write that would rewrite history: the venue never does either."""
    where = f"run {run_id}: order {after.id}"
    for name in ("symbol", "side", "order_type"):
        if getattr(before, name) != getattr(after, name):
            raise ValueError(
                f"{where}: {name} cannot change once recorded "
                f"({getattr(before, name)!r} -> {getattr(after, name)!r})"
            )
    if after.status is not before.status and after.status not in ORDER_TRANSITIONS[before.status]:
        raise ValueError(
            f"{where}: illegal status change {before.status.value} -> {after.status.value}"
        )
    if after.filled_quantity < before.filled_quantity:
        raise ValueError(
            f"{where}: filled quantity cannot decrease "
            f"({before.filled_quantity} -> {after.filled_quantity})"
        )


@attrs.define
class StoreJournal:
    """``deepalpha.gateways.Journal`` backed by a ``Store``: each call commits before returning."""

    _store: Store
    run_id: str

    def record_order(self, order: Order) -> None:
        """Upsert the order's current state and append it to the order's event log."""
        self._store._record_order(self.run_id, order)

    def record_fill(self, fill: Fill, position: Position) -> None:
        """Insert the fill and upsert the symbol's position after it, atomically."""
        self._store._record_fill(self.run_id, fill, position)

    def record_execution(self, fill: Fill, position: Position, order: Order) -> None:
        """The fill, the position after it and the order's new state (filled or partially
        filled), in one transaction."""
        self._store._record_fill(self.run_id, fill, position, order)

    def flush(self) -> None:
        """Nothing is buffered: every call already committed."""


@attrs.define
class BufferedJournal:
    """A journal for backtests: the same checks, written in batches.

    In a backtest the venue is simulated and the run can be repeated exactly, so committing (and
    fsyncing) each order state would only slow it down: hundreds of orders cost seconds. This
    journal keeps the same history checks as ``StoreJournal`` in memory and writes everything in
    one transaction per ``flush`` (the engine flushes with each batch of equity rows and at the
    end), so the database ends up holding exactly what the per-call journal would have written.
    Paper and live runs never use it.
    """

    _store: Store
    run_id: str
    _orders: dict[str, Order] = attrs.field(factory=dict)
    _order_rows: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    _events: list[dict[str, Any]] = attrs.field(factory=list)
    _fills: list[dict[str, Any]] = attrs.field(factory=list)
    _fill_ids: set[str] = attrs.field(factory=set)
    _positions: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    def record_order(self, order: Order) -> None:
        previous = self._orders.get(order.id)
        if previous is not None:
            _check_update(self.run_id, previous, order)
        self._orders[order.id] = order
        row = to_row(order, run_id=self.run_id, updated_at=_now_ms())
        self._order_rows[order.id] = row
        self._events.append(_event_row(self.run_id, order, row))

    def record_fill(self, fill: Fill, position: Position) -> None:
        _check_fill(
            self.run_id,
            fill,
            position,
            known=fill.order_id in self._orders,
            duplicate=fill.id in self._fill_ids,
        )
        self._fill_ids.add(fill.id)
        self._fills.append(to_row(fill, run_id=self.run_id))
        self._positions[position.symbol] = to_row(position, run_id=self.run_id, ts=fill.ts)

    def record_execution(self, fill: Fill, position: Position, order: Order) -> None:
        """A fill and its order's new state; they reach the database in the same batch."""
        _check_execution(self.run_id, fill, order)
        self.record_fill(fill, position)
        self.record_order(order)

    def take(self) -> JournalBatch | None:
        """Hand over what was recorded since the last call (``None`` when nothing was).

        Taking is cheap and happens on the engine's thread; ``Store.write_journal`` can then run
        on a writer thread while the engine goes on recording into fresh buffers.
        """
        if not (self._order_rows or self._fills):
            return None
        batch = JournalBatch(
            list(self._order_rows.values()),
            self._events,
            self._fills,
            list(self._positions.values()),
        )
        self._order_rows, self._events, self._fills, self._positions = {}, [], [], {}
        return batch

    def flush(self) -> None:
        """Write what was recorded since the last flush in one transaction."""
        batch = self.take()
        if batch is not None:
            self._store.write_journal(batch)


@frozen
class JournalBatch:
    """Rows a ``BufferedJournal`` recorded, ready for one transaction."""

    orders: list[dict[str, Any]]
    events: list[dict[str, Any]]
    fills: list[dict[str, Any]]
    positions: list[dict[str, Any]]
