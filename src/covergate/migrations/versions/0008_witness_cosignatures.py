"""witnesses: the cosignatures they returned and the size each acknowledged

Revision ID: 0008_witness_cosignatures
Revises: 0007_disclosure
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_witness_cosignatures"
down_revision: str | None = "0007_disclosure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(200), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),  # ML-DSA-44 keys: ~1,780 chars
        sa.Column("line", sa.LargeBinary(), nullable=False),
        sa.Column("cosigned_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"],
            ["log_checkpoints.size"],
            name=op.f("fk_log_cosignatures_size_log_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("size", "witness", name=op.f("pk_log_cosignatures")),
    )
    op.create_table(
        "log_witnesses",
        sa.Column("witness", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("witness", name=op.f("pk_log_witnesses")),
    )


def downgrade() -> None:
    op.drop_table("log_witnesses")
    op.drop_table("log_cosignatures")
