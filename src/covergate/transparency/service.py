"""Reading the transparency log, and the one door the rest of covergate uses.

The log is written in two steps, each in its own module:

- **Sequencing** (:mod:`covergate.transparency.sequencing`,
  :func:`append_event`) runs in the *caller's* transaction, under the log's
  writer lock: the state change that caused the event commits together with
  its entry or not at all, and indexes are dense and in commit order.
- **Integration** (:mod:`covergate.transparency.integration`,
  :func:`integrate`) writes the tiles of the new entries, signs a checkpoint
  and compare-and-swaps the one ``log_state`` row: that update is the commit
  point. Recovery is :func:`integrate` again.

This module reads what integration committed: nothing beyond the signed tree
is ever served. It also re-exports the sequencing and integration entry points
(``append_event``, ``integrate_pending``, ``TreeCache``, ...) so that callers
keep importing them from here.

Services flush and never commit; :func:`integrate_pending` is the one helper
that opens its own transaction.

With a witness policy, callers pass its :class:`Quorum`: :func:`latest_checkpoint`
and :func:`proof_text` then use the served checkpoint, the newest one the
witnesses' quorum cosigned (:mod:`covergate.transparency.cosigned`), instead of
the latest signed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.crypto import FieldCipher
from covergate.errors import LogIntegrityError, NotFound
from covergate.tlog.bundles import encode_bundle
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash
from covergate.tlog.inclusion import inclusion_proof_from_subtrees
from covergate.tlog.proof_text import TlogProof
from covergate.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, Tile
from covergate.transparency.cosigned import NoQuorumYet, Quorum, served_checkpoint
from covergate.transparency.entries import SALT_SIZE, check_commitment
from covergate.transparency.integration import TreeCache, integrate, integrate_pending
from covergate.transparency.lock import LOCK_KEY, next_index
from covergate.transparency.models import LogCheckpoint, LogEntry
from covergate.transparency.reader import DatabaseHashReader
from covergate.transparency.sequencing import (
    COMMITMENT_LABEL,
    append_event,
    append_events,
    appended,
    prepare,
    sequence,
)
from covergate.transparency.state import read_state

__all__ = [
    "COMMITMENT_LABEL",
    "LOCK_KEY",
    "LogStatus",
    "Served",
    "TreeCache",
    "append_event",
    "append_events",
    "appended",
    "checkpoint_history",
    "integrate",
    "integrate_pending",
    "latest_checkpoint",
    "prepare",
    "proof_text",
    "published_checkpoint",
    "read_commitment",
    "read_entries",
    "read_entry",
    "read_entry_bundle",
    "read_tile",
    "sequence",
    "served_size_and_note",
    "status",
]


@dataclass(frozen=True)
class LogStatus:
    """What the log has signed and what waits for integration."""

    size: int
    root: Hash
    checkpoint: bytes | None
    sequenced: int

    @property
    def pending(self) -> int:
        return self.sequenced - self.size


def status(*, session: Session) -> LogStatus:
    """The signed tree size and root, and how many entries are sequenced."""
    state = read_state(session)
    sequenced = next_index(session)
    if state is None:
        return LogStatus(0, EMPTY_ROOT, None, sequenced)
    return LogStatus(state.size, state.root, state.note, sequenced)


def latest_checkpoint(*, session: Session, quorum: Quorum | None = None) -> bytes | None:
    """The checkpoint note the log serves, or None before the first integration.

    Without ``quorum`` the latest signed one; with it, the served cosigned one
    (NoQuorumYet, fail-closed, while none reached the quorum).
    """
    if quorum is None:
        return status(session=session).checkpoint
    served = served_checkpoint(session=session, quorum=quorum)
    return None if served is None else served.note


class Served(NamedTuple):
    """The tree size and note of the checkpoint the log serves."""

    size: int
    note: bytes

    @property
    def root(self) -> Hash:
        """The root hash the served checkpoint names."""
        return Checkpoint.from_text(self.note[: self.note.rfind(b"\n\n") + 1]).root


def served_size_and_note(*, session: Session, quorum: Quorum | None = None) -> Served | None:
    """The (tree size, note) of the checkpoint the log serves; None before any."""
    if quorum is None:
        state = read_state(session)
        return None if state is None or state.note is None else Served(state.size, state.note)
    served = served_checkpoint(session=session, quorum=quorum)
    return None if served is None else Served(served.size, served.note)


def published_checkpoint(*, session: Session, quorum: Quorum | None = None) -> Served | None:
    """What the public can read now: the served checkpoint, or None before any
    (also while fail-closed and no checkpoint reached the witness quorum)."""
    try:
        return served_size_and_note(session=session, quorum=quorum)
    except NoQuorumYet:
        return None


def checkpoint_history(*, session: Session) -> list[tuple[int, bytes]]:
    """Every (size, signed note) the log signed, smallest first."""
    rows = session.execute(select(LogCheckpoint.size, LogCheckpoint.note).order_by("size"))
    return [(int(size), bytes(note)) for size, note in rows]


def _signed_size(session: Session) -> int:
    state = read_state(session)
    return 0 if state is None or state.note is None else state.size


def read_tile(*, session: Session, tile: Tile) -> bytes:
    """The data of a hash tile of the signed tree; NotFound if it has none."""
    size = _signed_size(session)
    # The tile's last hash must be in the tree: (index*256 + width) hashes at
    # its level, each covering 256**level leaves.
    covered = ((tile.index << TILE_HEIGHT) + tile.width) << (TILE_HEIGHT * tile.level)
    if covered > size:
        raise NotFound(f"no tile {tile.level}/{tile.index} of width {tile.width}")
    data = DatabaseHashReader(session).tile(tile.level, tile.index)
    if len(data) < tile.width * HASH_SIZE:
        raise LogIntegrityError(f"tile {tile.level}/{tile.index} is missing from the database")
    return data[: tile.width * HASH_SIZE]


def read_entries(*, session: Session, start: int, count: int) -> list[bytes]:
    """Entries ``start`` .. ``start + count - 1`` of the signed tree."""
    if start < 0 or count < 0 or start + count > _signed_size(session):
        raise NotFound(f"no entries {start}..{start + count - 1} in the signed log")
    rows = session.execute(
        select(LogEntry.idx, LogEntry.data)
        .where(LogEntry.idx >= start, LogEntry.idx < start + count)
        .order_by(LogEntry.idx)
    ).all()
    if [int(idx) for idx, _ in rows] != list(range(start, start + count)):
        raise LogIntegrityError(f"log entries {start}..{start + count - 1} are incomplete")
    return [bytes(data) for _, data in rows]


def read_entry(*, session: Session, index: int) -> bytes:
    """One entry of the signed tree."""
    return read_entries(session=session, start=index, count=1)[0]


def read_entry_bundle(*, session: Session, index: int, width: int) -> bytes:
    """Entry bundle ``index`` of ``width`` entries (C2SP tlog-tiles)."""
    if not 1 <= width <= TILE_WIDTH:
        raise NotFound(f"no entry bundle of width {width}")
    entries = read_entries(session=session, start=index * TILE_WIDTH, count=width)
    return encode_bundle(entries)


def proof_text(*, session: Session, index: int, quorum: Quorum | None = None) -> bytes:
    """C2SP tlog-proof of entry ``index`` against the served checkpoint (the
    latest signed one; with ``quorum``, the newest witnessed one)."""
    if quorum is None:
        # The latest signed checkpoint: the state row names its size and root.
        state = read_state(session)
        if state is None or state.note is None or not 0 <= index < state.size:
            raise NotFound(f"log entry {index} is not in a signed checkpoint yet")
        size, root, note = state.size, state.root, state.note
    else:
        served = served_size_and_note(session=session, quorum=quorum)
        if served is None or not 0 <= index < served[0]:
            if served is not None and index < _signed_size(session):
                raise NotFound(
                    f"log entry {index} is in a signed checkpoint that awaits the witnesses' "
                    f"cosignatures (the served checkpoint has size {served[0]}); try again later"
                )
            raise NotFound(f"log entry {index} is not in a signed checkpoint yet")
        size, root, note = served.size, served.root, served.note
    # The plan in subtree positions, read from the tiles (and the process's
    # tile cache) directly: no stored-hash indexes in between.
    proof = inclusion_proof_from_subtrees(index, size, DatabaseHashReader(session, (size, root)))
    return TlogProof(index=index, proof=proof, checkpoint_note=note).format()


def read_commitment(*, session: Session, index: int, cipher: FieldCipher) -> tuple[bytes, bytes]:
    """The (salt, canonical private record) that open entry ``index``'s commitment.

    For the subject's notice and for courts. Checks that they do open it.
    """
    entry = session.get(LogEntry, index)
    if entry is None:
        raise NotFound(f"no log entry {index}")
    if entry.sealed is None:
        raise LogIntegrityError(f"log entry {index} has no stored commitment opening")
    opened = cipher.decrypt(bytes(entry.sealed), label=COMMITMENT_LABEL)
    salt, canonical = opened[:SALT_SIZE], opened[SALT_SIZE:]
    if len(salt) != SALT_SIZE or not check_commitment(bytes(entry.data), salt, canonical):
        raise LogIntegrityError(f"stored opening does not match log entry {index}")
    return salt, canonical
