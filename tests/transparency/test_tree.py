"""Tile growth against the naive reference (tlog's stored-hash store)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covergate.errors import LogIntegrityError
from covergate.tlog.hashing import leaf_hash
from covergate.tlog.stored_hashes import (
    MemoryHashStore,
    root_from_leaf_hashes,
    stored_hash_index,
    tree_hash,
)
from covergate.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, tile_data, tiles_for_size
from covergate.transparency.tree import (
    INTERIOR_BYTES,
    TILE_BYTES,
    RunKey,
    edge_root,
    edge_root_and_runs,
    grow,
    leaf_hashes,
    tile_interior,
)


def _reference_interior(level: int, index: int, store: MemoryHashStore) -> bytes:
    # The hashes of heights 1..8 inside tile (level, index), read from the
    # reference store by their stored-hash indexes: 128, then 64, ..., then 1.
    out = []
    for height in range(1, TILE_HEIGHT + 1):
        first = (index * TILE_WIDTH) >> height
        out += [
            stored_hash_index(level * TILE_HEIGHT + height, first + j)
            for j in range(TILE_WIDTH >> height)
        ]
    return b"".join(store.read_hashes(out))


def test_kept_interiors_are_the_reference_hashes_of_every_full_tile() -> None:
    # Batches that fill tiles at once, across them, and a level-1 tile: every
    # full tile grown has its interior, no partial one has, and keeping them
    # changes nothing else.
    rng = random.Random(11)
    store = MemoryHashStore()
    size, edge = 0, {}
    seen: set[tuple[int, int]] = set()
    while size < 66_000:
        entries = [rng.randbytes(4) for _ in range(rng.choice([1, 255, 256, 700, 9000]))]
        hashes = leaf_hashes(entries)
        kept = grow(size, edge, hashes, interiors=True)
        plain = grow(size, edge, hashes)
        assert (kept.tiles, kept.edge, kept.root) == (plain.tiles, plain.edge, plain.root)
        assert plain.interiors == {}
        for e in entries:
            store.append(e)
        full = {key for key, data in kept.tiles.items() if len(data) == TILE_BYTES}
        assert set(kept.interiors) == full
        for (level, index), interior in kept.interiors.items():
            assert len(interior) == INTERIOR_BYTES
            assert interior == _reference_interior(level, index, store)
            assert interior == tile_interior(kept.tiles[(level, index)])
        seen |= full
        size, edge = kept.size, kept.edge
    assert (1, 0) in seen  # a full level-1 tile was among them


@pytest.mark.parametrize("width", [0, 1, 255, 257])
def test_tile_interior_refuses_a_tile_that_is_not_full(width: int) -> None:
    with pytest.raises(LogIntegrityError, match="not a full tile"):
        tile_interior(bytes(32 * width))


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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=700), min_size=1, max_size=12))
def test_runs_carried_from_tree_to_tree_give_the_tree_hash(batches: list[int]) -> None:
    # Each root is computed with the runs of the tree before it: only the runs
    # the new leaves changed are hashed, and the root is still the tree hash.
    hashes: list[bytes] = []
    size, edge = 0, {}
    runs: dict[RunKey, bytes] = {}
    for count in batches:
        new = [leaf_hash(len(hashes).to_bytes(4, "big") + bytes([i % 256])) for i in range(count)]
        hashes += new
        growth = grow(size, edge, new)
        root, runs = edge_root_and_runs(growth.size, growth.edge, runs)
        assert root == root_from_leaf_hashes(hashes) == growth.root
        size, edge = growth.size, growth.edge


def test_runs_of_another_tree_give_a_wrong_root() -> None:
    # Why the runs may only be carried to a tree that extends theirs: keys
    # name positions. (TreeCache keys them on the committed size and root.)
    a = [leaf_hash(b"a%d" % i) for i in range(40)]
    b = a[:20] + [leaf_hash(b"b%d" % i) for i in range(20)]
    _, runs_a = edge_root_and_runs(40, grow(0, {}, a).edge)
    root_b, _ = edge_root_and_runs(40, grow(0, {}, b).edge, runs_a)
    assert root_b != root_from_leaf_hashes(b)
