"""The witness's state per origin, changed only by compare-and-swap, and evidence.

A cosignature is only ever answered after :func:`swap` stored it, and :func:`swap`
stores it only if the row still holds the size and root the decision was made
on (``UPDATE ... WHERE origin = :o AND size = :old AND root = :old_root``). Two
submissions racing from the same old size cannot both win: the loser's UPDATE
matches no row, and the service decides again on what is stored now (a 409).
This works alike on SQLite (one writer at a time) and PostgreSQL (READ
COMMITTED re-checks the WHERE clause against the committed row).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError

from covergate.errors import Conflict, NotFound
from covergate.tlog.hashing import EMPTY_ROOT, Hash
from covergate.witness.check import Stored, Verdict
from covergate.witness.models import evidence, logs

__all__ = [
    "EvidenceRecord",
    "LogRecord",
    "add_evidence",
    "add_log",
    "evidence_body",
    "list_evidence",
    "list_logs",
    "read_log",
    "swap",
]


@dataclass(frozen=True)
class LogRecord:
    """One witnessed log: its key and the latest cosigned state."""

    origin: str
    verifier_key: str
    stored: Stored
    checkpoint: bytes | None
    cosigned_at: int | None
    added_at: int


@dataclass(frozen=True)
class EvidenceRecord:
    """A kept inconsistent checkpoint (the body is fetched on its own)."""

    id: int
    origin: str
    old_size: int
    size: int
    reason: Verdict
    body_sha256: bytes
    received_at: int

    def to_json(self) -> dict[str, object]:
        """What ``witness evidence --json`` and ``GET /evidence`` show of it."""
        return {
            "id": self.id,
            "origin": self.origin,
            "old_size": self.old_size,
            "size": self.size,
            "reason": self.reason.value,
            "received_at": self.received_at,
            "body_sha256": self.body_sha256.hex(),
        }


def _log_record(row: Row[Any, Any, Any, Any, Any, Any, Any]) -> LogRecord:
    note = None if row.checkpoint is None else bytes(row.checkpoint)
    stored = Stored(int(row.size), Hash(bytes(row.root)))
    return LogRecord(row.origin, row.verifier_key, stored, note, row.cosigned_at, row.added_at)


_LOG_COLUMNS = (
    logs.c.origin,
    logs.c.verifier_key,
    logs.c.size,
    logs.c.root,
    logs.c.checkpoint,
    logs.c.cosigned_at,
    logs.c.added_at,
)


def read_log(engine: Engine, origin: str) -> LogRecord | None:
    """The record of ``origin``, or None if the witness does not follow it."""
    with engine.connect() as conn:
        row = conn.execute(select(*_LOG_COLUMNS).where(logs.c.origin == origin)).first()
    return None if row is None else _log_record(row)


def list_logs(engine: Engine) -> list[LogRecord]:
    """Every witnessed log, by origin."""
    with engine.connect() as conn:
        rows = conn.execute(select(*_LOG_COLUMNS).order_by(logs.c.origin)).all()
    return [_log_record(row) for row in rows]


def add_log(engine: Engine, origin: str, verifier_key: str, *, now: int, replace: bool) -> bool:
    """Follow ``origin`` with ``verifier_key``; True if it is new.

    A known origin keeps its state: only its key changes, and only with
    ``replace`` (a log's key rotation). Conflict otherwise.
    """
    with engine.begin() as conn:
        current = conn.execute(
            select(logs.c.verifier_key).where(logs.c.origin == origin)
        ).scalar_one_or_none()
        if current is None:
            conn.execute(
                insert(logs).values(
                    origin=origin,
                    verifier_key=verifier_key,
                    size=0,
                    root=EMPTY_ROOT,
                    added_at=now,
                )
            )
            return True
        if current == verifier_key:
            return False
        if not replace:
            raise Conflict(
                f"{origin} is already witnessed with another key; "
                "pass --replace to rotate its key (the state is kept)"
            )
        conn.execute(update(logs).where(logs.c.origin == origin).values(verifier_key=verifier_key))
        return False


def swap(
    engine: Engine,
    record: LogRecord,
    new: Stored,
    cosigned_note: bytes,
    *,
    now: int,
) -> bool:
    """Store ``new`` for ``record.origin`` if the row still holds what ``record``
    read (size, root and key); False if another submission changed it first."""
    with engine.begin() as conn:
        result = conn.execute(
            update(logs)
            .where(
                logs.c.origin == record.origin,
                logs.c.size == record.stored.size,
                logs.c.root == record.stored.root,
                logs.c.verifier_key == record.verifier_key,
            )
            .values(size=new.size, root=new.root, checkpoint=cosigned_note, cosigned_at=now)
        )
        return result.rowcount == 1


def add_evidence(
    engine: Engine,
    *,
    origin: str,
    old_size: int,
    size: int,
    reason: Verdict,
    body: bytes,
    now: int,
) -> bool:
    """Keep an inconsistent checkpoint's request; False if that body is kept already."""
    digest = hashlib.sha256(body).digest()
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(evidence).values(
                    origin=origin,
                    old_size=old_size,
                    size=size,
                    reason=reason,
                    body=body,
                    body_sha256=digest,
                    received_at=now,
                )
            )
    except IntegrityError:
        return False  # the same body again: kept once
    return True


def list_evidence(engine: Engine) -> list[EvidenceRecord]:
    """Every kept piece of evidence, oldest first."""
    columns = (
        evidence.c.id,
        evidence.c.origin,
        evidence.c.old_size,
        evidence.c.size,
        evidence.c.reason,
        evidence.c.body_sha256,
        evidence.c.received_at,
    )
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(evidence.c.id)).all()
    return [
        EvidenceRecord(row[0], row[1], int(row[2]), int(row[3]), row[4], bytes(row[5]), row[6])
        for row in rows
    ]


def evidence_body(engine: Engine, evidence_id: int) -> bytes:
    """The request body kept as evidence ``evidence_id``; NotFound if none."""
    with engine.connect() as conn:
        body = conn.execute(
            select(evidence.c.body).where(evidence.c.id == evidence_id)
        ).scalar_one_or_none()
    if body is None:
        raise NotFound(f"no evidence {evidence_id}")
    return bytes(body)
