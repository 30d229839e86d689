"""publication rule: each request's details key and the day it was disclosed

Revision ID: 0007_disclosure
Revises: 0006_staff_sign_in
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_disclosure"
down_revision: str | None = "0006_staff_sign_in"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("details_key", sa.LargeBinary(32), nullable=True))
        batch.add_column(sa.Column("disclosed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("disclosure_due", sa.Date(), nullable=True))
        batch.create_index("ix_requests_disclosed_on", ["disclosed_on"])


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("ix_requests_disclosed_on")
        batch.drop_column("disclosure_due")
        batch.drop_column("disclosed_on")
        batch.drop_column("details_key")
