"""Verifying a whole published log, fast, from its entry bundles.

The same steps as :func:`covergate.tlog.verify.verify_full_log` (numbered
below), computed with :func:`covergate.transparency.tree.grow` so that every
Merkle node is hashed once; the tests check both agree. Optionally also checks
that an older checkpoint is a prefix of the verified tree, by recomputing the
older root on the way (no proof needed when every entry is read anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from covergate.errors import VerificationFailed
from covergate.tlog.bundles import decode_bundle
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.hashing import HASH_SIZE, Hash
from covergate.tlog.tiles import TILE_WIDTH, Tile, entries_path, tile_path
from covergate.tlog.verify import LogSource
from covergate.transparency.tree import TILE_BYTES, grow, leaf_hashes

__all__ = ["LogReport", "verify_log"]


@dataclass(frozen=True)
class LogReport:
    """What :func:`verify_log` checked."""

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
    progress: Callable[[int], None] | None = None,
    on_entry: Callable[[int, bytes], None] | None = None,
) -> LogReport:
    """Recompute the tree of ``checkpoint`` (already signature-checked) from the
    source's entry bundles and compare every tile and the root.

    With ``old``, also check that the old checkpoint's root is the root of the
    first ``old.size`` entries. Raises VerificationFailed, MalformedLogData or
    NotFound.
    """
    size = checkpoint.size
    if old is not None and old.size > size:
        raise VerificationFailed(
            f"old checkpoint of size {old.size} is larger than the log's {size}"
        )
    edge: dict[int, bytes] = {}
    done = 0
    tiles_checked = 0
    old_checked = old is not None and old.size == 0

    def check_tile(tile: Tile, data: bytes) -> None:
        nonlocal tiles_checked
        # 2. Every hash tile is byte for byte the recomputed one.
        path = tile_path(tile)
        if source.fetch(path) != data:
            raise VerificationFailed(f"tile {path} does not match the entries")
        tiles_checked += 1

    for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        path = entries_path(n, width)
        entries = decode_bundle(source.fetch(path))
        # 1. Each bundle holds exactly the entries its width says.
        if len(entries) != width:
            raise VerificationFailed(f"entry bundle {path} holds {len(entries)} entries")
        if on_entry is not None:
            for i, entry in enumerate(entries):
                on_entry(done + i, entry)
        hashes = leaf_hashes(entries)
        if old is not None and not old_checked and done + width >= old.size:
            # 4. The old checkpoint's tree is a prefix of this one.
            cut = old.size - done
            prefix = grow(done, edge, hashes[:cut])
            if prefix.root != old.root:
                raise VerificationFailed(
                    f"the log is not consistent with the old checkpoint of size {old.size}"
                )
            old_checked = True
        growth = grow(done, edge, hashes)
        for (level, index), data in growth.tiles.items():
            if len(data) == TILE_BYTES:
                check_tile(Tile(level, index, TILE_WIDTH), data)
        edge = growth.edge
        done += width
        if progress is not None:
            progress(done)
    # 2. The partial tiles of this size.
    for level, data in sorted(edge.items()):
        check_tile(Tile(level, size >> (8 * (level + 1)), len(data) // HASH_SIZE), data)
    # 3. The root.
    root = grow(size, edge, []).root
    if root != checkpoint.root:
        raise VerificationFailed(
            f"the entries give another root than the checkpoint of size {size}"
        )
    return LogReport(size, root, done, tiles_checked, None if old is None else old.size)
