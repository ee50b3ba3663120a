"""Decision explanations, and the decision engine's state per book: agent weights (realised
accuracy per symbol and agent) and the memory of recent decisions.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_weights",
        sa.Column("book", sa.String(length=128), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("observations", sa.BigInteger(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("book", "symbol", "agent", name=op.f("pk_agent_weights")),
    )
    op.create_table(
        "decision_memory",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("book", sa.String(length=128), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_decision_memory")),
    )
    op.create_index(
        "ix_decision_memory_book_symbol_ts",
        "decision_memory",
        ["book", "symbol", "ts"],
        unique=False,
    )
    # Nullable: decisions written before this revision have no explanation. SQLite and
    # PostgreSQL both add a nullable column in place.
    op.add_column("decisions", sa.Column("explanation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_column("explanation")
    op.drop_index("ix_decision_memory_book_symbol_ts", table_name="decision_memory")
    op.drop_table("decision_memory")
    op.drop_table("agent_weights")
