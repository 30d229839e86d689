"""A :class:`covergate.tlog.stored_hashes.HashReader` over the tiles in the database.

Any stored hash (golang.org/x/mod/sumdb/tlog layout) of an integrated tree lies
in one tile: the hash of subtree (level, n) is the root of a run of
2**(level mod 8) hashes inside tile level level // 8. The reader trusts the
database (it is the log's own copy); third parties use
:class:`covergate.tlog.tiles.TileHashReader`, which authenticates every tile.
Not thread-safe; one reader per session.

Given the size of the tree it reads, the reader also uses a process-wide cache
of the hashes inside *full* tiles (every level of the 256-leaf subtree a full
tile holds). A full tile never changes once its entries are committed, but
one written by an integration that rolled back could differ; so the cache is
keyed by content, not position: by the tile's subtree root, which the tile one
level up (or a partial tile read from the database) names. A root names one
subtree, so a cached tile can only ever stand for itself, whatever database,
transaction or rollback it came from. Proofs then read only the partial tiles
on the tree's right edge and the tiles not cached yet. A full tile not cached
yet comes with its stored interior (``log_tiles.interior``, written by
integration), so a cold proof reads its rows instead of hashing them; a tile
without one (written before migration 0011 by hand) is hashed as before.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence

from sqlalchemy.orm import Session

from covergate.errors import LogIntegrityError
from covergate.tlog.hashing import HASH_SIZE, Hash
from covergate.tlog.stored_hashes import split_stored_hash_index, stored_hash_index
from covergate.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, hash_from_tile, partial_width
from covergate.transparency.state import driver_fetchone

__all__ = [
    "DatabaseHashReader",
    "TileCache",
    "TileRows",
    "full_tiles",
    "interior_rows",
    "partial_tiles",
    "tile_rows",
]

# Fixed statements in each driver's parameter style: the driver's own execute
# costs a fraction of a Core statement's, and proofs run a few per request.
_SELECT_TILE_QMARK = "SELECT data FROM log_tiles WHERE level = ? AND idx = ?"
_SELECT_FULL_QMARK = "SELECT data, interior FROM log_tiles WHERE level = ? AND idx = ?"
_FULL_BYTES = TILE_WIDTH * HASH_SIZE
_INTERIOR_BYTES = _FULL_BYTES - HASH_SIZE

TileRows = tuple[bytes, ...]
"""The hashes of a full tile by height inside it: rows[h] holds 256 >> h hashes."""


class TileCache:
    """A bounded, thread-safe map from a tile's content (a full tile's subtree
    root, or a partial tile's data) to its rows.

    Least recently used tiles are dropped first. Each entry is about 16 KB (the
    tile's 8 KB and the 8 KB of hashes above it inside the tile).
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._rows: OrderedDict[Hashable, TileRows] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> TileRows | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key: Hashable, rows: TileRows) -> None:
        """Remember ``rows`` under ``key``: a full tile's root, or a partial tile's data."""
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while len(self._rows) > self._limit:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)


full_tiles = TileCache(2048)
"""The process's cache (at most about 32 MB): 2,048 tiles cover 524,288 entries
at level 0, and every level-1 tile of a log of 134 million."""


partial_tiles = TileCache(256)
"""Rows of the partial tiles of recently read trees, keyed by (size, root,
level): the right edge, which nearly every proof crosses."""


def tile_rows(data: bytes) -> TileRows:
    """Every complete subtree hash inside the tile ``data``, by height: rows[h]
    holds width >> h hashes (all 256 >> h for a full tile)."""
    sha = hashlib.sha256
    level = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    rows = [data]
    while len(level) > 1:
        level = [
            sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        rows.append(b"".join(level))
    return tuple(rows)


def interior_rows(data: bytes, interior: bytes) -> TileRows:
    """The rows of the full tile ``data`` from its stored ``interior``
    (:func:`covergate.transparency.tree.tile_interior`), without hashing:
    what :func:`tile_rows` computes, if the interior is the tile's. Raises
    LogIntegrityError unless both have a full tile's sizes."""
    if len(data) != _FULL_BYTES or len(interior) != _INTERIOR_BYTES:
        raise LogIntegrityError(
            f"{len(data)} and {len(interior)} bytes are not a full tile and its interior"
        )
    rows = [data]
    at, width = 0, TILE_WIDTH // 2
    while width:
        end = at + width * HASH_SIZE
        rows.append(interior[at:end])
        at, width = end, width // 2
    return tuple(rows)


class DatabaseHashReader:
    """Reads stored hashes from ``log_tiles``, caching the tiles it loads.

    With ``tree`` (the (size, root) of the tree the hashes are read for, one the
    log signed), hashes inside full tiles come from :data:`full_tiles` and those
    inside the tree's partial tiles from :data:`partial_tiles`, keyed by
    (size, root, level): a root names one tree, so its partial tiles too.
    """

    def __init__(self, session: Session, tree: tuple[int, Hash] | None = None) -> None:
        self._session = session
        self._tree = tree
        self._tiles: dict[tuple[int, int], bytes] = {}
        self._rows: dict[tuple[int, int], TileRows] = {}

    def tile(self, level: int, index: int) -> bytes:
        """The stored data of tile (level, index) at its widest; b"" if none."""
        key = (level, index)
        data = self._tiles.get(key)
        if data is None:
            row = driver_fetchone(self._session, _SELECT_TILE_QMARK, (level, index))
            data = b"" if row is None else bytes(row[0])
            self._tiles[key] = data
        return data

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        return self.subtree_hashes([split_stored_hash_index(index) for index in indexes])

    def subtree_hashes(self, positions: Sequence[tuple[int, int]]) -> list[Hash]:
        """The hashes of complete subtrees (level, n), found in their tiles
        directly (:class:`covergate.tlog.inclusion.SubtreeHashReader`)."""
        out = []
        tree = self._tree
        rows_of = self._tile_rows
        for level, n in positions:
            tile_level, inner = divmod(level, TILE_HEIGHT)
            tile_index = (n << inner) >> TILE_HEIGHT
            if tree is None:
                index = stored_hash_index(level, n)
                data = self.tile(tile_level, tile_index)
                width = len(data) // HASH_SIZE
                # The run of 2**inner hashes must lie inside the stored part.
                end = ((n + 1) << inner) - (tile_index << TILE_HEIGHT)
                if width == 0 or end > width:
                    raise LogIntegrityError(f"stored hash {index} is missing from the tiles")
                out.append(hash_from_tile(Tile(tile_level, tile_index, width), data, index))
                continue
            rows = self._rows.get((tile_level, tile_index)) or rows_of(tile_level, tile_index, tree)
            at = (n - (tile_index << (TILE_HEIGHT - inner))) * HASH_SIZE
            hash_ = rows[inner][at : at + HASH_SIZE] if inner < len(rows) else b""
            if len(hash_) != HASH_SIZE:
                raise LogIntegrityError(
                    f"stored hash {stored_hash_index(level, n)} is missing from the tiles"
                )
            out.append(Hash(hash_))
        return out

    def _tile_rows(self, level: int, index: int, tree: tuple[int, Hash]) -> TileRows:
        # The rows of tile (level, index) of ``tree``, from the caches or read.
        key = (level, index)
        rows = self._rows.get(key)
        if rows is not None:
            return rows
        size = tree[0]
        if (index + 1) << (TILE_HEIGHT * (level + 1)) > size:
            rows = self._partial_rows(level, index, tree)
        else:
            rows = self._full_rows(level, index, tree)
        self._rows[key] = rows
        return rows

    def _partial_rows(self, level: int, index: int, tree: tuple[int, Hash]) -> TileRows:
        # Only the first partial_width hashes of a stored partial tile are this
        # tree's (a wider one may have been left by a later integration).
        size, root = tree
        width = partial_width(level, size)
        if index != size >> (TILE_HEIGHT * (level + 1)) or width == 0:
            raise LogIntegrityError(f"tile {level}/{index} is not in the tree of size {size}")
        key = (size, root, level)
        rows = partial_tiles.get(key)
        if rows is None:
            data = self.tile(level, index)
            if len(data) < width * HASH_SIZE:
                raise LogIntegrityError(f"tile {level}/{index} is missing from the database")
            rows = tile_rows(data[: width * HASH_SIZE])
            partial_tiles.put(key, rows)
        return rows

    def _full_rows(self, level: int, index: int, tree: tuple[int, Hash]) -> TileRows:
        # A full tile is found in the cache by the root its parent tile holds
        # (the parent is in the tree: at least one hash sits at level + 1).
        parent, at = index >> TILE_HEIGHT, (index % TILE_WIDTH) * HASH_SIZE
        expected = self._tile_rows(level + 1, parent, tree)[0][at : at + HASH_SIZE]
        if len(expected) != HASH_SIZE:
            raise LogIntegrityError(f"tile {level + 1}/{parent} is missing from the database")
        rows = full_tiles.get(expected)
        if rows is None:
            row = driver_fetchone(self._session, _SELECT_FULL_QMARK, (level, index))
            data = b"" if row is None else bytes(row[0])
            if len(data) < _FULL_BYTES:
                raise LogIntegrityError(f"tile {level}/{index} is missing from the database")
            if row is not None and row[1] is not None:
                # The interior is trusted as the tile is (the log's own copy);
                # its root must still be the one the parent names, and the
                # audit checks every interior against its tile.
                interior = bytes(row[1])
                if len(interior) != _INTERIOR_BYTES:
                    raise LogIntegrityError(
                        f"tile {level}/{index}'s stored interior has {len(interior)} bytes, "
                        f"not {_INTERIOR_BYTES}"
                    )
                rows = interior_rows(data[:_FULL_BYTES], interior)
            else:
                rows = tile_rows(data[:_FULL_BYTES])
            if rows[-1] != expected:
                raise LogIntegrityError(
                    f"tile {level}/{index} disagrees with tile {level + 1}/{parent}"
                )
            full_tiles.put(expected, rows)
        return rows
