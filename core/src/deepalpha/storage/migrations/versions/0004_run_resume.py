"""Resumable runs: the book a paper or live run trades (a crashed run of a book is resumed by
the next run of that book) and the ``run_events`` log (start, resumed, reconciled, storage
failures).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: runs recorded before this revision have no book (and are never resumed: they
    # lack the start event a resume replays from).
    op.add_column("runs", sa.Column("book", sa.String(length=128), nullable=True))
    op.create_index("ix_runs_book_status", "runs", ["book", "status"], unique=False)
    op.create_table(
        "run_events",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_run_events_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_run_events")),
    )
    op.create_index("ix_run_events_run", "run_events", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_run_events_run", table_name="run_events")
    op.drop_table("run_events")
    op.drop_index("ix_runs_book_status", table_name="runs")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("book")
