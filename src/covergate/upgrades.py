"""Data upgrades that need the field key, run after the schema migrations.

Alembic migrations change the schema but cannot read the key; what must be
re-encrypted is done here. ``covergate init``, ``serve`` and ``demo`` run it
(``commands.common.runtime(..., upgrade=True)``); each upgrade is idempotent. Other
commands skip it: legacy rows stay readable as they are (``requests.notes`` reads
clear notes of earlier versions), and a read-only command should not take the
writer lock to find nothing to do.
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
