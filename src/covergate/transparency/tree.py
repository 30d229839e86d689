"""Growing the log's hash tiles from new leaf hashes, in memory.

Integration and full-log verification both need the same computation: given
the *right edge* of a tree of ``old_size`` leaves (its partial tile at each tile
level, C2SP tlog-tiles) and the leaf hashes of new entries, produce every tile
the bigger tree adds or extends, its new right edge and its root (RFC 6962
section 2.1). Each Merkle node is hashed exactly once: a full tile's subtree
root is the hash carried to the level above, and the root is folded from the
complete subtrees held by the right edge.

Pure functions over bytes, no I/O. Tile keys are ``(tile level, tile index)``;
tile data is the concatenation of the tile's hashes.

>>> from covergate.tlog.hashing import leaf_hash
>>> g = grow(0, {}, [leaf_hash(b"a"), leaf_hash(b"b")])
>>> sorted(g.tiles), g.size
([(0, 0)], 2)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

from covergate.errors import LogIntegrityError, MalformedLogData
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash
from covergate.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, partial_width

__all__ = [
    "INTERIOR_BYTES",
    "TILE_BYTES",
    "Growth",
    "RunKey",
    "bundle_leaf_hashes",
    "edge_root",
    "edge_root_and_runs",
    "grow",
    "leaf_hashes",
    "subtree_root",
    "tile_interior",
]

TILE_BYTES = TILE_WIDTH * HASH_SIZE
INTERIOR_BYTES = (TILE_WIDTH - 1) * HASH_SIZE
"""The hashes above a full tile's own inside its subtree: 128 + 64 + ... + 1."""

_sha256 = hashlib.sha256


def leaf_hashes(entries: Iterable[bytes]) -> list[Hash]:
    """SHA-256(0x00 || entry) of each entry (RFC 6962 section 2.1)."""
    # cast, not Hash() per item: NewType's call is a Python function call.
    sha = _sha256
    return cast(list[Hash], [sha(b"\x00" + e).digest() for e in entries])


def subtree_root(data: bytes) -> Hash:
    """MTH of a complete subtree given its concatenated bottom hashes, whose
    number must be a power of two."""
    count = len(data) // HASH_SIZE
    if count == 0 or count & (count - 1) or len(data) % HASH_SIZE:
        raise LogIntegrityError(f"{len(data)} bytes are not a complete subtree of hashes")
    return Hash(_fold([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]))


def _fold(hashes: list[bytes]) -> bytes:
    # The root of a complete subtree (a power of two of hashes, at least one).
    # Hashes stay separate bytes objects: pairing list items costs less than
    # slicing pairs out of one joined string, and this is the hot loop of both
    # integration and full-log verification.
    sha = _sha256
    while len(hashes) > 1:
        hashes = [
            sha(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes), 2)
        ]
    return hashes[0]


def _fold_rows(hashes: list[bytes]) -> tuple[bytes, bytes]:
    # _fold, keeping every row above the bottom: (root, the rows joined, lowest first).
    sha = _sha256
    rows = []
    while len(hashes) > 1:
        hashes = [
            sha(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes), 2)
        ]
        rows.append(b"".join(hashes))
    return hashes[0], b"".join(rows)


def tile_interior(data: bytes) -> bytes:
    """The interior of the full tile ``data``: the hashes of every complete
    subtree above its 256, by height inside the tile (128 hashes, then 64, ...,
    then the tile's root), concatenated; :data:`INTERIOR_BYTES` long."""
    if len(data) != TILE_BYTES:
        raise LogIntegrityError(f"{len(data)} bytes are not a full tile")
    return _fold_rows([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])[1]


def bundle_leaf_hashes(data: bytes) -> list[Hash]:
    """The leaf hashes of the entries of an entry bundle (C2SP tlog-tiles),
    without building the entries first: what :func:`leaf_hashes` of
    ``decode_bundle(data)`` gives, with its MalformedLogData errors, in one pass."""
    sha = _sha256
    out: list[bytes] = []
    append = out.append
    at, end = 0, len(data)
    try:
        while at < end:
            stop = at + 2 + (data[at] << 8 | data[at + 1])
            append(sha(b"\x00" + data[at + 2 : stop]).digest())
            at = stop
    except IndexError:
        raise MalformedLogData("malformed entry bundle: truncated length") from None
    # Stops only grow, so only the last entry can run past the end.
    if at != end:
        raise MalformedLogData("malformed entry bundle: truncated entry")
    return cast(list[Hash], out)


@dataclass(frozen=True)
class Growth:
    """The result of :func:`grow`.

    ``tiles`` maps (level, index) to the data of every tile the new tree added
    or extended, at its new width; ``edge`` maps tile level to the data of the
    new tree's partial tile at that level (levels without one are absent);
    ``interiors`` maps each of those tiles that is full to its
    :func:`tile_interior`, when :func:`grow` was asked to keep them (else empty).
    """

    size: int
    tiles: dict[tuple[int, int], bytes]
    edge: dict[int, bytes]
    interiors: dict[tuple[int, int], bytes] = field(default_factory=dict)

    @cached_property
    def root(self) -> Hash:
        """MTH of the grown tree (computed on first use)."""
        return edge_root(self.size, self.edge)


def grow(
    old_size: int,
    old_edge: Mapping[int, bytes],
    new_leaves: Sequence[bytes],
    *,
    interiors: bool = False,
) -> Growth:
    """Add ``new_leaves`` (leaf hashes) to the tree of ``old_size`` whose right
    edge is ``old_edge``. With ``interiors``, also keep the interior of every
    full tile it hashes (no extra hashing: the rows are the fold's own).

    Raises LogIntegrityError when the edge does not have the widths a tree of
    ``old_size`` has.
    """
    check_edge(old_size, old_edge)
    tiles: dict[tuple[int, int], bytes] = {}
    inside: dict[tuple[int, int], bytes] = {}
    edge = dict(old_edge)
    hashes: list[bytes] = list(new_leaves)
    before = old_size  # hashes at this tile level's bottom before the new leaves
    level = 0
    join = b"".join
    while hashes:
        old = edge.get(level, b"")
        row = [old[i : i + HASH_SIZE] for i in range(0, len(old), HASH_SIZE)] + hashes
        first = before >> TILE_HEIGHT
        up: list[bytes] = []
        for k, at in enumerate(range(0, len(row), TILE_WIDTH)):
            chunk = row[at : at + TILE_WIDTH]
            tiles[(level, first + k)] = join(chunk)
            if len(chunk) == TILE_WIDTH:
                # Only full tiles are hashed into the level above.
                if interiors:
                    root, inside[(level, first + k)] = _fold_rows(chunk)
                    up.append(root)
                else:
                    up.append(_fold(chunk))
        tail = len(row) % TILE_WIDTH
        if tail:
            edge[level] = join(row[-tail:])
        else:
            edge.pop(level, None)
        hashes = up
        before >>= TILE_HEIGHT
        level += 1
    size = old_size + len(new_leaves)
    return Growth(size=size, tiles=tiles, edge=edge, interiors=inside)


def check_edge(size: int, edge: Mapping[int, bytes]) -> None:
    """Raise LogIntegrityError unless ``edge`` has the partial tiles of ``size``."""
    top = 0
    while size >> (TILE_HEIGHT * top):
        top += 1
    for level in range(max(top, max(edge, default=-1) + 1)):
        want = partial_width(level, size) * HASH_SIZE
        if len(edge.get(level, b"")) != want:
            raise LogIntegrityError(
                f"stored partial tile at level {level} does not fit a tree of size {size}"
            )


RunKey = tuple[int, int, int, int]
"""A complete subtree inside a partial tile: (tile level, tile index, offset, width)."""


def edge_root(size: int, edge: Mapping[int, bytes]) -> Hash:
    """MTH of the tree of ``size`` from its right edge.

    The maximal complete subtrees of a tree lie, left to right, in its partial
    tiles from the top level down; inside a tile of width w they are the runs
    given by w's binary digits, largest first.
    """
    return edge_root_and_runs(size, edge)[0]


def edge_root_and_runs(
    size: int, edge: Mapping[int, bytes], known: Mapping[RunKey, bytes] | None = None
) -> tuple[Hash, dict[RunKey, bytes]]:
    """:func:`edge_root`, reusing and returning the roots of the runs it hashed.

    ``known`` must come from this function called on *the same tree or a tree
    it extends* (keys name positions, not contents): a run complete in a tree
    stays complete, with the same root, in every tree that extends it. Given
    that, a checkpoint after a few appends hashes only the runs the appends
    changed, instead of up to 255 hashes per tile level. The returned mapping
    holds the runs of this tree, for the next call.
    """
    check_edge(size, edge)
    runs: dict[RunKey, bytes] = {}
    if size == 0:
        return EMPTY_ROOT, runs
    previous: Mapping[RunKey, bytes] = known or {}
    roots: list[bytes] = []
    for level in sorted(edge, reverse=True):
        data = edge[level]
        width = len(data) // HASH_SIZE
        index = size >> (TILE_HEIGHT * (level + 1))
        at = 0
        for bit in range(TILE_HEIGHT - 1, -1, -1):
            run = 1 << bit
            if width & run:
                roots.append(_run_root(data, (level, index, at, run), previous, runs))
                at += run
    root = roots[-1]
    for left in reversed(roots[:-1]):
        root = _sha256(b"\x01" + left + root).digest()
    return Hash(root), runs


_DIRECT_RUN = 8  # runs this small are hashed outright rather than split and looked up


def _run_root(
    data: bytes, key: RunKey, known: Mapping[RunKey, bytes], runs: dict[RunKey, bytes]
) -> bytes:
    root = known.get(key)
    if root is None:
        level, index, at, run = key
        if run <= _DIRECT_RUN:
            root = subtree_root(data[at * HASH_SIZE : (at + run) * HASH_SIZE])
        else:
            half = run >> 1
            left = _run_root(data, (level, index, at, half), known, runs)
            right = _run_root(data, (level, index, at + half, half), known, runs)
            root = _sha256(b"\x01" + left + right).digest()
    runs[key] = root
    return root
