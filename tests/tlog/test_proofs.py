"""Tree hashes and proofs: known answers, a naive RFC 6962 reference, and
verification that accepts every honest proof and rejects mutated ones."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covergate.errors import InvalidInput, LogIntegrityError, VerificationFailed
from covergate.tlog import (
    EMPTY_ROOT,
    Hash,
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    stored_hashes,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)
from covergate.tlog.inclusion import inclusion_path_subtrees, inclusion_proof_from_subtrees
from tests.tlog import reference
from tests.tlog.factories import entry, store_of
from tests.tlog.test_hashing import LEAF_INPUTS

# Roots of the Certificate Transparency reference tree for sizes 0..8
# (transparency-dev/merkle testonly/constants.go RootHashes).
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, proof) from transparency-dev/merkle proof/verify_test.go,
# whose leaf numbers are 1-based.
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

MAX_SIZE = 2048
ENTRIES = [entry(i) for i in range(MAX_SIZE)]
STORE = store_of(MAX_SIZE)  # stored hashes of size n are a prefix of these
LEAVES = [leaf_hash(e) for e in ENTRIES]


def _h(hexes: Sequence[str]) -> list[Hash]:
    return [Hash(bytes.fromhex(x)) for x in hexes]


@pytest.fixture(scope="module")
def ct_store() -> MemoryHashStore:
    store = MemoryHashStore()
    for x in LEAF_INPUTS:
        store.append(bytes.fromhex(x))
    return store


# --- known answers ---------------------------------------------------------


def test_tree_hash_matches_the_reference_roots(ct_store: MemoryHashStore) -> None:
    for size, root in enumerate(ROOTS):
        assert tree_hash(size, ct_store).hex() == root
    leaves = [leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS]
    for size, root in enumerate(ROOTS):
        assert root_from_leaf_hashes(leaves[:size]).hex() == root


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference(
    ct_store: MemoryHashStore, index: int, size: int, proof: list[str]
) -> None:
    assert inclusion_proof(index, size, ct_store) == _h(proof)
    leaf = leaf_hash(bytes.fromhex(LEAF_INPUTS[index]))
    verify_inclusion(leaf, index, size, _h(proof), Hash(bytes.fromhex(ROOTS[size])))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(
    ct_store: MemoryHashStore, old: int, new: int, proof: list[str]
) -> None:
    assert consistency_proof(old, new, ct_store) == _h(proof)
    old_root, new_root = (Hash(bytes.fromhex(ROOTS[s])) for s in (old, new))
    verify_consistency(old, new, old_root, new_root, _h(proof))


# --- stored hash layout ----------------------------------------------------


def test_stored_hash_index_layout_matches_go_sumdb() -> None:
    # Leaves 0,1 then their parent; leaf 2; leaf 3, its parent, the root of 4.
    assert [stored_hash_index(0, n) for n in range(4)] == [0, 1, 3, 4]
    assert stored_hash_index(1, 0) == 2
    assert stored_hash_index(1, 1) == 5
    assert stored_hash_index(2, 0) == 6
    assert [stored_hash_count(n) for n in range(9)] == [0, 1, 3, 4, 7, 8, 10, 11, 15]


def test_split_inverts_stored_hash_index() -> None:
    for index in range(5000):
        level, n = split_stored_hash_index(index)
        assert stored_hash_index(level, n) == index
    assert len(STORE.hashes) == stored_hash_count(MAX_SIZE)


def test_stored_hashes_are_what_a_new_leaf_appends() -> None:
    store = store_of(7)
    new = stored_hashes(7, entry(7), store)
    # Leaf 7 completes subtrees of 2, 4 and 8 leaves.
    assert len(new) == 4
    assert new[0] == leaf_hash(entry(7))
    assert new[-1] == Hash(reference.mth(ENTRIES[:8]))


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        inclusion_proof(5, 5, STORE)
    with pytest.raises(InvalidInput):
        inclusion_proof(0, 0, STORE)
    with pytest.raises(InvalidInput):
        consistency_proof(6, 5, STORE)
    with pytest.raises(InvalidInput):
        tree_hash(-1, STORE)
    with pytest.raises(InvalidInput):
        stored_hash_index(-1, 0)


def test_a_reader_returning_too_few_hashes_is_caught() -> None:
    class Short:
        def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
            return []

    with pytest.raises(LogIntegrityError):
        tree_hash(3, Short())


# --- against the naive reference ------------------------------------------


def test_tree_hash_of_every_size_agrees_with_the_fast_fold() -> None:
    for size in range(MAX_SIZE + 1):
        assert tree_hash(size, STORE) == root_from_leaf_hashes(LEAVES[:size])


@settings(max_examples=300, deadline=None)
@given(size=st.integers(0, MAX_SIZE))
def test_tree_hash_matches_naive_mth(size: int) -> None:
    assert tree_hash(size, STORE) == reference.mth(ENTRIES[:size])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), size=st.integers(1, MAX_SIZE))
def test_inclusion_proof_matches_naive_path(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    assert inclusion_proof(index, size, STORE) == reference.path(index, ENTRIES[:size])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), new=st.integers(1, MAX_SIZE))
def test_consistency_proof_matches_naive_proof(data: st.DataObject, new: int) -> None:
    old = data.draw(st.integers(1, new))
    want = [] if old == new else reference.proof(old, ENTRIES[:new])
    assert consistency_proof(old, new, STORE) == want


# --- verification ----------------------------------------------------------


def _flip(h: Hash) -> Hash:
    return Hash(bytes([h[0] ^ 8]) + h[1:])


def _rejects_inclusion(leaf: Hash, index: int, size: int, proof: list[Hash], root: Hash) -> bool:
    try:
        verify_inclusion(leaf, index, size, proof, root)
    except VerificationFailed:
        return True
    return False


@settings(max_examples=400, deadline=None)
@given(data=st.data(), size=st.integers(1, MAX_SIZE))
def test_inclusion_accepts_honest_and_rejects_mutated_proofs(
    data: st.DataObject, size: int
) -> None:
    index = data.draw(st.integers(0, size - 1))
    root = tree_hash(size, STORE)
    proof = inclusion_proof(index, size, STORE)
    leaf = LEAVES[index]
    verify_inclusion(leaf, index, size, proof, root)

    # 1. A flipped bit in any hash of the proof, the leaf or the root.
    for i in range(len(proof)):
        assert _rejects_inclusion(
            leaf, index, size, [*proof[:i], _flip(proof[i]), *proof[i + 1 :]], root
        )
    assert _rejects_inclusion(_flip(leaf), index, size, proof, root)
    assert _rejects_inclusion(leaf, index, size, proof, _flip(root))
    # 2. Another leaf's index.
    for other in {index - 1, index + 1, index ^ 2} - {index}:
        if 0 <= other < size:
            assert _rejects_inclusion(leaf, other, size, proof, root)
    # 3. Another tree size, with that size's own root: only its own path fits.
    for other in {size - 1, size + 1, size * 2, size // 2} - {size}:
        if index < other <= MAX_SIZE:
            expected = reference.path(index, ENTRIES[:other]) == proof
            other_root = tree_hash(other, STORE)
            assert _rejects_inclusion(leaf, index, other, proof, other_root) != expected
    # 4. Truncated, extended, or prefixed proofs.
    if proof:
        assert _rejects_inclusion(leaf, index, size, proof[:-1], root)
    assert _rejects_inclusion(leaf, index, size, [*proof, root], root)
    assert _rejects_inclusion(leaf, index, size, [root, *proof], root)
    # 5. Out-of-range indexes.
    assert _rejects_inclusion(leaf, size, size, proof, root)
    assert _rejects_inclusion(leaf, -1, size, proof, root)


def _rejects_consistency(
    old: int, new: int, old_root: Hash, new_root: Hash, proof: list[Hash]
) -> bool:
    try:
        verify_consistency(old, new, old_root, new_root, proof)
    except VerificationFailed:
        return True
    return False


@settings(max_examples=400, deadline=None)
@given(data=st.data(), new=st.integers(2, MAX_SIZE))
def test_consistency_accepts_honest_and_rejects_mutated_proofs(
    data: st.DataObject, new: int
) -> None:
    old = data.draw(st.integers(1, new - 1))
    old_root, new_root = tree_hash(old, STORE), tree_hash(new, STORE)
    proof = consistency_proof(old, new, STORE)
    verify_consistency(old, new, old_root, new_root, proof)

    # 1. A flipped bit anywhere; swapped roots.
    for i in range(len(proof)):
        mutated = [*proof[:i], _flip(proof[i]), *proof[i + 1 :]]
        assert _rejects_consistency(old, new, old_root, new_root, mutated)
    assert _rejects_consistency(old, new, _flip(old_root), new_root, proof)
    assert _rejects_consistency(old, new, old_root, _flip(new_root), proof)
    assert _rejects_consistency(old, new, new_root, old_root, proof)
    # 2. Other sizes, each with its own true root: only its own proof fits.
    for o, n in {(old - 1, new), (old + 1, new), (old ^ 2, new), (old, new + 1), (old, new * 2)}:
        if 0 < o < n <= MAX_SIZE and (o, n) != (old, new):
            expected = reference.proof(o, ENTRIES[:n]) == proof
            rejected = _rejects_consistency(o, n, tree_hash(o, STORE), tree_hash(n, STORE), proof)
            assert rejected != expected
    # 3. Empty, truncated, extended, prefixed proofs.
    assert _rejects_consistency(old, new, old_root, new_root, [])
    assert _rejects_consistency(old, new, old_root, new_root, proof[:-1])
    assert _rejects_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert _rejects_consistency(old, new, old_root, new_root, [old_root, *proof])
    assert _rejects_consistency(old, new, old_root, new_root, [proof[0], *proof])


def test_consistency_edge_cases() -> None:
    r1, r2 = tree_hash(1, STORE), tree_hash(2, STORE)
    # From the empty tree: only the empty proof.
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, tree_hash(5, STORE), [])
    assert _rejects_consistency(0, 5, EMPTY_ROOT, tree_hash(5, STORE), [r1])
    # Equal sizes: empty proof and equal roots.
    verify_consistency(2, 2, r2, r2, [])
    assert _rejects_consistency(2, 2, r2, r1, [])
    assert _rejects_consistency(2, 2, r2, r2, [r2])
    # Old larger than new.
    assert _rejects_consistency(2, 1, r2, r1, [])
    assert _rejects_consistency(-1, 1, r2, r1, [])
    # Hashes of the wrong length.
    assert _rejects_consistency(1, 2, Hash(b"short"), r2, [LEAVES[1]])


def test_inclusion_edge_cases() -> None:
    leaf = LEAVES[0]
    verify_inclusion(leaf, 0, 1, [], leaf)
    assert _rejects_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert _rejects_inclusion(leaf, 1, 1, [], leaf)
    assert _rejects_inclusion(Hash(b""), 0, 1, [], leaf)
    assert _rejects_inclusion(leaf, 0, 1, [Hash(b"")], leaf)


def test_sizes_around_tile_boundaries() -> None:
    store = store_of(65_537)
    leaves = [leaf_hash(entry(i)) for i in range(65_537)]
    for size in (255, 256, 257, 65_535, 65_536, 65_537):
        root = tree_hash(size, store)
        assert root == root_from_leaf_hashes(leaves[:size])
        for index in (0, size // 2, size - 1):
            verify_inclusion(leaves[index], index, size, inclusion_proof(index, size, store), root)
        for old in (1, 255, 256, size - 1):
            if old < size:
                proof = consistency_proof(old, size, store)
                verify_consistency(old, size, tree_hash(old, store), root, proof)


class _SubtreesOf:
    """A SubtreeHashReader over a MemoryHashStore, through stored hash indexes."""

    def __init__(self, store: MemoryHashStore) -> None:
        self.store = store

    def subtree_hashes(self, positions: Sequence[tuple[int, int]]) -> list[Hash]:
        return self.store.read_hashes([stored_hash_index(lv, n) for lv, n in positions])


def test_the_plan_in_subtree_positions_gives_the_same_proofs() -> None:
    store = store_of(600)
    reader = _SubtreesOf(store)
    for size in range(1, 601):
        for index in {0, 1, size // 3, size // 2, size - 2, size - 1} & set(range(size)):
            expected = inclusion_proof(index, size, store)
            assert inclusion_proof_from_subtrees(index, size, reader) == expected
            # Every position is a complete subtree inside the tree.
            for group in inclusion_path_subtrees(index, size):
                for level, n in group:
                    assert (n + 1) << level <= size
    with pytest.raises(InvalidInput):
        inclusion_path_subtrees(5, 5)


def test_a_subtree_reader_returning_too_few_hashes_is_caught() -> None:
    class Short:
        def subtree_hashes(self, positions: Sequence[tuple[int, int]]) -> list[Hash]:
            return []

    with pytest.raises(LogIntegrityError, match="subtree reader returned 0 hashes"):
        inclusion_proof_from_subtrees(3, 10, Short())
