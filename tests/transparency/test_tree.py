"""Tile growth against the naive reference (tlog's stored-hash store)."""

from __future__ import annotations

import random

import pytest

from covergate.errors import LogIntegrityError
from covergate.tlog.hashing import leaf_hash
from covergate.tlog.proofs import MemoryHashStore, root_from_leaf_hashes, tree_hash
from covergate.tlog.tiles import tile_data, tiles_for_size
from covergate.transparency.tree import edge_root, grow, leaf_hashes


def test_growth_in_random_batches_matches_the_reference() -> None:
    rng = random.Random(7)
    store = MemoryHashStore()
    size = 0
    edge: dict[int, bytes] = {}
    tiles: dict[tuple[int, int], bytes] = {}
    while size < 70_000:  # past the first full level-1 tile (65,536 leaves)
        entries = [rng.randbytes(4) for _ in range(rng.choice([0, 1, 2, 255, 256, 257, 5000]))]
        growth = grow(size, edge, leaf_hashes(entries))
        for e in entries:
            store.append(e)
        size, edge = growth.size, growth.edge
        tiles.update(growth.tiles)
        assert growth.root == tree_hash(size, store)
        for tile in tiles_for_size(size):
            stored = tiles[(tile.level, tile.index)]
            assert stored[: 32 * tile.width] == tile_data(tile, store)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537])
def test_edge_root_is_the_tree_hash(size: int) -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    growth = grow(0, {}, hashes)
    assert growth.root == root_from_leaf_hashes(hashes)
    assert edge_root(size, growth.edge) == growth.root


def test_an_edge_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(LogIntegrityError):
        grow(5, {0: b"\x00" * 32 * 4}, [])
    with pytest.raises(LogIntegrityError):
        grow(256, {0: b"\x00" * 32 * 256}, [])
