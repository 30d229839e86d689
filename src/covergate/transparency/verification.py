"""Verifying a published log from its entry bundles: all of it, or what is new.

The same steps as :func:`covergate.tlog.verify.verify_full_log` (numbered
below), computed with :func:`covergate.transparency.tree.grow` so that every
Merkle node is hashed once; the tests check both agree.

:func:`verify_log` recomputes the whole tree and, given an older checkpoint,
checks it is a prefix (its root is the root of its first entries).
:func:`verify_extension` is what a monitor does on each new checkpoint: fetch
the older tree's partial tiles, authenticate them against the older root, then
read only the new entries and recompute the new tiles and root. Either way the
new checkpoint is proved consistent with the old one without trusting the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from covergate.errors import VerificationFailed
from covergate.tlog.bundles import decode_bundle
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.hashing import HASH_SIZE, Hash
from covergate.tlog.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    entries_path,
    partial_width,
    tile_path,
)
from covergate.tlog.verify import LogSource
from covergate.transparency.tree import (
    TILE_BYTES,
    bundle_leaf_hashes,
    edge_root,
    grow,
    leaf_hashes,
)

__all__ = ["LogReport", "verify_extension", "verify_log"]

Progress = Callable[[int], None]

_GROW_CHUNK = 16 * TILE_WIDTH
"""Leaf hashes grown into the tree at once (and progress reported after)."""
OnEntry = Callable[[int, bytes], None]


@dataclass(frozen=True)
class LogReport:
    """What was checked: the tree, how many entries and tiles were read, and
    the size of the older checkpoint it was checked against (if any)."""

    size: int
    root: Hash
    entries_checked: int
    tiles_checked: int
    consistent_with: int | None


def verify_log(
    source: LogSource,
    checkpoint: Checkpoint,
    *,
    old: Checkpoint | None = None,
    progress: Progress | None = None,
    on_entry: OnEntry | None = None,
) -> LogReport:
    """Recompute the tree of ``checkpoint`` (signature already checked) from
    every entry bundle and compare every tile and the root; with ``old``, also
    check that the older checkpoint's tree is a prefix. Raises
    VerificationFailed, MalformedLogData or NotFound."""
    return _run(source, checkpoint, 0, {}, old, progress, on_entry)


def verify_extension(
    source: LogSource,
    old: Checkpoint,
    checkpoint: Checkpoint,
    *,
    progress: Progress | None = None,
    on_entry: OnEntry | None = None,
) -> LogReport:
    """Check ``checkpoint`` extends ``old`` reading only the entries after it."""
    if checkpoint.size < old.size:
        raise VerificationFailed(f"the log shrank from size {old.size} to {checkpoint.size}")
    # 0. The old tree's right edge, authenticated by the old root.
    edge: dict[int, bytes] = {}
    level = 0
    while old.size >> (TILE_HEIGHT * level):
        width = partial_width(level, old.size)
        if width:
            tile = Tile(level, old.size >> (TILE_HEIGHT * (level + 1)), width)
            edge[level] = source.fetch(tile_path(tile))
            if len(edge[level]) != width * HASH_SIZE:
                raise VerificationFailed(f"tile {tile_path(tile)} has the wrong size")
        level += 1
    if edge_root(old.size, edge) != old.root:
        raise VerificationFailed(
            f"the log's tiles do not match the old checkpoint of size {old.size}"
        )
    return _run(source, checkpoint, old.size, edge, old, progress, on_entry)


def _run(
    source: LogSource,
    checkpoint: Checkpoint,
    start: int,
    edge: dict[int, bytes],
    old: Checkpoint | None,
    progress: Progress | None,
    on_entry: OnEntry | None,
) -> LogReport:
    size = checkpoint.size
    if old is not None and old.size > size:
        raise VerificationFailed(f"the log shrank from size {old.size} to {size}")
    old_pending = old is not None and old.size > start
    if old is not None and old.size == start == size and old.root != checkpoint.root:
        raise VerificationFailed(f"two different roots for tree size {size}")
    done = start
    tiles_checked = 0

    def check_tile(tile: Tile, data: bytes) -> None:
        nonlocal tiles_checked
        # 2. Every hash tile is byte for byte the recomputed one.
        path = tile_path(tile)
        if source.fetch(path) != data:
            raise VerificationFailed(f"tile {path} does not match the entries")
        tiles_checked += 1

    def bundle_hashes(n: int) -> list[Hash]:
        # The leaf hashes of bundle n not verified yet.
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        path = entries_path(n, width)
        data = source.fetch(path)
        # Without on_entry, hash straight from the bundle bytes: no entry list.
        entries = None if on_entry is None else decode_bundle(data)
        hashes = bundle_leaf_hashes(data) if entries is None else leaf_hashes(entries)
        # 1. Each bundle holds exactly the entries its width says.
        if len(hashes) != width:
            raise VerificationFailed(f"entry bundle {path} holds {len(hashes)} entries")
        skip = max(0, done + len(pending) - n * TILE_WIDTH)  # already verified
        if on_entry is not None and entries is not None:
            for i, entry in enumerate(entries[skip:]):
                on_entry(n * TILE_WIDTH + skip + i, entry)
        return hashes[skip:]

    pending: list[Hash] = []
    last = (size + TILE_WIDTH - 1) // TILE_WIDTH - 1
    for n in range(start // TILE_WIDTH, last + 1):
        pending += bundle_hashes(n)
        if len(pending) < _GROW_CHUNK and n < last:
            continue  # grow several bundles at once: fewer edges to re-split
        hashes, pending = pending, []
        if old is not None and old_pending and done + len(hashes) >= old.size:
            # 4. The old checkpoint's tree is a prefix of this one.
            if grow(done, edge, hashes[: old.size - done]).root != old.root:
                raise VerificationFailed(
                    f"the log is not consistent with the old checkpoint of size {old.size}"
                )
            old_pending = False
        growth = grow(done, edge, hashes)
        for (level, index), data in growth.tiles.items():
            if len(data) == TILE_BYTES:
                check_tile(Tile(level, index, TILE_WIDTH), data)
        edge = growth.edge
        done += len(hashes)
        if progress is not None:
            progress(done)
    # 2. The partial tiles of this size.
    for level, data in sorted(edge.items()):
        tile = Tile(level, size >> (TILE_HEIGHT * (level + 1)), len(data) // HASH_SIZE)
        check_tile(tile, data)
    # 3. The root.
    root = edge_root(size, edge)
    if root != checkpoint.root:
        raise VerificationFailed(
            f"the entries give another root than the checkpoint of size {size}"
        )
    return LogReport(size, root, done - start, tiles_checked, None if old is None else old.size)
