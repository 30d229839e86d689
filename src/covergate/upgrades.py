"""Data upgrades that need the field key, run after the schema migrations.

Alembic migrations change the schema but cannot read the key; what must be
re-encrypted is done here, by the one place that opens a runtime for the commands
and the server (``commands.common.runtime``). Each upgrade is idempotent and cheap
once done, so it runs on every start.
"""

from __future__ import annotations

from covergate.requests.notes import seal_legacy_notes
from covergate.runtime import Runtime

__all__ = ["upgrade_data"]


def upgrade_data(rt: Runtime) -> int:
    """Run every data upgrade in one transaction; returns how many rows changed."""
    with rt.transaction() as session:
        # 0003_sealed_notes: notes and reasons written in clear are sealed.
        return seal_legacy_notes(session=session, cipher=rt.cipher)
