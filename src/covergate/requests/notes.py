"""Reviewer notes and decision reasons: free text that often names the subject.

They are sealed like the facts statement (AES-GCM under :data:`NOTES_LABEL`), shown
only to the roles whose work needs them, and every read is access-logged
(:data:`AccessKind.NOTES`):

- reviewers, approvers and auditors read the reviewer's note and every decision's
  reasons and justifications;
- the requesting agency reads the decisions' reasons (why it was denied or
  narrowed), not the Inspection Service's internal note or justifications;
- observers and admins read none of it.

Rows written before notes were sealed are sealed in place by
:func:`seal_legacy_notes` when a process opens the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.crypto import FieldCipher
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle.access import can_see, record_access
from covergate.lifecycle.keys import data_cipher, request_cipher
from covergate.lifecycle.models import AccessKind, Request
from covergate.requests.models import Decision
from covergate.users.models import User
from covergate.users.schemas import Role

__all__ = [
    "NOTES_LABEL",
    "DecisionNotes",
    "Notes",
    "open_decision_notes",
    "read_notes",
    "seal_decision_notes",
    "seal_legacy_notes",
    "seal_note",
]

NOTES_LABEL = b"request.notes"
_READ_ALL = frozenset({Role.REVIEWER, Role.APPROVER, Role.AUDITOR})


def seal_note(ctx: ServiceContext, request: Request, note: str) -> bytes:
    return request_cipher(ctx, request).encrypt_json(note, label=NOTES_LABEL)


def seal_decision_notes(
    cipher: FieldCipher, *, reasons: str | None, justifications: dict[str, str]
) -> bytes:
    return cipher.encrypt_json(
        {"reasons": reasons, "justifications": justifications}, label=NOTES_LABEL
    )


@dataclass(frozen=True)
class DecisionNotes:
    reasons: str | None
    justifications: dict[str, str] = field(default_factory=dict)


def open_decision_notes(cipher: FieldCipher, decision: Decision) -> DecisionNotes:
    """The software's own read of a decision's notes (no person sees them here)."""
    if decision.notes_ct is None:
        return DecisionNotes(decision.reasons, dict(decision.justifications or {}))
    value = cipher.decrypt_json(decision.notes_ct, label=NOTES_LABEL)
    if not isinstance(value, dict):
        raise InvalidInput(f"stored notes of decision {decision.id} are malformed")
    return DecisionNotes(value.get("reasons"), dict(value.get("justifications") or {}))


@dataclass(frozen=True)
class Notes:
    """What ``actor`` may read of a request's notes; None where their role may not."""

    review_note: str | None
    decisions: list[DecisionNotes]

    def to_json(self) -> dict[str, Any]:
        return {
            "review_note": self.review_note,
            "decisions": [
                {"reasons": d.reasons, "justifications": d.justifications} for d in self.decisions
            ],
        }


def read_notes(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> Notes:
    """The notes ``actor`` may read, oldest decision first; the read is access-logged."""
    if not can_see(actor, request, ctx=ctx) or actor.role not in _READ_ALL | {Role.REQUESTER}:
        raise NotFound(f"no notes of request {request.public_id} for you")
    record_access(
        session=session, ctx=ctx, actor=actor, request=request, what=AccessKind.NOTES, reason=reason
    )
    rows = session.scalars(
        select(Decision).where(Decision.request_id == request.id).order_by(Decision.id)
    )
    cipher = request_cipher(ctx, request)
    decisions = [open_decision_notes(cipher, d) for d in rows]
    if actor.role is Role.REQUESTER:
        return Notes(None, [DecisionNotes(d.reasons) for d in decisions])
    note = None
    if request.review_note_ct is not None:
        opened = cipher.decrypt_json(request.review_note_ct, label=NOTES_LABEL)
        note = opened if isinstance(opened, str) else None
    elif request.review_note is not None:
        note = request.review_note
    return Notes(note, decisions)


def seal_legacy_notes(*, session: Session, cipher: FieldCipher) -> int:
    """Seal notes stored in clear by earlier versions, and clear them; returns how many."""
    count = 0

    def cipher_of(request: Request | None) -> FieldCipher:
        return cipher if request is None else data_cipher(cipher, request)

    for request in session.scalars(select(Request).where(Request.review_note.is_not(None))):
        request.review_note_ct = cipher_of(request).encrypt_json(
            request.review_note, label=NOTES_LABEL
        )
        request.review_note = None
        count += 1
    # Every decision gets its sealed notes, empty ones too, so none is scanned again.
    for decision in session.scalars(select(Decision).where(Decision.notes_ct.is_(None))):
        decision.notes_ct = seal_decision_notes(
            cipher_of(session.get(Request, decision.request_id)),
            reasons=decision.reasons,
            justifications=dict(decision.justifications or {}),
        )
        decision.reasons = None
        decision.justifications = {}
        count += 1
    return count
