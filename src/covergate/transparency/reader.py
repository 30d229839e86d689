"""A :class:`covergate.tlog.stored_hashes.HashReader` over the tiles in the database.

Any stored hash (golang.org/x/mod/sumdb/tlog layout) of an integrated tree lies
in one tile: the hash of subtree (level, n) is the root of a run of
2**(level mod 8) hashes inside tile level level // 8. The reader trusts the
database (it is the log's own copy); third parties use
:class:`covergate.tlog.tiles.TileHashReader`, which authenticates every tile.
Not thread-safe; one reader per session.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.errors import LogIntegrityError
from covergate.tlog.hashing import HASH_SIZE, Hash
from covergate.tlog.stored_hashes import split_stored_hash_index
from covergate.tlog.tiles import TILE_HEIGHT, Tile, hash_from_tile
from covergate.transparency.models import LogTile

__all__ = ["DatabaseHashReader"]


class DatabaseHashReader:
    """Reads stored hashes from ``log_tiles``, caching the tiles it loads."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._tiles: dict[tuple[int, int], bytes] = {}

    def tile(self, level: int, index: int) -> bytes:
        """The stored data of tile (level, index) at its widest; b"" if none."""
        key = (level, index)
        data = self._tiles.get(key)
        if data is None:
            row = self._session.execute(
                select(LogTile.data).where(LogTile.level == level, LogTile.idx == index)
            ).scalar_one_or_none()
            data = b"" if row is None else bytes(row)
            self._tiles[key] = data
        return data

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        out = []
        for index in indexes:
            level, n = split_stored_hash_index(index)
            tile_level, inner = divmod(level, TILE_HEIGHT)
            tile_index = (n << inner) >> TILE_HEIGHT
            data = self.tile(tile_level, tile_index)
            width = len(data) // HASH_SIZE
            # The run of 2**inner hashes must lie inside the stored part.
            end = ((n + 1) << inner) - (tile_index << TILE_HEIGHT)
            if width == 0 or end > width:
                raise LogIntegrityError(f"stored hash {index} is missing from the tiles")
            out.append(hash_from_tile(Tile(tile_level, tile_index, width), data, index))
        return out
