"""Sequencing, integration and reading of the transparency log.

Durability and concurrency (the Sunlight/Tessera design, in one database):

- **Sequencing** (:func:`append_event`) runs in the *caller's* transaction: it
  takes the log's writer lock (PostgreSQL transaction-level advisory lock;
  SQLite's ``BEGIN IMMEDIATE`` already holds the database writer lock), reads
  the next index and inserts the entry and its encrypted commitment opening.
  The state change that caused the event commits together with its entry or
  not at all. The lock is held until that transaction ends, so indexes are
  dense and in commit order.
- **Integration** (:func:`integrate`) takes the same lock, reads the entries
  after the last checkpoint, writes the tiles they add, signs a checkpoint,
  records it, and compare-and-swaps the one ``log_state`` row from the old
  (size, root) to the new one. That update is the **commit point**: until it
  commits nothing new is served; after, the tiles and checkpoint are. All of it
  is one transaction, so a crash anywhere leaves the previous state; tiles are
  deterministic functions of the committed entries, so any that did persist
  are rewritten with the same bytes. Recovery is :func:`integrate` again.
- The log never signs two inconsistent checkpoints: a new tree is built only on
  the stored right edge of the committed tree, after checking that edge hashes
  to the committed root, and the compare-and-swap fails if anything else moved
  the state meanwhile.

Services flush and never commit; :func:`integrate_pending` is the one helper
that opens its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from covergate.crypto import FieldCipher
from covergate.db import transaction
from covergate.errors import InvalidInput, LogIntegrityError, NotFound
from covergate.tlog.bundles import encode_bundle
from covergate.tlog.checkpoint import Checkpoint, sign_checkpoint
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash
from covergate.tlog.note import NoteSigner
from covergate.tlog.proof_text import TlogProof
from covergate.tlog.proofs import inclusion_proof
from covergate.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, partial_width
from covergate.transparency.entries import (
    SALT_SIZE,
    canonical_record,
    check_commitment,
    commitment,
    encode_entry,
    new_salt,
)
from covergate.transparency.faults import NO_FAULTS, Faults, Step
from covergate.transparency.models import (
    LogCheckpoint,
    LogCommitment,
    LogEntry,
    LogState,
    LogTile,
)
from covergate.transparency.reader import DatabaseHashReader
from covergate.transparency.schemas import PublicRecord
from covergate.transparency.tree import RunKey, edge_root_and_runs, grow, leaf_hashes

__all__ = [
    "COMMITMENT_LABEL",
    "LOCK_KEY",
    "LogStatus",
    "TreeCache",
    "append_event",
    "append_events",
    "checkpoint_history",
    "integrate",
    "integrate_pending",
    "latest_checkpoint",
    "proof_text",
    "read_commitment",
    "read_entries",
    "read_entry",
    "read_entry_bundle",
    "read_tile",
    "status",
]

COMMITMENT_LABEL = b"log.commitment"
"""Associated data of the encrypted commitment openings (FieldCipher label)."""

LOCK_KEY = 0x636F_7667_6C6F_6701
"""PostgreSQL advisory lock key of the log writer ("covglog" + 1)."""

_READ_CHUNK = 4096
_NEXT_INDEX = "covergate.tlog.next_index"
_APPENDED = "covergate.tlog.appended"

# Statements built once: building a SQL expression costs more than running it.
_MAX_INDEX = select(func.max(LogEntry.idx))
_SELECT_STATE = select(LogState.size, LogState.root, LogState.note).where(LogState.id == 1)
_SWAP_STATE = (
    update(LogState)
    .where(
        LogState.id == 1,
        LogState.size == bindparam("old_size"),
        LogState.root == bindparam("old_root"),
    )
    .values(size=bindparam("size"), root=bindparam("root"), note=bindparam("note"))
)
_SELECT_TILE = select(LogTile.data).where(
    LogTile.level == bindparam("level"), LogTile.idx == bindparam("idx")
)
_SELECT_TILE_RANGE = select(LogTile.idx, LogTile.data).where(
    LogTile.level == bindparam("level"),
    LogTile.idx >= bindparam("lo"),
    LogTile.idx <= bindparam("hi"),
)
_INSERT_TILE = insert(LogTile)
_CHECKPOINT_ROOT = select(LogCheckpoint.root).where(LogCheckpoint.size == bindparam("size"))
_INSERT_CHECKPOINT = insert(LogCheckpoint)
_UPDATE_CHECKPOINT_NOTE = (
    update(LogCheckpoint)
    .where(LogCheckpoint.size == bindparam("cp_size"))
    .values(note=bindparam("note"))
)
_UPDATE_TILE = (
    update(LogTile)
    .where(LogTile.level == bindparam("t_level"), LogTile.idx == bindparam("t_idx"))
    .values(data=bindparam("data"))
)
_SELECT_ENTRIES = (
    select(LogEntry.idx, LogEntry.data)
    .where(LogEntry.idx >= bindparam("start"))
    .order_by(LogEntry.idx)
    .limit(bindparam("limit"))
)


# --- sequencing --------------------------------------------------------------


def append_event(
    *,
    session: Session,
    event: PublicRecord,
    private_record: Mapping[str, object],
    cipher: FieldCipher,
    faults: Faults = NO_FAULTS,
) -> int:
    """Sequence one entry in the caller's transaction; returns its index.

    The entry is published once the caller commits and integration runs
    (:func:`integrate_pending`). The private record is never published: only a
    salted commitment to it, whose opening is stored encrypted.
    """
    return append_events(
        session=session, events=[(event, private_record)], cipher=cipher, faults=faults
    )[0]


def append_events(
    *,
    session: Session,
    events: Sequence[tuple[PublicRecord, Mapping[str, object]]],
    cipher: FieldCipher,
    faults: Faults = NO_FAULTS,
) -> list[int]:
    """Sequence several entries, in order, in the caller's transaction."""
    return sequence(session=session, prepared=prepare(events, cipher), faults=faults)


@dataclass(frozen=True)
class PreparedEntry:
    """An entry ready to sequence: its bytes and the sealed opening of its commitment."""

    entry: bytes
    sealed: bytes


def prepare(
    events: Sequence[tuple[PublicRecord, Mapping[str, object]]], cipher: FieldCipher
) -> list[PreparedEntry]:
    """Build entries and commitments: everything that can fail on bad input.

    Runs before the writer lock is taken (and needs no database), so that the
    serialised part of an append is only :func:`sequence`.
    """
    out: list[PreparedEntry] = []
    for event, record in events:
        canonical = canonical_record(record)
        salt = new_salt()
        out.append(
            PreparedEntry(
                entry=encode_entry(event, commitment(salt, canonical)),
                sealed=cipher.encrypt(salt + canonical, label=COMMITMENT_LABEL),
            )
        )
    return out


def sequence(
    *, session: Session, prepared: Sequence[PreparedEntry], faults: Faults = NO_FAULTS
) -> list[int]:
    """Give prepared entries the next indexes, in the caller's transaction."""
    if not prepared:
        return []
    session.info[_APPENDED] = True
    _lock(session)
    faults.reached(Step.SEQUENCE_LOCKED)
    first = _next_index(session)
    faults.reached(Step.SEQUENCE_INDEXED)
    indexes = list(range(first, first + len(prepared)))
    # Two bulk writes straight to the driver on the session's connection: same
    # transaction, no ORM autoflush, no per-row parameter processing.
    conn = session.connection()
    _insert_rows(
        conn, "log_entries", [(i, p.entry) for i, p in zip(indexes, prepared, strict=True)]
    )
    if session.get_nested_transaction() is None:
        # Never remembered inside a savepoint, whose rollback would undo these rows.
        session.info[_NEXT_INDEX] = (session.get_transaction(), first + len(prepared))
    faults.reached(Step.SEQUENCE_ENTRY)
    # A crash here (before commit) loses the entries with the caller's change.
    _insert_rows(
        conn, "log_commitments", [(i, p.sealed) for i, p in zip(indexes, prepared, strict=True)]
    )
    faults.reached(Step.SEQUENCE_COMMITMENT)
    return indexes


# The only rows sequencing writes, as fixed statements per driver: psycopg's
# binary COPY, and INSERT in each driver's positional style ("?" for sqlite3).
_COPY = {
    "log_entries": "COPY log_entries (idx, data) FROM STDIN (FORMAT BINARY)",
    "log_commitments": "COPY log_commitments (idx, sealed) FROM STDIN (FORMAT BINARY)",
}
_INSERTS = {
    ("log_entries", True): "INSERT INTO log_entries (idx, data) VALUES (?, ?)",
    ("log_entries", False): "INSERT INTO log_entries (idx, data) VALUES (%s, %s)",
    ("log_commitments", True): "INSERT INTO log_commitments (idx, sealed) VALUES (?, ?)",
    ("log_commitments", False): "INSERT INTO log_commitments (idx, sealed) VALUES (%s, %s)",
}
_COPY_MIN_ROWS = 8  # below this, one INSERT statement costs less than a COPY


def _insert_rows(conn: Connection, table: str, rows: list[tuple[int, bytes]]) -> None:
    """Insert (index, bytes) rows into one of the sequencing tables.

    PostgreSQL: binary COPY, one round trip and no statement per row (several
    times faster than executemany at batches of 100 or more). SQLite, and
    small batches: executemany.
    """
    if conn.dialect.name == "postgresql" and len(rows) >= _COPY_MIN_ROWS:
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(_COPY[table]) as copy:  # type: ignore[union-attr]
            copy.set_types(["int8", "bytea"])
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(_INSERTS[(table, conn.dialect.paramstyle == "qmark")], rows)


def appended(session: Session) -> bool:
    """Whether this session sequenced an entry: only then is integration needed."""
    return bool(session.info.get(_APPENDED))


def _lock(session: Session) -> None:
    # One log writer at a time, until the end of the transaction.
    conn = session.connection()  # begins the transaction if it has not begun
    if _cached_next(session) is not None:
        return  # this transaction already holds the lock
    if conn.dialect.name == "postgresql":
        # Re-entrant within a transaction: taking it again is a no-op.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    # SQLite: the transaction began with BEGIN IMMEDIATE (covergate.db), which
    # holds the writer lock.


def _next_index(session: Session) -> int:
    # Within one transaction that holds the writer lock, no one else can append,
    # so the next index is remembered instead of asked for again.
    cached = _cached_next(session)
    if cached is not None:
        return cached
    last = session.connection().execute(_MAX_INDEX).scalar_one_or_none()
    return 0 if last is None else int(last) + 1


def _cached_next(session: Session) -> int | None:
    """The next index remembered by this transaction, if it is still the same one.

    Not used inside a savepoint, whose rollback could undo remembered appends.
    """
    cached = session.info.get(_NEXT_INDEX)
    if cached is None or session.get_nested_transaction() is not None:
        return None
    transaction, next_index = cached
    if transaction is not session.get_transaction():
        return None
    return int(next_index)


# --- integration -------------------------------------------------------------


class TreeCache:
    """The tree one process last integrated: its right edge and the roots of its runs.

    Held by the process (``Runtime``), one per database, and handed to
    :func:`integrate`. It is only ever used when the committed log state names
    the very tree it describes (same size and root, and a root names one tree):
    then integration skips reading the edge back and re-hashing it, and the new
    root costs only the runs the new entries changed. Whenever the state is
    anything else (start-up, another process integrated, a rolled-back
    integration) it is ignored and integration takes the checked path: read the
    edge from the tiles and verify it hashes to the committed root. It is
    replaced whole, never patched, so it can never mix two trees.
    """

    def __init__(self) -> None:
        self._tree: _CachedTree | None = None

    def lookup(self, size: int, root: Hash) -> _CachedTree | None:
        tree = self._tree
        if tree is None or tree.size != size or tree.root != root:
            return None
        return tree

    def remember(self, tree: _CachedTree) -> None:
        self._tree = tree


@dataclass(frozen=True)
class _CachedTree:
    size: int
    root: Hash
    edge: Mapping[int, bytes]
    runs: Mapping[RunKey, bytes]


def integrate(
    *,
    session: Session,
    signer: NoteSigner,
    origin: str,
    faults: Faults = NO_FAULTS,
    cache: TreeCache | None = None,
) -> Checkpoint | None:
    """Integrate every sequenced but unintegrated entry and sign a checkpoint.

    Writes the new tiles, then signs and stores the checkpoint and moves the log
    state (the commit point), in the caller's transaction. Returns the new
    checkpoint, or None when there is nothing new (the first call on an empty
    log signs the checkpoint of size 0). Raises LogIntegrityError when the
    stored log contradicts itself. ``cache`` (see :class:`TreeCache`) saves
    re-reading and re-hashing the tree this process integrated last.
    """
    if signer.name != origin:
        raise InvalidInput(f"log key is named {signer.name!r}, not the origin {origin!r}")
    _lock(session)
    faults.reached(Step.INTEGRATE_LOCKED)
    state = _load_state(session)
    old_size, old_root = state.size, state.root
    # 1. The right edge of the committed tree must hash to its root: the new tree
    #    is built on it, so it is consistent with every checkpoint signed before.
    #    A cache naming this same committed tree was checked when it was made.
    cached = None if cache is None else cache.lookup(old_size, old_root)
    if cached is not None:
        edge, runs = cached.edge, cached.runs
    else:
        edge = _read_edge(session, old_size)
        committed_root, runs = edge_root_and_runs(old_size, edge)
        if committed_root != old_root:
            raise LogIntegrityError(f"stored tiles do not give the root of tree size {old_size}")
    # 2. The entries sequenced since.
    new_leaves = leaf_hashes(_entries_from(session, old_size))
    faults.reached(Step.INTEGRATE_READ)
    if not new_leaves and state.note is not None:
        return None
    # 3. Tiles. A crash after this leaves tiles no checkpoint covers yet; they
    #    are what the next integration computes again, byte for byte.
    growth = grow(old_size, edge, new_leaves)
    new_root, new_runs = edge_root_and_runs(growth.size, growth.edge, runs)
    _write_tiles(session, growth.tiles)
    faults.reached(Step.INTEGRATE_TILES)
    # 4. Sign. Ed25519 is deterministic: a retry signs the same bytes.
    checkpoint = Checkpoint(origin, growth.size, new_root)
    note = sign_checkpoint(checkpoint, signer)
    faults.reached(Step.INTEGRATE_SIGNED)
    # 5. Record the checkpoint in the history.
    _record_checkpoint(session, checkpoint, note)
    faults.reached(Step.INTEGRATE_RECORDED)
    # 6. Commit point: compare-and-swap the log state.
    result = session.connection().execute(
        _SWAP_STATE,
        {
            "old_size": old_size,
            "old_root": old_root,
            "size": growth.size,
            "root": new_root,
            "note": note,
        },
    )
    if getattr(result, "rowcount", 0) != 1:
        raise LogIntegrityError("the log state changed during integration")
    if cache is not None:
        # Only used again if this transaction commits (the state then names it).
        cache.remember(_CachedTree(growth.size, new_root, growth.edge, new_runs))
    faults.reached(Step.INTEGRATE_COMMITTED)
    return checkpoint


def integrate_pending(
    *,
    sessions: sessionmaker[Session],
    signer: NoteSigner,
    origin: str,
    faults: Faults = NO_FAULTS,
    cache: TreeCache | None = None,
) -> Checkpoint | None:
    """Run :func:`integrate` in its own transaction.

    Call it after each committed change that appended entries, and at start-up:
    it finishes any integration a crash interrupted.
    """
    with transaction(sessions) as session:
        return integrate(session=session, signer=signer, origin=origin, faults=faults, cache=cache)


@dataclass(frozen=True)
class _State:
    size: int
    root: Hash
    note: bytes | None


def _state_row(session: Session) -> _State | None:
    # Core, not the ORM: integration moves this row with a Core compare-and-swap,
    # and an identity-map copy could be stale.
    row = session.connection().execute(_SELECT_STATE).first()
    if row is None:
        return None
    size, root, note = row
    return _State(int(size), Hash(bytes(root)), None if note is None else bytes(note))


def _load_state(session: Session) -> _State:
    state = _state_row(session)
    if state is None:
        # First integration on this database (under the writer lock).
        session.connection().execute(
            insert(LogState).values(id=1, size=0, root=EMPTY_ROOT, note=None)
        )
        state = _State(0, EMPTY_ROOT, None)
    return state


def _read_edge(session: Session, size: int) -> dict[int, bytes]:
    # The partial tile at each level of the tree of ``size``; stored tiles may
    # be wider (left by an integration that did not commit), never narrower.
    edge: dict[int, bytes] = {}
    level = 0
    while size >> (TILE_HEIGHT * level):
        width = partial_width(level, size)
        if width:
            index = size >> (TILE_HEIGHT * (level + 1))
            data = (
                session.connection()
                .execute(_SELECT_TILE, {"level": level, "idx": index})
                .scalar_one_or_none()
            )
            if data is None or len(data) < width * HASH_SIZE:
                raise LogIntegrityError(f"tile {level}/{index} of tree size {size} is missing")
            edge[level] = bytes(data[: width * HASH_SIZE])
        level += 1
    return edge


def _entries_from(session: Session, start: int) -> Iterator[bytes]:
    # Every entry from index ``start`` on, checking that indexes are dense.
    expected = start
    while True:
        rows = (
            session.connection()
            .execute(_SELECT_ENTRIES, {"start": expected, "limit": _READ_CHUNK})
            .all()
        )
        for idx, data in rows:
            if idx != expected:
                raise LogIntegrityError(f"log entry {expected} is missing")
            yield bytes(data)
            expected += 1
        if len(rows) < _READ_CHUNK:
            return


def _write_tiles(session: Session, tiles: Mapping[tuple[int, int], bytes]) -> None:
    by_level: dict[int, list[int]] = {}
    for level, index in tiles:
        by_level.setdefault(level, []).append(index)
    inserts = []
    for level, indexes in by_level.items():
        existing = {
            int(idx): bytes(data)
            for idx, data in session.connection().execute(
                _SELECT_TILE_RANGE, {"level": level, "lo": min(indexes), "hi": max(indexes)}
            )
        }
        for index in indexes:
            data = tiles[(level, index)]
            old = existing.get(index)
            if old is None:
                inserts.append({"level": level, "idx": index, "data": data})
                continue
            # A tile only grows; whatever is stored must agree with what we computed.
            shorter, longer = sorted((old, data), key=len)
            if not longer.startswith(shorter):
                raise LogIntegrityError(f"stored tile {level}/{index} disagrees with the entries")
            if len(data) > len(old):
                session.connection().execute(
                    _UPDATE_TILE, {"t_level": level, "t_idx": index, "data": data}
                )
    if inserts:
        session.connection().execute(_INSERT_TILE, inserts)


def _record_checkpoint(session: Session, checkpoint: Checkpoint, note: bytes) -> None:
    conn = session.connection()
    old = conn.execute(_CHECKPOINT_ROOT, {"size": checkpoint.size}).scalar_one_or_none()
    params = {"size": checkpoint.size, "root": checkpoint.root, "note": note}
    if old is None:
        conn.execute(_INSERT_CHECKPOINT, params)
    elif bytes(old) != checkpoint.root:
        raise LogIntegrityError(f"two different roots for tree size {checkpoint.size}")
    else:
        conn.execute(_UPDATE_CHECKPOINT_NOTE, {"cp_size": checkpoint.size, "note": note})


# --- reading -----------------------------------------------------------------


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
    state = _state_row(session)
    sequenced = _next_index(session)
    if state is None:
        return LogStatus(0, EMPTY_ROOT, None, sequenced)
    return LogStatus(state.size, state.root, state.note, sequenced)


def latest_checkpoint(*, session: Session) -> bytes | None:
    """The latest signed checkpoint note, or None before the first integration."""
    return status(session=session).checkpoint


def checkpoint_history(*, session: Session) -> list[tuple[int, bytes]]:
    """Every (size, signed note) the log signed, smallest first."""
    rows = session.execute(select(LogCheckpoint.size, LogCheckpoint.note).order_by("size"))
    return [(int(size), bytes(note)) for size, note in rows]


def _signed_size(session: Session) -> int:
    state = _state_row(session)
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


def proof_text(*, session: Session, index: int) -> bytes:
    """C2SP tlog-proof of entry ``index`` against the latest checkpoint."""
    state = _state_row(session)
    if state is None or state.note is None or not 0 <= index < state.size:
        raise NotFound(f"log entry {index} is not in a signed checkpoint yet")
    proof = inclusion_proof(index, state.size, DatabaseHashReader(session))
    return TlogProof(index=index, proof=proof, checkpoint_note=state.note).format()


def read_commitment(*, session: Session, index: int, cipher: FieldCipher) -> tuple[bytes, bytes]:
    """The (salt, canonical private record) that open entry ``index``'s commitment.

    For the subject's notice and for courts. Checks that they do open it.
    """
    entry = session.get(LogEntry, index)
    if entry is None:
        raise NotFound(f"no log entry {index}")
    row = session.get(LogCommitment, index)
    if row is None:
        raise LogIntegrityError(f"log entry {index} has no stored commitment opening")
    opened = cipher.decrypt(bytes(row.sealed), label=COMMITMENT_LABEL)
    salt, canonical = opened[:SALT_SIZE], opened[SALT_SIZE:]
    if len(salt) != SALT_SIZE or not check_commitment(bytes(entry.data), salt, canonical):
        raise LogIntegrityError(f"stored opening does not match log entry {index}")
    return salt, canonical
