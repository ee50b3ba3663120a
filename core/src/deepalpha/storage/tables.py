"""The database schema, as sqlmodel tables.

These classes are the storage boundary's row shapes, not domain types: ``deepalpha.domain`` stays
free of sqlmodel, and ``convert.py`` moves values between the two. Column names match the domain
field names wherever a domain type is stored, so one converter maps both ways, no per-field code.

Orders are kept twice, on purpose: ``orders`` holds one current row per (run, order id), upserted as
the status changes, which is what readers and reconciliation want; ``order_events`` is an
append-only log of every state the journal was handed, which is what an audit after an incident
wants. Both are written in the same transaction.

The tables use a private metadata (their own registry), so other sqlmodel users in the same process
never leak tables into our migrations or ours into theirs.

Changing anything here needs a new migration revision in ``migrations/versions``; the test
``test_schema_matches_migrations`` fails until the two agree.
"""

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from .types import EpochMs, ExactDecimal, RowId

_RUN_FK = "runs.id"


def _run_id() -> Any:
    return Field(
        sa_column_args=[sa.ForeignKey(_RUN_FK, ondelete="CASCADE")],
        sa_type=sa.String(32),
        nullable=False,
    )


def _money(nullable: bool = False) -> Any:
    return Field(sa_type=ExactDecimal, nullable=nullable, default=None if nullable else ...)


#: Deterministic constraint names, so later migrations (SQLite batch mode included) can name what
#: they alter.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class StorageTable(
    SQLModel, registry=registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))
):
    """Base of every table here; carries the private metadata."""


metadata = StorageTable.metadata


class RunRow(StorageTable, table=True):
    __tablename__ = "runs"
    __table_args__ = (
        sa.Index("ix_runs_started_at", "started_at"),
        sa.Index("ix_runs_book_status", "book", "status"),
    )

    id: str = Field(primary_key=True, sa_type=sa.String(32))
    mode: str = Field(sa_type=sa.String(16))
    status: str = Field(sa_type=sa.String(16))
    started_at: int = Field(sa_type=EpochMs)
    finished_at: int | None = Field(default=None, sa_type=EpochMs)
    config: dict = Field(sa_type=sa.JSON)
    symbols: list = Field(sa_type=sa.JSON)
    summary: dict | None = Field(default=None, sa_type=sa.JSON)
    #: The account a paper or live run trades (``<mode>:<app.name>``); a crashed run of a book is
    #: resumed by the next run of that book. Null for backtests and runs before revision 0004.
    book: str | None = Field(default=None, sa_type=sa.String(128), nullable=True)


class RunEventRow(StorageTable, table=True):
    """What happened to a run besides trading: its start (with the decision state it started
    from), each resume after a crash (what was found), each reconciliation of the venue's state
    with the database (every difference), a storage failure."""

    __tablename__ = "run_events"
    __table_args__ = (sa.Index("ix_run_events_run", "run_id"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    #: Wall-clock time (epoch ms).
    ts: int = Field(sa_type=EpochMs)
    kind: str = Field(sa_type=sa.String(32))
    details: dict = Field(sa_type=sa.JSON)


class SignalRow(StorageTable, table=True):
    __tablename__ = "signals"
    __table_args__ = (sa.Index("ix_signals_run_ts", "run_id", "ts"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    agent: str = Field(sa_type=sa.String(64))
    symbol: str = Field(sa_type=sa.String(64))
    ts: int = Field(sa_type=EpochMs)
    direction: int = Field(sa_type=sa.SmallInteger)
    strength: float = Field(sa_type=sa.Float)
    confidence: float = Field(sa_type=sa.Float)
    rationale: str = Field(sa_type=sa.Text)


class DecisionRow(StorageTable, table=True):
    __tablename__ = "decisions"
    __table_args__ = (sa.Index("ix_decisions_run_ts", "run_id", "ts"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    symbol: str = Field(sa_type=sa.String(64))
    ts: int = Field(sa_type=EpochMs)
    action: str = Field(sa_type=sa.String(8))
    confidence: float = Field(sa_type=sa.Float)
    rationale: str = Field(sa_type=sa.Text)
    source: str = Field(sa_type=sa.String(64))
    #: The signals the decision was made from, as JSON (they are read together, never queried).
    signals: list = Field(sa_type=sa.JSON)
    #: How the decision came about (``deepalpha.engine.explain``); null for older rows.
    explanation: dict | None = Field(default=None, sa_type=sa.JSON, nullable=True)


class OrderRow(StorageTable, table=True):
    __tablename__ = "orders"
    __table_args__ = (sa.UniqueConstraint("run_id", "id"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    id: str = Field(sa_type=sa.String(64))
    symbol: str = Field(sa_type=sa.String(64))
    side: str = Field(sa_type=sa.String(4))
    order_type: str = Field(sa_type=sa.String(16))
    quantity: Decimal = _money()
    ts: int = Field(sa_type=EpochMs)
    status: str = Field(sa_type=sa.String(16))
    limit_price: Decimal | None = _money(nullable=True)
    filled_quantity: Decimal = _money()
    average_price: Decimal | None = _money(nullable=True)
    reduce_only: bool = Field(sa_type=sa.Boolean)
    reason: str = Field(sa_type=sa.Text)
    client_tag: str = Field(sa_type=sa.String(64))
    #: Wall-clock time (epoch ms) of the last write, for incident timelines.
    updated_at: int = Field(sa_type=EpochMs)


class OrderEventRow(StorageTable, table=True):
    """Append-only history of every order state the journal recorded."""

    __tablename__ = "order_events"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["run_id", "order_id"],
            ["orders.run_id", "orders.id"],
            ondelete="CASCADE",
        ),
        sa.Index("ix_order_events_run_order", "run_id", "order_id"),
    )

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    order_id: str = Field(sa_type=sa.String(64))
    status: str = Field(sa_type=sa.String(16))
    filled_quantity: Decimal = _money()
    average_price: Decimal | None = _money(nullable=True)
    recorded_at: int = Field(sa_type=EpochMs)


class FillRow(StorageTable, table=True):
    """A fill references an order the journal already recorded (money safety, enforced by a FK)."""

    __tablename__ = "fills"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "id"),
        sa.ForeignKeyConstraint(
            ["run_id", "order_id"],
            ["orders.run_id", "orders.id"],
            ondelete="CASCADE",
        ),
        sa.Index("ix_fills_run_order", "run_id", "order_id"),
    )

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    id: str = Field(sa_type=sa.String(64))
    order_id: str = Field(sa_type=sa.String(64))
    symbol: str = Field(sa_type=sa.String(64))
    side: str = Field(sa_type=sa.String(4))
    quantity: Decimal = _money()
    price: Decimal = _money()
    fee: Decimal = _money()
    ts: int = Field(sa_type=EpochMs)


class PositionRow(StorageTable, table=True):
    """The latest position per run and symbol, upserted with each fill."""

    __tablename__ = "positions"

    run_id: str = Field(
        primary_key=True,
        sa_type=sa.String(32),
        sa_column_args=[sa.ForeignKey(_RUN_FK, ondelete="CASCADE")],
    )
    symbol: str = Field(primary_key=True, sa_type=sa.String(64))
    quantity: Decimal = _money()
    average_price: Decimal = _money()
    realized_pnl: Decimal = _money()
    #: Timestamp (epoch ms) of the fill that produced this state.
    ts: int = Field(sa_type=EpochMs)


class EquityRow(StorageTable, table=True):
    """Mark-to-market snapshots: analytics, so floats (booked cash lives in fills and positions)."""

    __tablename__ = "equity"
    __table_args__ = (sa.Index("ix_equity_run_ts", "run_id", "ts"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str = _run_id()
    ts: int = Field(sa_type=EpochMs)
    equity: float = Field(sa_type=sa.Float)
    cash: float = Field(sa_type=sa.Float)


class LLMCallRow(StorageTable, table=True):
    """One answered LLM call, for replay: keyed by sha256 of (provider, model, system, prompt) and,
    when the provider names any, the generation parameters (``Store.llm_key``).

    The usage columns say what the recorded call cost when it was made; they are null for answers
    recorded before revision 0003. Replaying an answer costs nothing and is not charged again.
    """

    __tablename__ = "llm_calls"

    key: str = Field(primary_key=True, sa_type=sa.String(64))
    provider: str = Field(sa_type=sa.String(64))
    model: str = Field(sa_type=sa.String(256))
    system: str = Field(sa_type=sa.Text)
    prompt: str = Field(sa_type=sa.Text)
    response: dict = Field(sa_type=sa.JSON)
    created_at: int = Field(sa_type=EpochMs)
    #: The generation parameters in the key (``LLMProvider.params()``); null when there were none.
    params: dict | None = Field(default=None, sa_type=sa.JSON, nullable=True)
    #: The model's raw output (JSON text or tool input), as the provider returned it.
    raw: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    input_tokens: int | None = Field(default=None, sa_type=sa.BigInteger, nullable=True)
    output_tokens: int | None = Field(default=None, sa_type=sa.BigInteger, nullable=True)
    #: US dollars the call cost at the configured or default price (``deepalpha.llm_models``).
    cost_usd: float | None = Field(default=None, sa_type=sa.Float, nullable=True)
    #: HTTP attempts the answer took, retries and re-asks included.
    attempts: int | None = Field(default=None, sa_type=sa.Integer, nullable=True)
    latency_ms: float | None = Field(default=None, sa_type=sa.Float, nullable=True)


class LLMUsageRow(StorageTable, table=True):
    """The spend ledger: one row per real model call the engine made, answered or failed.

    Replayed answers are not calls and never appear here. The run id is not a foreign key on
    purpose: spend happened whatever becomes of the run, and the daily budget sums this table by
    wall-clock time.
    """

    __tablename__ = "llm_usage"
    __table_args__ = (sa.Index("ix_llm_usage_ts", "ts"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    run_id: str | None = Field(default=None, sa_type=sa.String(32), nullable=True)
    #: Wall-clock time of the call (epoch ms), not the bar's time.
    ts: int = Field(sa_type=EpochMs)
    provider: str = Field(sa_type=sa.String(64))
    model: str = Field(sa_type=sa.String(256))
    ok: bool = Field(sa_type=sa.Boolean)
    attempts: int = Field(sa_type=sa.Integer)
    input_tokens: int = Field(sa_type=sa.BigInteger)
    output_tokens: int = Field(sa_type=sa.BigInteger)
    cost_usd: float = Field(sa_type=sa.Float)
    latency_ms: float | None = Field(default=None, sa_type=sa.Float, nullable=True)
    #: Why the call failed, one line without secrets; null when it answered.
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)


class AgentWeightRow(StorageTable, table=True):
    """An agent's realised accuracy on a symbol, per book (``engine/weights.py``).

    Keyed by book, not run: a book is the account a paper or live run trades, and a restarted run
    of the same book carries on with the weights it had learnt.
    """

    __tablename__ = "agent_weights"

    book: str = Field(primary_key=True, sa_type=sa.String(128))
    symbol: str = Field(primary_key=True, sa_type=sa.String(64))
    agent: str = Field(primary_key=True, sa_type=sa.String(64))
    accuracy: float = Field(sa_type=sa.Float)
    observations: int = Field(sa_type=sa.BigInteger)
    #: Bar timestamp (epoch ms) of the last scored signal.
    ts: int = Field(sa_type=EpochMs)


class DecisionMemoryRow(StorageTable, table=True):
    """The decision engine's memory per book and symbol: the newest decisions, trimmed to the
    configured size on every save."""

    __tablename__ = "decision_memory"
    __table_args__ = (sa.Index("ix_decision_memory_book_symbol_ts", "book", "symbol", "ts"),)

    pk: int | None = Field(default=None, primary_key=True, sa_type=RowId)
    book: str = Field(sa_type=sa.String(128))
    symbol: str = Field(sa_type=sa.String(64))
    ts: int = Field(sa_type=EpochMs)
    action: str = Field(sa_type=sa.String(8))
    confidence: float = Field(sa_type=sa.Float)
    rationale: str = Field(sa_type=sa.Text)


runs = RunRow.__table__
run_events = RunEventRow.__table__
signals = SignalRow.__table__
decisions = DecisionRow.__table__
orders = OrderRow.__table__
order_events = OrderEventRow.__table__
fills = FillRow.__table__
positions = PositionRow.__table__
equity = EquityRow.__table__
llm_calls = LLMCallRow.__table__
llm_usage = LLMUsageRow.__table__
agent_weights = AgentWeightRow.__table__
decision_memory = DecisionMemoryRow.__table__
