"""sealed notes and order day: notes and reasons kept only encrypted; the day a cover was ordered

The plaintext columns stay for rows written before; a process that opens the
database seals them and clears the plaintext (covergate.requests.notes), since
the key is not the migration's to read.

Revision ID: 0003_sealed_notes
Revises: 0002_lifecycle
Create Date: 2026-12-01 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sealed_notes"
down_revision: str | None = "0002_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("review_note_ct", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("ordered_on", sa.Date(), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("notes_ct", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("notes_ct")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("ordered_on")
        batch.drop_column("review_note_ct")
