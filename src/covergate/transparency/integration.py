"""Integration: writing the tiles of sequenced entries and signing a checkpoint.

Durability and concurrency (the Sunlight/Tessera design, in one database):

- :func:`integrate` takes the writer lock (:mod:`covergate.transparency.lock`),
  reads the entries after the last checkpoint, writes the tiles they add, signs
  a checkpoint, records it, and compare-and-swaps the one ``log_state`` row
  from the old (size, root) to the new one. That update is the **commit
  point**: until it commits nothing new is served; after, the tiles and
  checkpoint are. All of it is one transaction, so a crash anywhere leaves the
  previous state; tiles are deterministic functions of the committed entries,
  so any that did persist are rewritten with the same bytes. Recovery is
  :func:`integrate` again.
- The log never signs two inconsistent checkpoints: a new tree is built only on
  the stored right edge of the committed tree, after checking that edge hashes
  to the committed root, and the compare-and-swap fails if anything else moved
  the state meanwhile.

Services flush and never commit; :func:`integrate_pending` is the one helper
that opens its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from covergate.db import transaction
from covergate.errors import InvalidInput, LogIntegrityError
from covergate.tlog.checkpoint import Checkpoint, sign_checkpoint
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash
from covergate.tlog.note import NoteSigner
from covergate.tlog.tiles import TILE_HEIGHT, partial_width
from covergate.transparency.faults import NO_FAULTS, Faults, Step
from covergate.transparency.lock import LAZY_COMMIT, lock_writer
from covergate.transparency.state import CommittedState, driver_fetchall, driver_sql, read_state
from covergate.transparency.tree import RunKey, edge_root_and_runs, grow, leaf_hashes

__all__ = ["TreeCache", "integrate", "integrate_pending"]

_READ_CHUNK = 4096

# Fixed statements, run with the driver's own execute: a Core statement costs
# several times more Python than the SQLite call it makes. Written with "?"
# and given each driver's parameter style by _sql. The upserts need SQLite
# 3.24 / PostgreSQL 9.5.
_SWAP_STATE = (
    "UPDATE log_state SET size = ?, root = ?, note = ? WHERE id = 1 AND size = ? AND root = ?"
)
_SELECT_TILE = "SELECT data FROM log_tiles WHERE level = ? AND idx = ?"
_SELECT_TILE_RANGE = "SELECT idx, data FROM log_tiles WHERE level = ? AND idx >= ? AND idx <= ?"
_INSERT_TILE = "INSERT INTO log_tiles (level, idx, data, interior) VALUES (?, ?, ?, ?)"
_UPDATE_TILE = "UPDATE log_tiles SET data = ?, interior = ? WHERE level = ? AND idx = ?"
# A tile only grows: a stored one is replaced only by an extension of itself.
# Anything else (stored longer, or different) is left for the checked path.
# A full tile carries its interior (NULL for a partial one).
_UPSERT_TILES = (
    "INSERT INTO log_tiles (level, idx, data, interior) VALUES {values} "
    "ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data, interior = excluded.interior "
    "WHERE {prefix}(excluded.data, 1, length(log_tiles.data)) = log_tiles.data"
)
# The same size signed again must have the same root (then the note is replaced).
_UPSERT_CHECKPOINT = (
    "INSERT INTO log_checkpoints (size, root, note) VALUES (?, ?, ?) "
    "ON CONFLICT (size) DO UPDATE SET note = excluded.note "
    "WHERE log_checkpoints.root = excluded.root"
)
_SELECT_ENTRIES = "SELECT idx, data FROM log_entries WHERE idx >= ? ORDER BY idx LIMIT ?"
_INSERT_STATE = "INSERT INTO log_state (id, size, root, note) VALUES (1, 0, ?, NULL)"


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
    lock_writer(session)
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
    growth = grow(old_size, edge, new_leaves, interiors=True)
    new_root, new_runs = edge_root_and_runs(growth.size, growth.edge, runs)
    _write_tiles(session, growth.tiles, growth.interiors)
    faults.reached(Step.INTEGRATE_TILES)
    # 4. Sign. Ed25519 is deterministic: a retry signs the same bytes.
    checkpoint = Checkpoint(origin, growth.size, new_root)
    note = sign_checkpoint(checkpoint, signer)
    faults.reached(Step.INTEGRATE_SIGNED)
    # 5. Record the checkpoint in the history.
    _record_checkpoint(session, checkpoint, note)
    faults.reached(Step.INTEGRATE_RECORDED)
    # 6. Commit point: compare-and-swap the log state.
    conn = session.connection()
    result = conn.exec_driver_sql(
        driver_sql(conn, _SWAP_STATE), (growth.size, new_root, note, old_size, old_root)
    )
    if result.rowcount != 1:
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

    This transaction commits without waiting for the disk (see
    :func:`_lazy_commit`): it only ever holds what integration writes, and
    integration is a deterministic function of entries already durable.
    """
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine):
        with transaction(sessions) as session:
            return integrate(
                session=session, signer=signer, origin=origin, faults=faults, cache=cache
            )
    # Integration writes with Core only: no ORM version check to turn into a
    # Conflict, so the session's own transaction is enough.
    with (
        engine.connect() as conn,
        _lazy_commit(conn),
        sessions(bind=conn) as session,
        session.begin(),
    ):
        return integrate(session=session, signer=signer, origin=origin, faults=faults, cache=cache)


@contextmanager
def _lazy_commit(conn: Connection) -> Iterator[None]:
    """Let the integration transaction on ``conn`` commit without a flush to disk.

    Why this is safe (a crash or power cut may lose this commit, never more):
    every entry it integrates was committed durably before (sequencing commits
    with ``synchronous=FULL`` / ``synchronous_commit=on``), and both databases
    write their log in order, so any later durable commit (the next sequencing)
    makes this one durable too. If it is lost, no entry was committed after it,
    so the integration that recovery runs sees the same entries and signs the
    same tree size and root, with the same bytes (Ed25519 is deterministic): a
    checkpoint already served is signed again, never contradicted. What it
    saves is one ``fsync`` per integration, half the disk waits of an append.

    PostgreSQL: ``synchronous_commit`` off for this transaction only (set with
    the writer lock, :func:`covergate.transparency.lock.lock_writer`). SQLite:
    ``synchronous`` can only change outside a transaction, so it is set to
    NORMAL before and back to FULL after, on the driver connection; a
    connection that cannot be set back is discarded, never reused.
    """
    if conn.dialect.name != "sqlite":
        conn.info[LAZY_COMMIT] = True
        try:
            yield
        finally:
            conn.info.pop(LAZY_COMMIT, None)
        return
    driver = conn.connection.driver_connection
    driver.execute("PRAGMA synchronous=NORMAL")  # type: ignore[union-attr]
    try:
        yield
    finally:
        try:
            driver.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]
        except sqlite3.Error:
            conn.invalidate()
            raise


def _load_state(session: Session) -> CommittedState:
    state = read_state(session)
    if state is None:
        # First integration on this database (under the writer lock).
        conn = session.connection()
        conn.exec_driver_sql(driver_sql(conn, _INSERT_STATE), (EMPTY_ROOT,))
        state = CommittedState(0, EMPTY_ROOT, None)
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
            conn = session.connection()
            data = conn.exec_driver_sql(driver_sql(conn, _SELECT_TILE), (level, index)).scalar()
            if data is None or len(data) < width * HASH_SIZE:
                raise LogIntegrityError(f"tile {level}/{index} of tree size {size} is missing")
            edge[level] = bytes(data[: width * HASH_SIZE])
        level += 1
    return edge


def _entries_from(session: Session, start: int) -> Iterator[bytes]:
    # Every entry from index ``start`` on, checking that indexes are dense.
    expected = start
    while True:
        rows = driver_fetchall(session, _SELECT_ENTRIES, (expected, _READ_CHUNK))
        for idx, data in rows:
            if idx != expected:
                raise LogIntegrityError(f"log entry {expected} is missing")
            yield bytes(data)
            expected += 1
        if len(rows) < _READ_CHUNK:
            return


def _write_tiles(
    session: Session,
    tiles: Mapping[tuple[int, int], bytes],
    interiors: Mapping[tuple[int, int], bytes],
) -> None:
    # One upsert for every tile; if any row was neither inserted nor extended,
    # the checked path below says why (or accepts a stored longer tile).
    if not tiles:
        return
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    statement = _UPSERT_TILES.format(
        values=", ".join(["(?, ?, ?, ?)"] * len(tiles)), prefix="substr" if sqlite else "substring"
    )
    inside = interiors.get
    params = tuple(x for key, data in tiles.items() for x in (key[0], key[1], data, inside(key)))
    if conn.exec_driver_sql(driver_sql(conn, statement), params).rowcount != len(tiles):
        _write_tiles_checked(session, tiles, interiors)


def _write_tiles_checked(
    session: Session,
    tiles: Mapping[tuple[int, int], bytes],
    interiors: Mapping[tuple[int, int], bytes],
) -> None:
    conn = session.connection()
    by_level: dict[int, list[int]] = {}
    for level, index in tiles:
        by_level.setdefault(level, []).append(index)
    for level, indexes in by_level.items():
        existing = {
            int(idx): bytes(data)
            for idx, data in conn.exec_driver_sql(
                driver_sql(conn, _SELECT_TILE_RANGE), (level, min(indexes), max(indexes))
            )
        }
        for index in indexes:
            data = tiles[(level, index)]
            old = existing.get(index)
            interior = interiors.get((level, index))
            if old is None:
                conn.exec_driver_sql(driver_sql(conn, _INSERT_TILE), (level, index, data, interior))
                continue
            # A tile only grows; whatever is stored must agree with what we computed.
            shorter, longer = sorted((old, data), key=len)
            if not longer.startswith(shorter):
                raise LogIntegrityError(f"stored tile {level}/{index} disagrees with the entries")
            if len(data) > len(old):
                conn.exec_driver_sql(driver_sql(conn, _UPDATE_TILE), (data, interior, level, index))


def _record_checkpoint(session: Session, checkpoint: Checkpoint, note: bytes) -> None:
    conn = session.connection()
    params = (checkpoint.size, checkpoint.root, note)
    if conn.exec_driver_sql(driver_sql(conn, _UPSERT_CHECKPOINT), params).rowcount != 1:
        raise LogIntegrityError(f"two different roots for tree size {checkpoint.size}")
