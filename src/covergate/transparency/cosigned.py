"""Witness cosignatures in the database, and which checkpoint the log serves.

Submission (:mod:`covergate.transparency.witnessing`) stores, per checkpoint
size and witness, the one cosignature line that verified against that
witness's key and the checkpoint's exact text, and per witness the size it last
acknowledged. Everything here is read fresh from the database on every call, so
a checkpoint that reached the quorum in one process is served by all of them at
once, with no cache to invalidate; the price is a few indexed queries per
request (about 1 ms on SQLite when the newest checkpoint is the served one).

Which checkpoint is served, with a policy (:class:`Quorum`):

- the newest checkpoint whose stored cosignatures satisfy the quorum, with
  them appended to the log's signed note; until a newer one reaches the quorum
  the older one stays served;
- before any did: :class:`NoQuorumYet` (HTTP 503), or, with fail-open, the
  latest signed checkpoint with whatever cosignatures it has.

Without a policy the caller passes no :class:`Quorum` and nothing changes.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from covergate.errors import CovergateError, LogIntegrityError, VerificationFailed
from covergate.tlog.cosignature import CosignatureVerifier
from covergate.tlog.keys import SIGNATURE_PREFIX
from covergate.tlog.policy import WitnessPolicy
from covergate.tlog.witness_protocol import append_cosignatures
from covergate.transparency.models import LogCheckpoint, LogCosignature, LogWitness
from covergate.transparency.state import read_state

__all__ = [
    "NoQuorumYet",
    "Quorum",
    "ServedCheckpoint",
    "acknowledged_sizes",
    "checked_cosignature",
    "cosignatures_of",
    "record_acknowledged",
    "served_checkpoint",
    "signed_sizes",
    "store_cosignature",
]

# Checkpoint sizes looked at per query while looking for the quorum: the served
# one is nearly always the newest or close to it, so start small and double.
_FIRST_PAGE = 4
_MAX_PAGE = 256


class NoQuorumYet(CovergateError):
    """No checkpoint has reached the witness quorum yet (and fail-open is off)."""

    status = 503
    code = "no-witness-quorum"
    title = "No witnessed checkpoint yet"


@dataclass(frozen=True)
class Quorum:
    """The witness policy the served checkpoint must satisfy, and fail-open."""

    policy: WitnessPolicy
    fail_open: bool = False

    def current_keys(self) -> dict[str, str]:
        """Witness policy name -> verifier key, as the policy says now."""
        return {w.name: w.verifier.verifier_key() for w in self.policy.witnesses}


@dataclass(frozen=True)
class ServedCheckpoint:
    """The checkpoint the log serves: its size, note (cosignatures appended), and
    the witnesses whose cosignatures it carries."""

    size: int
    note: bytes
    cosigned_by: frozenset[str]
    quorum_met: bool


def checked_cosignature(verifier: CosignatureVerifier, text: bytes, line: bytes) -> int:
    """The UNIX time of ``line`` if it is ``verifier``'s valid cosignature of
    checkpoint ``text``; VerificationFailed (or MalformedLogData) otherwise."""
    body = line.removesuffix(b"\n")
    if not body.startswith(SIGNATURE_PREFIX):
        raise VerificationFailed("not a signature line")
    name, sep, b64 = body[len(SIGNATURE_PREFIX) :].partition(b" ")
    try:
        raw = base64.b64decode(b64, validate=True)
    except binascii.Error as exc:
        raise VerificationFailed("a signature line that is not base64") from exc
    if not sep or name != verifier.name.encode() or raw[:4] != bytes(verifier.key_id):
        raise VerificationFailed(f"not a cosignature by the key {verifier.name!r}")
    if not verifier.verify(text, raw[4:]):
        raise VerificationFailed(f"the cosignature by {verifier.name!r} does not verify")
    return CosignatureVerifier.timestamp(raw[4:])


def _upsert(
    session: Session, table: type[LogCosignature] | type[LogWitness]
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the session's SQL dialect: two
    processes may store the same witness's answer at once."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def store_cosignature(
    *, session: Session, size: int, witness: str, vkey: str, line: bytes, cosigned_at: int
) -> None:
    """Keep ``line`` as ``witness``'s cosignature of size ``size`` (a newer
    timestamp replaces an older one; an older never replaces a newer)."""
    stmt = _upsert(session, LogCosignature)
    stmt = stmt.values(size=size, witness=witness, vkey=vkey, line=line, cosigned_at=cosigned_at)
    newer = (stmt.excluded.cosigned_at >= LogCosignature.cosigned_at) | (
        stmt.excluded.vkey != LogCosignature.vkey
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["size", "witness"],
            set_={
                "vkey": case((newer, stmt.excluded.vkey), else_=LogCosignature.vkey),
                "line": case((newer, stmt.excluded.line), else_=LogCosignature.line),
                "cosigned_at": case(
                    (newer, stmt.excluded.cosigned_at), else_=LogCosignature.cosigned_at
                ),
            },
        )
    )


def record_acknowledged(*, session: Session, witness: str, size: int) -> None:
    """Remember that ``witness`` holds a checkpoint of ``size`` (never lowered:
    a witness only moves forward)."""
    stmt = _upsert(session, LogWitness)
    stmt = stmt.values(witness=witness, size=size)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["witness"],
            set_={
                "size": case(
                    (stmt.excluded.size > LogWitness.size, stmt.excluded.size),
                    else_=LogWitness.size,
                )
            },
        )
    )


def acknowledged_sizes(*, session: Session) -> dict[str, int]:
    """Witness name -> the size it last acknowledged (absent: never reached)."""
    rows = session.execute(select(LogWitness.witness, LogWitness.size))
    return {str(name): int(size) for name, size in rows}


def signed_sizes(*, session: Session, at_most: int) -> set[int]:
    """The sizes of every checkpoint the log signed up to ``at_most``."""
    rows = session.scalars(select(LogCheckpoint.size).where(LogCheckpoint.size <= at_most))
    return {int(size) for size in rows} | {0}


def cosignatures_of(*, session: Session, size: int, quorum: Quorum) -> dict[str, bytes]:
    """Witness name -> stored line for ``size``, counting only current keys."""
    keys = quorum.current_keys()
    rows = session.execute(
        select(LogCosignature.witness, LogCosignature.vkey, LogCosignature.line)
        .where(LogCosignature.size == size)
        .order_by(LogCosignature.witness)
    )
    return {str(w): bytes(line) for w, vkey, line in rows if keys.get(str(w)) == vkey}


def _newest_with_quorum(session: Session, quorum: Quorum, at_most: int) -> int | None:
    """The largest size <= ``at_most`` whose current-key cosignatures meet the quorum."""
    keys = quorum.current_keys()
    below = at_most + 1
    page = _FIRST_PAGE
    while True:
        sizes = [
            int(s)
            for s in session.scalars(
                select(LogCosignature.size)
                .where(LogCosignature.size < below)
                .group_by(LogCosignature.size)
                .order_by(LogCosignature.size.desc())
                .limit(page)
            )
        ]
        if not sizes:
            return None
        by_size: dict[int, set[str]] = {size: set() for size in sizes}
        rows = session.execute(
            select(LogCosignature.size, LogCosignature.witness, LogCosignature.vkey).where(
                LogCosignature.size.in_(sizes)
            )
        )
        for size, witness, vkey in rows:
            if keys.get(str(witness)) == vkey:
                by_size[int(size)].add(str(witness))
        for size in sizes:
            if quorum.policy.satisfied(by_size[size]):
                return size
        if len(sizes) < page:
            return None
        below = sizes[-1]
        page = min(page * 2, _MAX_PAGE)


def served_checkpoint(*, session: Session, quorum: Quorum) -> ServedCheckpoint | None:
    """The checkpoint to serve under ``quorum`` (see the module); None when the
    log has signed none; NoQuorumYet when fail-closed and none is witnessed."""
    state = read_state(session)
    if state is None or state.note is None:
        return None
    if quorum.policy.satisfied(set()):  # ``quorum none``: every checkpoint qualifies
        size: int | None = state.size
    else:
        size = _newest_with_quorum(session, quorum, state.size)
    met = size is not None
    if size is None:
        if not quorum.fail_open:
            raise NoQuorumYet(
                "no checkpoint has reached the witness quorum yet "
                f"(the policy needs {quorum.policy.describe_quorum()}); "
                "see the server log for what the witnesses answered"
            )
        size = state.size
    note = state.note if size == state.size else _note_of(session, size)
    lines = cosignatures_of(session=session, size=size, quorum=quorum)
    return ServedCheckpoint(
        size=size,
        note=append_cosignatures(note, list(lines.values())),
        cosigned_by=frozenset(lines),
        quorum_met=met,
    )


def _note_of(session: Session, size: int) -> bytes:
    note = session.scalar(select(LogCheckpoint.note).where(LogCheckpoint.size == size))
    if note is None:
        raise LogIntegrityError(f"cosignatures are stored for size {size}, never signed")
    return bytes(note)
