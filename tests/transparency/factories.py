"""Factories for transparency log tests: events, keys, ciphers, whole-log checks."""

from __future__ import annotations

import os
import secrets
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from covergate.crypto import FieldCipher
from covergate.document import Ground, ProcessType, RequestKind
from covergate.lifecycle.events import EventType, PublicEvent
from covergate.tlog.checkpoint import Checkpoint, open_checkpoint
from covergate.tlog.keys import Ed25519Signer, generate_signer
from covergate.tlog.verify import verify_full_log
from covergate.transparency import service
from covergate.transparency.sources import DatabaseLogSource
from covergate.transparency.verification import verify_log

ORIGIN = "covergate.test/log"


def signer(origin: str = ORIGIN) -> Ed25519Signer:
    return generate_signer(origin)[0]


def cipher() -> FieldCipher:
    return FieldCipher(os.urandom(32))


def event(**changes: Any) -> PublicEvent:
    """A realistic public event; tests change only what they test."""
    fields: dict[str, Any] = {
        "event": EventType.SUBMITTED,
        "request_id": secrets.token_hex(16),
        "day": date(2026, 1, 5),
        "agency": "Federal Bureau of Investigation",
        "kind": RequestKind.MAIL_COVER,
        "ground": Ground.CRIME,
        "legal_process": ProcessType.COURT_ORDER,
        "policy": "safeguards-2026",
        "policy_version": "sha256:" + "ab" * 32,
        "outcome": None,
        "state": "submitted",
    }
    fields.update(changes)
    return PublicEvent(**fields)


def private_record(i: int = 0) -> dict[str, object]:
    return {
        "subject": {"name": f"Jordan Example {i}", "address": "12 Elm Street, Springfield"},
        "statute": "18 U.S.C. 1341",
        "case_number": f"FBI-2026-{i:04d}",
        "facts": "Victims report checks mailed to the subject's address.",
    }


def append_many(
    sessions: sessionmaker[Session], fc: FieldCipher, count: int, *, start: int = 0
) -> list[int]:
    """Sequence ``count`` entries in one committed transaction."""
    with sessions() as session, session.begin():
        return service.append_events(
            session=session,
            events=[(event(), private_record(start + i)) for i in range(count)],
            cipher=fc,
        )


def verify_whole_log(sessions: sessionmaker[Session], key: Ed25519Signer) -> Checkpoint:
    """Check everything a third party can: signature, every tile, the root,
    every bundle; with our fast verifier and with the tlog reference one, and
    that every checkpoint ever signed is consistent with the latest."""
    with sessions() as session, session.begin():
        source = DatabaseLogSource(session)
        checkpoint = open_checkpoint(source.fetch("checkpoint"), key.verifier())
        report = verify_log(source, checkpoint)
        reference = verify_full_log(source, checkpoint)
        assert report.root == reference.root == checkpoint.root
        assert report.tiles_checked == reference.tiles_checked
        for _size, note in service.checkpoint_history(session=session):
            old = open_checkpoint(note, key.verifier())
            verify_log(source, checkpoint, old=old)
        return checkpoint
