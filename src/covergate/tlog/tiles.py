"""Tiles of C2SP tlog-tiles v0.1.0, height 8.

A level-L tile holds up to 256 consecutive hashes of tree level 8L, that is
the roots of consecutive complete subtrees of 256**L leaves; level 0 holds
leaf hashes ("Merkle Tree" section). Tile N at level L covers the hashes
256N .. 256N+255. A tile of fewer than 256 hashes is *partial*; for tree size
s the partial tile at level L has width floor(s / 256**L) mod 256 and no tile
is ever empty. Only full tiles are hashed into the level above.

Paths ("Tile paths" section): ``tile/<L>/<N>[.p/<W>]`` for hash tiles and
``tile/entries/<N>[.p/<W>]`` for entry bundles, where N is written in groups
of three digits, every group but the last prefixed with ``x``.

:class:`TileHashReader` answers stored hash reads from tiles, authenticating
every tile it uses against a trusted tree size and root first, as
golang.org/x/mod/sumdb/tlog's TileHashReader does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from covergate.errors import InvalidInput, MalformedLogData, VerificationFailed
from covergate.tlog._decimal import MAX_UINT64, parse_decimal
from covergate.tlog.hashing import HASH_SIZE, Hash, node_hash
from covergate.tlog.stored_hashes import (
    HashReader,
    split_stored_hash_index,
    stored_hash_index,
)

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "TileHashReader",
    "entries_path",
    "hash_from_tile",
    "new_tiles",
    "parse_entries_path",
    "parse_tile_path",
    "partial_width",
    "tile_data",
    "tile_hash_indexes",
    "tile_path",
    "tiles_for_size",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_MAX_LEVEL = 63


@dataclass(frozen=True, order=True)
class Tile:
    """Hash tile ``index`` at tile level ``level``, holding ``width`` hashes.

    ``width`` is 256 for a full tile and 1..255 for a partial one.
    """

    level: int
    index: int
    width: int

    def __post_init__(self) -> None:
        if not 0 <= self.level <= _MAX_LEVEL:
            raise InvalidInput(f"invalid tile level {self.level}")
        if self.index < 0:
            raise InvalidInput(f"invalid tile index {self.index}")
        if not 1 <= self.width <= TILE_WIDTH:
            raise InvalidInput(f"invalid tile width {self.width}")

    @property
    def is_full(self) -> bool:
        """Whether the tile holds all 256 hashes."""
        return self.width == TILE_WIDTH


# --- paths -----------------------------------------------------------------


def _encode_index(n: int) -> str:
    # 1234067 -> "x001/x234/067"
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(tile: Tile) -> str:
    """Return ``tile/<L>/<N>[.p/<W>]``.

    >>> tile_path(Tile(0, 1234067, 256))
    'tile/0/x001/x234/067'
    >>> tile_path(Tile(1, 5, 3))
    'tile/1/005.p/3'
    """
    return f"tile/{tile.level}/{_encode_index(tile.index)}{_width_suffix(tile.width)}"


def entries_path(index: int, width: int) -> str:
    """Return ``tile/entries/<N>[.p/<W>]`` for entry bundle ``index``.

    >>> entries_path(1234, 256)
    'tile/entries/x001/234'
    """
    if index < 0:
        raise InvalidInput(f"invalid entry bundle index {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise InvalidInput(f"invalid entry bundle width {width}")
    return f"tile/entries/{_encode_index(index)}{_width_suffix(width)}"


def _width_suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


_GROUP = re.compile(r"x[0-9]{3}")
_LAST_GROUP = re.compile(r"[0-9]{3}")
_MAX_INDEX = MAX_UINT64 >> TILE_HEIGHT  # tile or bundle index of a tree of 2**64 - 1 leaves
_MAX_GROUPS = len(_encode_index(_MAX_INDEX).split("/"))


def _parse_after_prefix(rest: str, what: str) -> tuple[int, int]:
    # rest is "<N>" or "<N>.p/<W>", N in x-grouped form; canonical only, and
    # every number bounded before int() sees it.
    width = TILE_WIDTH
    if ".p/" in rest:
        rest, _, w = rest.partition(".p/")
        try:
            width = parse_decimal(w, f"{what} path width", maximum=TILE_WIDTH - 1)
        except MalformedLogData as exc:
            raise MalformedLogData(f"malformed {what} path: bad width") from exc
        if width < 1:
            raise MalformedLogData(f"malformed {what} path: bad width")
    groups = rest.split("/")
    if (
        len(groups) > _MAX_GROUPS
        or not _LAST_GROUP.fullmatch(groups[-1])
        or not all(_GROUP.fullmatch(g) for g in groups[:-1])
    ):
        raise MalformedLogData(f"malformed {what} path: bad index")
    index = 0
    for g in groups:
        index = index * 1000 + int(g.lstrip("x"))
    if index > _MAX_INDEX:
        raise MalformedLogData(f"malformed {what} path: index too large")
    if _encode_index(index) != rest:
        # e.g. "x000/005": a second spelling of 5 would split caches.
        raise MalformedLogData(f"malformed {what} path: non-canonical index")
    return index, width


def parse_tile_path(path: str) -> Tile:
    """Parse ``tile/<L>/<N>[.p/<W>]``; raise MalformedLogData for anything else,
    including entry bundle paths."""
    parts = path.split("/", 2)
    if len(parts) != 3 or parts[0] != "tile":
        raise MalformedLogData("malformed tile path: bad prefix or level")
    try:
        level = parse_decimal(parts[1], "tile path level", maximum=_MAX_LEVEL)
    except MalformedLogData as exc:
        raise MalformedLogData("malformed tile path: bad prefix or level") from exc
    index, width = _parse_after_prefix(parts[2], "tile")
    return Tile(level, index, width)


def parse_entries_path(path: str) -> tuple[int, int]:
    """Parse ``tile/entries/<N>[.p/<W>]`` into (bundle index, width)."""
    prefix = "tile/entries/"
    if not path.startswith(prefix):
        raise MalformedLogData("malformed entries path: bad prefix")
    return _parse_after_prefix(path[len(prefix) :], "entries")


# --- which tiles exist -----------------------------------------------------


def partial_width(level: int, size: int) -> int:
    """Return floor(size / 256**level) mod 256: the width of the partial tile at
    ``level`` for a tree of ``size`` leaves, 0 if there is none."""
    return (size >> (TILE_HEIGHT * level)) % TILE_WIDTH


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """Return the tiles, full and partial, that a tree of ``new_size`` has and
    a tree of ``old_size`` does not have with the same contents, lowest level
    first."""
    if old_size < 0 or old_size > new_size:
        raise InvalidInput(f"cannot grow a tree from size {old_size} to size {new_size}")
    tiles: list[Tile] = []
    level = 0
    while new_size >> (TILE_HEIGHT * level) > 0:
        old_n = old_size >> (TILE_HEIGHT * level)
        new_n = new_size >> (TILE_HEIGHT * level)
        if old_n != new_n:
            for n in range(old_n >> TILE_HEIGHT, new_n >> TILE_HEIGHT):
                tiles.append(Tile(level, n, TILE_WIDTH))
            width = new_n % TILE_WIDTH
            if width > 0:
                tiles.append(Tile(level, new_n >> TILE_HEIGHT, width))
        level += 1
    return tiles


def tiles_for_size(size: int) -> list[Tile]:
    """Return every tile, full and partial, of a tree of ``size`` leaves."""
    return new_tiles(0, size)


# --- tile contents ---------------------------------------------------------


def tile_hash_indexes(tile: Tile) -> list[int]:
    """Return the stored hash indexes whose hashes, concatenated, are the
    tile's data."""
    start = tile.index << TILE_HEIGHT
    level = tile.level * TILE_HEIGHT
    return [stored_hash_index(level, start + i) for i in range(tile.width)]


def tile_data(tile: Tile, reader: HashReader) -> bytes:
    """Return the tile's data: its ``width`` hashes, concatenated."""
    indexes = tile_hash_indexes(tile)
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise InvalidInput("hash reader returned the wrong number of hashes")
    return b"".join(hashes)


def _tile_for_index(index: int) -> tuple[Tile, int, int]:
    # The smallest tile holding stored hash ``index`` and the byte range of the
    # tile data whose subtree hash it is.
    level, n = split_stored_hash_index(index)
    tile_level = level // TILE_HEIGHT
    level -= tile_level * TILE_HEIGHT  # level inside the tile
    tile_n = (n << level) >> TILE_HEIGHT
    n -= (tile_n << TILE_HEIGHT) >> level  # position inside the tile at that level
    width = (n + 1) << level
    start = (n << level) * HASH_SIZE
    end = ((n + 1) << level) * HASH_SIZE
    return Tile(tile_level, tile_n, width), start, end


def _hash_of_tile_data(data: bytes) -> Hash:
    # MTH of a power-of-two run of hashes inside one tile.
    count = len(data) // HASH_SIZE
    if count == 1:
        return Hash(data)
    half = count // 2 * HASH_SIZE
    return node_hash(_hash_of_tile_data(data[:half]), _hash_of_tile_data(data[half:]))


def hash_from_tile(tile: Tile, data: bytes, index: int) -> Hash:
    """Return stored hash ``index`` computed from the tile's ``data``."""
    if len(data) != tile.width * HASH_SIZE:
        raise MalformedLogData(f"malformed tile: {len(data)} bytes for width {tile.width}")
    holder, start, end = _tile_for_index(index)
    if holder.level != tile.level or holder.index != tile.index or holder.width > tile.width:
        raise InvalidInput(f"stored hash {index} is not in {tile_path(tile)}")
    return _hash_of_tile_data(data[start:end])


def _tile_parent(tile: Tile, k: int, size: int) -> Tile | None:
    # The k-th ancestor tile of ``tile`` in a tree of ``size`` leaves, at the
    # width it has at that size; None if it does not exist.
    level = tile.level + k
    n = tile.index >> (k * TILE_HEIGHT)
    limit = size >> (level * TILE_HEIGHT)  # hashes at that tile level
    start = n << TILE_HEIGHT
    if start >= limit:
        return None
    return Tile(level, n, min(TILE_WIDTH, limit - start))


class TileHashReader:
    """A :class:`HashReader` that answers from tiles, verified against a
    trusted tree.

    ``fetch(tile)`` returns the tile's data from an untrusted source. Before
    any hash is returned, the tiles holding the tree's complete-subtree roots
    are checked to hash to ``root``, and every other tile used is checked
    against its parent tile; a mismatch raises VerificationFailed. Verified
    tiles are cached in memory for the life of the reader. Not thread-safe.
    """

    def __init__(self, size: int, root: Hash, fetch: Callable[[Tile], bytes]) -> None:
        if size < 0:
            raise InvalidInput(f"invalid tree size {size}")
        self.size = size
        self.root = root
        self._fetch = fetch
        self._verified: dict[Tile, bytes] = {}

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        """Return the stored hashes at ``indexes``, each taken from a verified tile."""
        limit = stored_hash_index(0, self.size)
        tiles: list[Tile] = []
        data: dict[Tile, bytes] = {}

        def want(tile: Tile) -> None:
            if tile not in data:
                tiles.append(tile)
                data[tile] = b""

        # 1. Plan the tiles holding the roots of the tree's maximal complete
        #    subtrees: recomputing the tree hash from them authenticates them.
        root_indexes = _root_indexes(self.size)
        root_tiles = []
        for x in root_indexes:
            parent = _tile_parent(_tile_for_index(x)[0], 0, self.size)
            if parent is None:
                raise InvalidInput("tile arithmetic failed for a subtree root")
            root_tiles.append(parent)
            want(parent)
        # 2. Plan the tiles holding each requested hash, with the chain of
        #    parents up to an already planned tile; parents come first.
        index_tiles: list[Tile] = []
        for x in indexes:
            if not 0 <= x < limit:
                raise InvalidInput(f"stored hash {x} is not in a tree of size {self.size}")
            base = _tile_for_index(x)[0]
            chain: list[Tile] = []
            k = 0
            while True:
                parent = _tile_parent(base, k, self.size)
                if parent is None:
                    raise InvalidInput("tile arithmetic failed for a requested hash")
                if parent in data or parent in self._verified:
                    break
                chain.append(parent)
                k += 1
            for tile in reversed(chain):
                want(tile)
            own = _tile_parent(base, 0, self.size)
            if own is None:
                raise InvalidInput("tile arithmetic failed for a requested hash")
            index_tiles.append(own)
        # 3. Fetch what is not verified yet.
        for tile in tiles:
            cached = self._verified.get(tile)
            data[tile] = cached if cached is not None else self._fetch(tile)
            if len(data[tile]) != tile.width * HASH_SIZE:
                raise MalformedLogData(
                    f"malformed tile: {tile_path(tile)} has {len(data[tile])} bytes"
                )
        # 4. Authenticate the root tiles against the trusted tree hash.
        if root_indexes:
            hashes = [
                hash_from_tile(t, data[t], x) for t, x in zip(root_tiles, root_indexes, strict=True)
            ]
            th = hashes[-1]
            for left in reversed(hashes[:-1]):
                th = node_hash(left, th)
            if th != self.root:
                raise VerificationFailed("tiles do not match the trusted tree hash")
        for t in root_tiles:
            self._verified[t] = data[t]
        # 5. Authenticate every other tile against its (already authenticated)
        #    parent; only full tiles have a parent.
        for tile in tiles:
            if tile in self._verified:
                continue
            parent = _tile_parent(tile, 1, self.size)
            if parent is None or not tile.is_full or parent not in self._verified:
                raise InvalidInput(f"tile arithmetic failed for {tile_path(tile)}")
            expected = hash_from_tile(
                parent,
                self._verified[parent],
                stored_hash_index(parent.level * TILE_HEIGHT, tile.index),
            )
            if _hash_of_tile_data(data[tile]) != expected:
                raise VerificationFailed(f"tile {tile_path(tile)} does not match its parent")
            self._verified[tile] = data[tile]
        # 6. Answer from verified tiles only.
        return [
            hash_from_tile(t, self._verified[t], x)
            for t, x in zip(index_tiles, indexes, strict=True)
        ]


def _root_indexes(size: int) -> list[int]:
    # Stored indexes of the maximal complete subtrees of a tree of ``size``.
    out = []
    lo = 0
    while lo < size:
        level = (size - lo).bit_length() - 1
        out.append(stored_hash_index(level, lo >> level))
        lo += 1 << level
    return out
