"""Data upgrades that need the field key, run after the schema migrations.

Alembic migrations change the schema but cannot read the key; what must be
re-encrypted is done here. ``covergate init``, ``serve`` and ``demo`` run it
(``commands.common.runtime(..., upgrade=True)``); each upgrade is idempotent. Other
commands skip it: legacy rows stay readable as they are (``requests.notes`` reads
clear notes of earlier versions, ``lifecycle.keys`` reads data sealed under the
field key), and a read-only command should not take the writer lock to find
nothing to do.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.covers.models import Observation
from covergate.covers.service import DATA_LABEL
from covergate.crypto import FieldCipher
from covergate.lifecycle.documents import PRIVATE_LABEL
from covergate.lifecycle.keys import new_data_key
from covergate.lifecycle.models import Request
from covergate.productions.models import Production
from covergate.productions.service import FILES_LABEL
from covergate.requests.models import Decision
from covergate.requests.notes import NOTES_LABEL, seal_legacy_notes
from covergate.runtime import Runtime

__all__ = ["rekey_legacy_requests", "upgrade_data"]

#: Requests re-sealed per flush: bounds the memory an upgrade of a large database takes.
REKEY_BATCH = 200


def upgrade_data(rt: Runtime) -> int:
    """Run every data upgrade in one transaction; returns how many rows changed."""
    with rt.transaction() as session:
        # 0003_sealed_notes: notes and reasons written in clear are sealed.
        changed = seal_legacy_notes(session=session, cipher=rt.cipher)
        # 0005_accountability: data sealed under the field key gets its request's own key.
        return changed + rekey_legacy_requests(session=session, cipher=rt.cipher)


def _reseal(blob: bytes | None, old: FieldCipher, new: FieldCipher, label: bytes) -> bytes | None:
    if not blob:  # None, or b"" (destroyed)
        return blob
    return new.encrypt(old.decrypt(blob, label=label), label=label)


def _rekey(session: Session, field: FieldCipher, request: Request) -> None:
    wrapped, new = new_data_key(field, request.public_id)
    request.private_ct = _reseal(request.private_ct, field, new, PRIVATE_LABEL) or b""
    request.review_note_ct = _reseal(request.review_note_ct, field, new, NOTES_LABEL)
    for decision in session.scalars(select(Decision).where(Decision.request_id == request.id)):
        decision.notes_ct = _reseal(decision.notes_ct, field, new, NOTES_LABEL)
    for row in session.scalars(select(Observation).where(Observation.request_id == request.id)):
        row.data_ct = _reseal(row.data_ct, field, new, DATA_LABEL) or b""
    production = session.scalar(select(Production).where(Production.request_id == request.id))
    if production is not None:
        production.files_ct = _reseal(production.files_ct, field, new, FILES_LABEL) or b""
    request.data_key_ct = wrapped  # last: the row is upgraded once all of it is re-sealed


def rekey_legacy_requests(
    *, session: Session, cipher: FieldCipher, batch: int = REKEY_BATCH
) -> int:
    """Re-seal every request written before per-request keys under a new key of its own.

    Each ciphertext of the request (its private document part, reviewer note,
    decisions' notes, observations, production files) is opened with the field key
    and sealed again with the request's new data key, which is stored wrapped.
    Destroyed requests are left alone. Idempotent: a request with a key is never
    scanned again. Returns how many requests were re-sealed.
    """
    count = 0
    last = 0
    while True:
        rows = session.scalars(
            select(Request)
            .where(
                Request.data_key_ct.is_(None),
                Request.destroyed_on.is_(None),
                Request.id > last,
            )
            .order_by(Request.id)
            .limit(batch)
        ).all()
        if not rows:
            return count
        for request in rows:
            _rekey(session, cipher, request)
        count += len(rows)
        last = rows[-1].id
        session.flush()
