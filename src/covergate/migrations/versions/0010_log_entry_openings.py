"""log: each entry's commitment opening in its own row of ``log_entries``

``log_entries`` gains a nullable ``sealed`` column holding what
``log_commitments.sealed`` held (the AES-GCM opening of salt || canonical
record, same bytes), and ``log_commitments`` is dropped: sequencing then writes
one row per entry instead of two, which at batches of 1,000 on PostgreSQL was
about a third of the write. Entry bytes, and so every leaf hash, tile and
checkpoint, are unchanged. NULL means an entry has no opening, as a missing
``log_commitments`` row did; ``covergate audit`` reports both alike.

An opening whose entry is gone (possible only by hand since 0009 dropped the
foreign key) has no row to move to: the upgrade refuses, naming how many,
rather than drop it silently.

The downgrade recreates ``log_commitments`` as 0009 left it (no foreign key)
from every non-NULL ``sealed``, then drops the column.

Revision ID: 0010_log_entry_openings
Revises: 0009_log_write_path
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from covergate.errors import LogIntegrityError

revision: str = "0010_log_entry_openings"
down_revision: str | None = "0009_log_write_path"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORPHANS = (
    "SELECT count(*) FROM log_commitments c "
    "WHERE NOT EXISTS (SELECT 1 FROM log_entries e WHERE e.idx = c.idx)"
)
_MOVE_UP = (
    "UPDATE log_entries SET sealed = "
    "(SELECT c.sealed FROM log_commitments c WHERE c.idx = log_entries.idx)"
)
_MOVE_DOWN = (
    "INSERT INTO log_commitments (idx, sealed) "
    "SELECT idx, sealed FROM log_entries WHERE sealed IS NOT NULL"
)


def upgrade() -> None:
    conn = op.get_bind()
    orphans = int(conn.execute(sa.text(_ORPHANS)).scalar_one())
    if orphans:
        raise LogIntegrityError(
            f"{orphans} commitment opening(s) in log_commitments name no log entry; "
            "migration 0010 moves each opening into its entry's row and would lose them"
        )
    with op.batch_alter_table("log_entries") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    conn.execute(sa.text(_MOVE_UP))
    op.drop_table("log_commitments")


def downgrade() -> None:
    op.create_table(
        "log_commitments",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_log_commitments")),
    )
    op.get_bind().execute(sa.text(_MOVE_DOWN))
    with op.batch_alter_table("log_entries") as batch:
        batch.drop_column("sealed")
