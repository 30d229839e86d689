"""C2SP tlog-tiles: paths, which tiles exist, tile data, TileHashReader."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covergate.errors import InvalidInput, MalformedLogData, VerificationFailed
from covergate.tlog import (
    TILE_WIDTH,
    Hash,
    MemoryHashStore,
    Tile,
    TileHashReader,
    consistency_proof,
    entries_path,
    inclusion_proof,
    new_tiles,
    parse_entries_path,
    parse_tile_path,
    partial_width,
    stored_hash_index,
    tile_data,
    tile_hash_indexes,
    tile_path,
    tiles_for_size,
    tree_hash,
)
from tests.tlog import reference
from tests.tlog.factories import entry, store_of

BIG = store_of(65_537 + 256)


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 5, 256), "tile/0/005"),
        (Tile(0, 1234, 256), "tile/0/x001/234"),
        (Tile(0, 1234067, 256), "tile/0/x001/x234/067"),
        (Tile(2, 0, 1), "tile/2/000.p/1"),
        (Tile(1, 1000, 255), "tile/1/x001/000.p/255"),
    ],
)
def test_tile_paths_round_trip(tile: Tile, path: str) -> None:
    assert tile_path(tile) == path
    assert parse_tile_path(path) == tile


def test_entries_paths_round_trip() -> None:
    assert entries_path(5, 256) == "tile/entries/005"
    assert entries_path(1234067, 7) == "tile/entries/x001/x234/067.p/7"
    assert parse_entries_path("tile/entries/x001/x234/067.p/7") == (1234067, 7)
    assert parse_entries_path("tile/entries/000") == (0, 256)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/5",
        "tile/0/0005",
        "tile/0/x000/005",
        "tile/0/001/234",
        "tile/0/x1/234",
        "tile/00/005",
        "tile/-1/005",
        "tile/64/000",
        "tile/0/005.p/0",
        "tile/0/005.p/256",
        "tile/0/005.p/07",
        "tile/0/005.p/",
        "tile/0/005/",
        "tile/entries/005",
        "tiles/0/005",
        "tile/0/",
        "",
    ],
)
def test_malformed_tile_paths_are_rejected(path: str) -> None:
    with pytest.raises(MalformedLogData):
        parse_tile_path(path)


@pytest.mark.parametrize("path", ["tile/0/005", "tile/entries/5", "tile/entries/005.p/256"])
def test_malformed_entries_paths_are_rejected(path: str) -> None:
    with pytest.raises(MalformedLogData):
        parse_entries_path(path)


def test_tiles_are_never_empty() -> None:
    with pytest.raises(InvalidInput):
        Tile(0, 0, 0)
    with pytest.raises(InvalidInput):
        Tile(0, 0, 257)


@pytest.mark.parametrize(
    ("size", "last"),
    [
        (255, [Tile(0, 0, 255)]),
        (256, [Tile(0, 0, 256), Tile(1, 0, 1)]),
        (257, [Tile(0, 0, 256), Tile(0, 1, 1), Tile(1, 0, 1)]),
        (65_535, [Tile(0, 254, 256), Tile(0, 255, 255), Tile(1, 0, 255)]),
        (65_536, [Tile(0, 255, 256), Tile(1, 0, 256), Tile(2, 0, 1)]),
        (65_537, [Tile(0, 256, 1), Tile(1, 0, 256), Tile(2, 0, 1)]),
    ],
)
def test_tiles_for_sizes_around_boundaries(size: int, last: list[Tile]) -> None:
    tiles = tiles_for_size(size)
    assert tiles[-len(last) :] == last
    # Every level's partial width is floor(s / 256**L) mod 256; all others full.
    for tile in tiles:
        if not tile.is_full:
            assert tile.width == partial_width(tile.level, size)
    full_level0 = [t for t in tiles if t.level == 0 and t.is_full]
    assert len(full_level0) == size // 256
    assert len(set(tiles)) == len(tiles)


def test_new_tiles_are_exactly_the_tiles_that_changed() -> None:
    for old, new in [(0, 1), (1, 2), (255, 256), (256, 257), (100, 70_000), (65_535, 65_536)]:
        grown = set(new_tiles(old, new))
        assert grown == set(tiles_for_size(new)) - set(tiles_for_size(old))
    assert new_tiles(5, 5) == []
    with pytest.raises(InvalidInput):
        new_tiles(6, 5)


def test_tile_data_is_the_hashes_of_its_level() -> None:
    size = 65_537
    leaves = [reference.mth([entry(i)]) for i in range(512)]
    assert tile_data(Tile(0, 0, 256), BIG) == b"".join(leaves[:256])
    assert tile_data(Tile(0, 1, 3), BIG) == b"".join(leaves[256:259])
    # Level 1 holds roots of 256-leaf subtrees.
    level1 = tile_data(Tile(1, 0, 2), BIG)
    assert level1[:32] == reference.mth([entry(i) for i in range(256)])
    assert level1[32:] == reference.mth([entry(i) for i in range(256, 512)])
    # Level 2 for 65,536+ leaves: one hash, the root of the first 65,536.
    assert tile_data(Tile(2, 0, 1), BIG) == tree_hash(65_536, BIG)
    assert tile_hash_indexes(Tile(1, 0, 1)) == [stored_hash_index(8, 0)]
    for tile in tiles_for_size(size):
        assert len(tile_data(tile, BIG)) == tile.width * 32


def _reader(size: int, store: MemoryHashStore = BIG) -> tuple[TileHashReader, list[Tile]]:
    fetched: list[Tile] = []

    def fetch(tile: Tile) -> bytes:
        fetched.append(tile)
        return tile_data(tile, store)

    return TileHashReader(size, tree_hash(size, store), fetch), fetched


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 65_535, 65_536, 65_537, 65_793])
def test_tile_hash_reader_answers_like_the_store(size: int) -> None:
    reader, fetched = _reader(size)
    indexes = [stored_hash_index(0, 0), stored_hash_index(0, size - 1)]
    assert reader.read_hashes(indexes) == BIG.read_hashes(indexes)
    assert tree_hash(size, reader) == tree_hash(size, BIG)
    for index in (0, size // 3, size - 1):
        assert inclusion_proof(index, size, reader) == inclusion_proof(index, size, BIG)
    # Tiles are fetched once, then served from the verified cache.
    assert len(fetched) == len(set(fetched))
    assert all(t in tiles_for_size(size) for t in fetched)


def test_tile_hash_reader_rejects_a_tampered_tile() -> None:
    size = 600

    def fetch(tile: Tile) -> bytes:
        data = tile_data(tile, BIG)
        if tile == Tile(0, 0, 256):
            data = bytes([data[0] ^ 1]) + data[1:]
        return data

    reader = TileHashReader(size, tree_hash(size, BIG), fetch)
    with pytest.raises(VerificationFailed):
        reader.read_hashes([stored_hash_index(0, 3)])
    # A hash under an untouched tile still verifies.
    assert reader.read_hashes([stored_hash_index(0, 300)]) == BIG.read_hashes(
        [stored_hash_index(0, 300)]
    )


def test_tile_hash_reader_rejects_a_wrong_root() -> None:
    reader = TileHashReader(300, Hash(bytes(32)), lambda tile: tile_data(tile, BIG))
    with pytest.raises(VerificationFailed):
        reader.read_hashes([0])


def test_tile_hash_reader_rejects_truncated_tiles_and_foreign_indexes() -> None:
    reader = TileHashReader(300, tree_hash(300, BIG), lambda tile: tile_data(tile, BIG)[:-1])
    with pytest.raises(MalformedLogData):
        reader.read_hashes([0])
    honest, _ = _reader(300)
    with pytest.raises(InvalidInput):
        honest.read_hashes([stored_hash_index(0, 300)])


def test_tile_width_constant() -> None:
    assert TILE_WIDTH == 256


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(1, 2048))
def test_tile_hash_reader_proofs_match_the_store(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    reader, _ = _reader(size)
    assert inclusion_proof(index, size, reader) == inclusion_proof(index, size, BIG)
    assert consistency_proof(old, size, reader) == consistency_proof(old, size, BIG)
