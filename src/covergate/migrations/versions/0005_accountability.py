"""accountability: courts and their orders, notices and delay orders, data keys

Courts and their users (role ``court``); the court order a request relies on,
with its confirmation and seal; the notice owed to each subject and the court
orders delaying it; each request's own data key (wrapped), its retention day and
destruction. Rows written before have no data key (NULL): a process that opens
the database re-seals their data under new per-request keys (covergate.upgrades),
since the field key is not the migration's to read.

Revision ID: 0005_accountability
Revises: 0004_token_expiry
Create Date: 2026-12-01 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_accountability"
down_revision: str | None = "0004_token_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("court_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_users_court_id_courts", "courts", ["court_id"], ["id"])
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("court_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("order_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("data_key_ct", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("retain_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("destroyed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("destruction_reason", sa.String(40), nullable=True))
        batch.add_column(
            sa.Column("observations_destroyed", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_foreign_key("fk_requests_court_id_courts", "courts", ["court_id"], ["id"])
        batch.create_index("ix_requests_court_id", ["court_id"])
        batch.create_index("ix_requests_order_due", ["order_due"])
        batch.create_index("ix_requests_retain_until", ["retain_until"])
        # A request's extensions are looked up by parent (a notice waits for the chain).
        batch.create_index("ix_requests_parent_id", ["parent_id"])
    op.create_table(
        "court_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("process_type", sa.String(40), nullable=False),
        sa.Column("standard", sa.String(40), nullable=False),
        sa.Column("docket", sa.String(100), nullable=False),
        sa.Column("judge", sa.String(200), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("document_sha256", sa.LargeBinary(32), nullable=True),
        sa.Column("document_ct", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reasons_ct", sa.LargeBinary(), nullable=True),
        sa.Column("sealed_until", sa.Date(), nullable=True),
        sa.Column("seal_salt_ct", sa.LargeBinary(), nullable=True),
        sa.Column("unsealed_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_court_orders_court_id", "court_orders", ["court_id"])
    op.create_index("ix_court_orders_state", "court_orders", ["state"])
    op.create_index("ix_court_orders_sealed_until", "court_orders", ["sealed_until"])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("owed_from", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("delayed_until", sa.Date(), nullable=True),
        sa.Column("overdue_logged_for", sa.Date(), nullable=True),
        sa.Column("mailed_on", sa.Date(), nullable=True),
        sa.Column("tracking_ct", sa.LargeBinary(), nullable=True),
        sa.Column("mailed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("letter_sha256", sa.LargeBinary(32), nullable=True),
        sa.Column("addressee_ct", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_notices_state", "notices", ["state"])
    op.create_index("ix_notices_due_on", "notices", ["due_on"])
    op.create_table(
        "delay_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("issued_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("docket", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("delays_until", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reasons_ct", sa.LargeBinary(), nullable=False),
        sa.Column("entry_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_delay_orders_request_id", "delay_orders", ["request_id"])


def downgrade() -> None:
    op.drop_table("delay_orders")
    op.drop_table("notices")
    op.drop_table("court_orders")
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("ix_requests_parent_id")
        batch.drop_index("ix_requests_retain_until")
        batch.drop_index("ix_requests_order_due")
        batch.drop_index("ix_requests_court_id")
        batch.drop_constraint("fk_requests_court_id_courts", type_="foreignkey")
        for column in (
            "observations_destroyed",
            "destruction_reason",
            "destroyed_on",
            "retain_until",
            "data_key_ct",
            "order_due",
            "court_id",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_court_id_courts", type_="foreignkey")
        batch.drop_column("court_id")
    op.drop_table("courts")
