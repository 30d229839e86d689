"""Witness cosignatures in the database, and which checkpoint the log serves.

Submission (:mod:`covergate.transparency.witnessing`) stores, per checkpoint
size and witness, the one cosignature line that verified against that
witness's key and the checkpoint's exact text, and per witness the size it last
acknowledged. Which checkpoint is served is a function of the log state (tree
size and signed note) and the stored cosignatures; every
:func:`store_cosignature` also adds one to ``log_state.cosignatures`` in its
transaction. So each process caches the served checkpoint under (quorum, size,
root, note, cosignature count), read in the one indexed query of the state
row: a checkpoint that reached the quorum in one process is served by all of
them at their next read, and a cache hit costs that one query.

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
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from covergate.errors import CovergateError, LogIntegrityError, VerificationFailed
from covergate.tlog.cosignature import CosignatureVerifier
from covergate.tlog.hashing import Hash
from covergate.tlog.keys import SIGNATURE_PREFIX
from covergate.tlog.policy import WitnessPolicy
from covergate.tlog.witness_protocol import append_cosignatures
from covergate.transparency.models import LogCheckpoint, LogCosignature, LogWitness
from covergate.transparency.state import CommittedState, driver_fetchone

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

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

# The state row with the cosignature count: the served checkpoint's cache key.
_SELECT_STATE = "SELECT size, root, note, cosignatures FROM log_state WHERE id = 1"
_COUNT_COSIGNATURE = "UPDATE log_state SET cosignatures = cosignatures + 1 WHERE id = 1"


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
    processes may store the same witness's answer at once.

    The dialects are imported here, not at the top: every command that reads the
    log imports this module, and SQLAlchemy's PostgreSQL dialect alone takes
    30 ms to import, for commands that never store a cosignature."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

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
    # Every process's cached served checkpoint is keyed by this count.
    session.connection().exec_driver_sql(_COUNT_COSIGNATURE)


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


class _ServedCache:
    """Per process: the served checkpoint last computed for each quorum, with
    the state it was computed for (see the module). Thread-safe, bounded."""

    _LIMIT = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_quorum: dict[int, tuple[Quorum, tuple[object, ...], ServedCheckpoint]] = {}

    def get(self, quorum: Quorum, key: tuple[object, ...]) -> ServedCheckpoint | None:
        with self._lock:
            hit = self._by_quorum.get(id(quorum))
        if hit is None or hit[0] is not quorum or hit[1] != key:
            return None
        return hit[2]

    def put(self, quorum: Quorum, key: tuple[object, ...], served: ServedCheckpoint) -> None:
        with self._lock:
            if len(self._by_quorum) >= self._LIMIT and id(quorum) not in self._by_quorum:
                self._by_quorum.clear()
            self._by_quorum[id(quorum)] = (quorum, key, served)

    def clear(self) -> None:
        with self._lock:
            self._by_quorum.clear()


served_cache = _ServedCache()
"""The process's cache of :func:`served_checkpoint` results."""


def served_checkpoint(*, session: Session, quorum: Quorum) -> ServedCheckpoint | None:
    """The checkpoint to serve under ``quorum`` (see the module); None when the
    log has signed none; NoQuorumYet when fail-closed and none is witnessed."""
    row = driver_fetchone(session, _SELECT_STATE, ())
    if row is None or row[2] is None:
        return None
    size, root, note, count = int(row[0]), bytes(row[1]), bytes(row[2]), int(row[3])
    # Read before the cosignatures: a cosignature stored meanwhile raises the
    # count, so the next call computes again; a result is never kept under a
    # count newer than what it was computed from.
    key = (size, root, note, count)
    cached = served_cache.get(quorum, key)
    if cached is not None:
        return cached
    served = _compute_served(session, quorum, CommittedState(size, Hash(root), note))
    served_cache.put(quorum, key, served)
    return served


def _compute_served(session: Session, quorum: Quorum, state: CommittedState) -> ServedCheckpoint:
    signed_note = state.note or b""  # served_checkpoint only calls this with a note
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
    note = signed_note if size == state.size else _note_of(session, size)
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
