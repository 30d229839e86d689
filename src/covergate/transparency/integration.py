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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from covergate.db import transaction
from covergate.errors import InvalidInput, LogIntegrityError
from covergate.tlog.checkpoint import Checkpoint, sign_checkpoint
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash
from covergate.tlog.note import NoteSigner
from covergate.tlog.tiles import TILE_HEIGHT, partial_width
from covergate.transparency.faults import NO_FAULTS, Faults, Step
from covergate.transparency.lock import lock_writer
from covergate.transparency.models import LogCheckpoint, LogEntry, LogState, LogTile
from covergate.transparency.state import CommittedState, read_state
from covergate.transparency.tree import RunKey, edge_root_and_runs, grow, leaf_hashes

__all__ = ["TreeCache", "integrate", "integrate_pending"]

_READ_CHUNK = 4096

# Statements built once: building a SQL expression costs more than running it.
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


def _load_state(session: Session) -> CommittedState:
    state = read_state(session)
    if state is None:
        # First integration on this database (under the writer lock).
        session.connection().execute(
            insert(LogState).values(id=1, size=0, root=EMPTY_ROOT, note=None)
        )
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
