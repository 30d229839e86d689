"""log: commitment openings without a per-row foreign key check; a cosignature counter

``log_commitments.idx`` loses its foreign key to ``log_entries``: sequencing
writes an entry and its opening in the same statement pair of one transaction
(the only writer of either table), and the per-row check (a trigger per row on
PostgreSQL) cost more than the rows themselves at batches of 1,000. Data,
indexes and primary keys are unchanged; the audit (``covergate audit``) still
checks every opening against its entry.

``log_state.cosignatures`` counts stored witness cosignatures (every
``store_cosignature`` adds one, in its transaction): with the tree size and
note it names the served checkpoint, so each process may cache it
(``transparency.cosigned``). Existing rows start at 0, which only means the
first read after the upgrade computes it.

Revision ID: 0009_log_write_path
Revises: 0008_witness_cosignatures
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_log_write_path"
down_revision: str | None = "0008_witness_cosignatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_log_commitments_idx_log_entries"


def upgrade() -> None:
    with op.batch_alter_table("log_commitments") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
    with op.batch_alter_table("log_state") as batch:
        batch.add_column(
            sa.Column("cosignatures", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("log_state") as batch:
        batch.drop_column("cosignatures")
    with op.batch_alter_table("log_commitments") as batch:
        batch.create_foreign_key(_FK, "log_entries", ["idx"], ["idx"])
