"""LLM accounting: what each recorded answer cost (generation params, raw output, tokens, cost,
attempts, latency) and the ``llm_usage`` ledger of every real model call.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: New columns of ``llm_calls``, all nullable: answers recorded before this revision have none
#: of them and stay replayable (their key formula is unchanged). SQLite and PostgreSQL both add a
#: nullable column in place.
_CALL_COLUMNS = (
    ("params", sa.JSON()),
    ("raw", sa.Text()),
    ("input_tokens", sa.BigInteger()),
    ("output_tokens", sa.BigInteger()),
    ("cost_usd", sa.Float()),
    ("attempts", sa.Integer()),
    ("latency_ms", sa.Float()),
)


def upgrade() -> None:
    for name, type_ in _CALL_COLUMNS:
        op.add_column("llm_calls", sa.Column(name, type_, nullable=True))
    op.create_table(
        "llm_usage",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=256), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_llm_usage")),
    )
    op.create_index("ix_llm_usage_ts", "llm_usage", ["ts"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_llm_usage_ts", table_name="llm_usage")
    op.drop_table("llm_usage")
    with op.batch_alter_table("llm_calls") as batch_op:
        for name, _type in reversed(_CALL_COLUMNS):
            batch_op.drop_column(name)
