"""Merkle tree hashes and proofs over stored hashes.

Generation follows RFC 6962 section 2.1.1 (PATH, inclusion proofs) and section
2.1.2 (SUBPROOF, consistency proofs); verification follows RFC 9162 section
2.1.3.2 (inclusion) and section 2.1.4.2 (consistency), with the edge cases the
RFC leaves to the caller handled before the loops.

Storage is abstracted as golang.org/x/mod/sumdb/tlog does it: every hash of
every complete subtree is written once, in the order the log grows, to a flat
sequence of *stored hashes*. Adding leaf ``n`` appends its leaf hash followed
by the root of each complete subtree that leaf finishes. ``stored_hash_index``
maps (level, n), the n-th complete subtree of 2**level leaves, to its position
in that sequence. A :class:`HashReader` answers reads of that sequence; proofs
and tree hashes are computed from as few stored hashes as possible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from covergate.errors import InvalidInput, LogIntegrityError, VerificationFailed
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash, leaf_hash, node_hash

__all__ = [
    "HashReader",
    "MemoryHashStore",
    "consistency_proof",
    "inclusion_proof",
    "root_from_leaf_hashes",
    "split_stored_hash_index",
    "stored_hash_count",
    "stored_hash_index",
    "stored_hashes",
    "stored_hashes_for_leaf_hash",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]


class HashReader(Protocol):
    """Reads stored hashes by stored hash index.

    Implementations return exactly one hash per requested index, in the order
    requested, or raise. They need not be safe for concurrent use.
    """

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        """Return the stored hashes at ``indexes``, in that order."""
        ...


# --- stored hash layout (as golang.org/x/mod/sumdb/tlog) -------------------


def stored_hash_index(level: int, n: int) -> int:
    """Return the index of the ``n``-th hash at ``level`` in the stored sequence.

    Level 0 holds leaf hashes; level L the roots of complete subtrees of 2**L
    leaves. ``stored_hash_index(0, n)`` is the index of leaf ``n``'s hash.
    """
    if level < 0 or n < 0:
        raise InvalidInput(f"invalid stored hash position ({level}, {n})")
    # Level L's n-th hash is written right after level L-1's (2n+1)-th hash;
    # walk down to level 0, then add back the levels.
    for _ in range(level):
        n = 2 * n + 1
    # Level 0's n-th hash is written at n + n/2 + n/4 + ...
    index = 0
    while n > 0:
        index += n
        n >>= 1
    return index + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Return the (level, n) whose stored hash is at ``index``; the inverse of
    :func:`stored_hash_index`."""
    if index < 0:
        raise InvalidInput(f"invalid stored hash index {index}")
    # stored_hash_index(0, n) <= 2n, so the leaf that wrote ``index`` is at
    # least index // 2; step forward leaf by leaf from there.
    n = index // 2
    index_n = stored_hash_index(0, n)
    while True:
        # Leaf n writes 1 + trailing_ones(n) hashes.
        following = index_n + 1 + _trailing_zeros(n + 1)
        if following > index:
            break
        n += 1
        index_n = following
    level = index - index_n
    return level, n >> level


def stored_hash_count(n: int) -> int:
    """Return the number of stored hashes of a tree of ``n`` leaves."""
    if n < 0:
        raise InvalidInput(f"invalid tree size {n}")
    if n == 0:
        return 0
    count = stored_hash_index(0, n - 1) + 1
    # Plus the roots of the subtrees completed by the last leaf.
    i = n - 1
    while i & 1:
        count += 1
        i >>= 1
    return count


def stored_hashes(n: int, entry: bytes, reader: HashReader) -> list[Hash]:
    """Return the stored hashes to append when leaf ``n`` (holding ``entry``)
    is added to a tree of ``n`` leaves whose stored hashes ``reader`` holds."""
    return stored_hashes_for_leaf_hash(n, leaf_hash(entry), reader)


def stored_hashes_for_leaf_hash(n: int, leaf: Hash, reader: HashReader) -> list[Hash]:
    """Like :func:`stored_hashes`, given the leaf hash instead of the entry."""
    if n < 0:
        raise InvalidInput(f"invalid leaf index {n}")
    # Each trailing 1 bit of n completes a subtree, whose left sibling is
    # already stored. Read them lowest level first.
    m = _trailing_zeros(n + 1)
    indexes = [stored_hash_index(level, (n >> level) - 1) for level in range(m)]
    siblings = _read(reader, indexes)
    hashes = [leaf]
    h = leaf
    for sibling in siblings:
        h = node_hash(sibling, h)
        hashes.append(h)
    return hashes


# --- tree hash and proofs --------------------------------------------------


def tree_hash(size: int, reader: HashReader) -> Hash:
    """Return MTH of the first ``size`` leaves (RFC 6962 section 2.1)."""
    if size < 0:
        raise InvalidInput(f"invalid tree size {size}")
    if size == 0:
        return EMPTY_ROOT
    indexes = _subtree_indexes(0, size)
    hashes = _read(reader, indexes)
    return _fold_right(hashes)


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[Hash]:
    """Return PATH(index, D[0:size]) (RFC 6962 section 2.1.1), leaf side first.

    Raises InvalidInput unless 0 <= index < size.
    """
    if not 0 <= index < size:
        raise InvalidInput(f"leaf index {index} is not in a tree of size {size}")
    plan: list[tuple[int, int]] = []
    _path_plan(index, 0, size, plan)
    return _run_plan(plan, reader)


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[Hash]:
    """Return PROOF(old_size, D[0:new_size]) (RFC 6962 section 2.1.2).

    An empty list when ``old_size`` is 0 or equals ``new_size``. Raises
    InvalidInput when a size is negative or ``old_size > new_size``.
    """
    if old_size < 0 or new_size < 0 or old_size > new_size:
        raise InvalidInput(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    plan: list[tuple[int, int]] = []
    _subproof_plan(old_size, 0, new_size, True, plan)
    return _run_plan(plan, reader)


def _path_plan(m: int, lo: int, hi: int, plan: list[tuple[int, int]]) -> None:
    # PATH(m, D[lo:hi]): recurse toward leaf m, recording the subtree not taken.
    # The recursion unwinds leaf side first, as the RFC orders the path.
    if hi - lo == 1:
        return
    k = _largest_power_of_two_below(hi - lo)
    if m < lo + k:
        _path_plan(m, lo, lo + k, plan)
        plan.append((lo + k, hi))
    else:
        _path_plan(m, lo + k, hi, plan)
        plan.append((lo, lo + k))


def _subproof_plan(m: int, lo: int, hi: int, whole: bool, plan: list[tuple[int, int]]) -> None:
    # SUBPROOF(m, D[lo:hi], b) with m counted from lo.
    if lo + m == hi:
        if not whole:
            plan.append((lo, hi))
        return
    k = _largest_power_of_two_below(hi - lo)
    if m <= k:
        _subproof_plan(m, lo, lo + k, whole, plan)
        plan.append((lo + k, hi))
    else:
        _subproof_plan(m - k, lo + k, hi, False, plan)
        plan.append((lo, lo + k))


def _run_plan(plan: Sequence[tuple[int, int]], reader: HashReader) -> list[Hash]:
    # Read the stored hashes for every subtree of the plan in one call, then
    # fold each subtree's complete parts into its MTH.
    groups = [_subtree_indexes(lo, hi) for lo, hi in plan]
    flat = _read(reader, [i for group in groups for i in group])
    proof: list[Hash] = []
    at = 0
    for group in groups:
        proof.append(_fold_right(flat[at : at + len(group)]))
        at += len(group)
    return proof


def _subtree_indexes(lo: int, hi: int) -> list[int]:
    # Split D[lo:hi] into maximal complete subtrees, left to right; each one's
    # root is a stored hash. Its MTH folds them right to left.
    indexes = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo & ((1 << level) - 1):
            level -= 1
        indexes.append(stored_hash_index(level, lo >> level))
        lo += 1 << level
    return indexes


def _fold_right(hashes: Sequence[Hash]) -> Hash:
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def _read(reader: HashReader, indexes: Sequence[int]) -> list[Hash]:
    if not indexes:
        return []
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise LogIntegrityError(
            f"hash reader returned {len(hashes)} hashes for {len(indexes)} indexes"
        )
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise LogIntegrityError(f"hash reader returned a {len(h)}-byte hash")
    return hashes


def _largest_power_of_two_below(n: int) -> int:
    # k such that k < n <= 2k, for n > 1 (RFC 6962 section 2.1).
    return 1 << ((n - 1).bit_length() - 1)


def _trailing_zeros(n: int) -> int:
    return (n & -n).bit_length() - 1


# --- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ------------------


def verify_inclusion(leaf: Hash, index: int, size: int, proof: Sequence[Hash], root: Hash) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Returns None or raises VerificationFailed (RFC 9162 section 2.1.3.2).
    """
    _check_hashes(leaf, root, *proof)
    # 1. leaf_index must be below tree_size.
    if not 0 <= index < size:
        raise VerificationFailed(f"leaf index {index} is not in a tree of size {size}")
    # 2. fn = leaf_index, sn = tree_size - 1.
    fn, sn = index, size - 1
    # 3. r = hash.
    r = leaf
    # 4. For each p in inclusion_path:
    for p in proof:
        # 4a. A proof longer than the path fails.
        if sn == 0:
            raise VerificationFailed("inclusion proof is too long")
        # 4b. p is a left sibling if fn is a right child or the last node.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # 4b.ii. skip the levels where fn is the last node of its level.
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        # 4c.
        fn >>= 1
        sn >>= 1
    # 5. The path must reach the root, and end at the expected root hash.
    if sn != 0:
        raise VerificationFailed("inclusion proof is too short")
    if r != root:
        raise VerificationFailed("inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: Hash, new_root: Hash, proof: Sequence[Hash]
) -> None:
    """Check that the tree of ``old_size`` and ``old_root`` is a prefix of the
    tree of ``new_size`` and ``new_root``.

    Returns None or raises VerificationFailed (RFC 9162 section 2.1.4.2). As in
    transparency-dev/merkle, ``old_root`` is not examined when ``old_size`` is 0:
    the empty tree is a prefix of every tree, and the proof must be empty.
    """
    _check_hashes(old_root, new_root, *proof)
    # Edge cases outside the loop.
    if old_size < 0 or old_size > new_size:
        raise VerificationFailed(f"tree size {old_size} cannot precede size {new_size}")
    if old_size == 0:
        if proof:
            raise VerificationFailed("consistency proof from the empty tree must be empty")
        return
    if old_size == new_size:
        if proof:
            raise VerificationFailed("consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise VerificationFailed(f"two different roots for tree size {old_size}")
        return
    # 1. An empty path fails.
    if not proof:
        raise VerificationFailed("consistency proof is empty")
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 4. Right-shift both while LSB(fn) is set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = first value of the path.
    fr = sr = path[0]
    # 6. For each subsequent value c:
    for c in path[1:]:
        # 6a.
        if sn == 0:
            raise VerificationFailed("consistency proof is too long")
        # 6b.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        # 6c.
        fn >>= 1
        sn >>= 1
    # 7. fr must be first_hash, sr second_hash, and sn 0.
    if sn != 0:
        raise VerificationFailed("consistency proof is too short")
    if fr != old_root:
        raise VerificationFailed("consistency proof does not lead to the old root")
    if sr != new_root:
        raise VerificationFailed("consistency proof does not lead to the new root")


def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise VerificationFailed(f"a hash of {len(h)} bytes is not a SHA-256 hash")


# --- in-memory helpers -----------------------------------------------------


def root_from_leaf_hashes(leaves: Iterable[Hash]) -> Hash:
    """Return MTH of the leaves with the given hashes, in O(log n) memory.

    Keeps the roots of the maximal complete subtrees seen so far (the right
    edge of the tree), merging equal-sized neighbours as leaves arrive, so
    ``leaves`` may be a generator over a log too large to hold in memory.
    """
    stack: list[Hash] = []
    for count, leaf in enumerate(leaves):
        h = leaf
        # Leaf number count+1 completes one subtree per trailing 1 bit of count.
        c = count
        while c & 1:
            h = node_hash(stack.pop(), h)
            c >>= 1
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    return _fold_right(stack)


class MemoryHashStore:
    """A :class:`HashReader` over a list of stored hashes, for tests and benchmarks.

    >>> store = MemoryHashStore()
    >>> store.append(b"hello")
    0
    >>> tree_hash(store.size, store) == leaf_hash(b"hello")
    True
    """

    def __init__(self) -> None:
        self.hashes: list[Hash] = []
        self.size = 0

    def append(self, entry: bytes) -> int:
        """Add ``entry`` as the next leaf; return its leaf index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: Hash) -> int:
        """Add a leaf by its hash; return its leaf index."""
        index = self.size
        self.hashes.extend(stored_hashes_for_leaf_hash(index, leaf, self))
        self.size += 1
        return index

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        """Return the stored hashes at ``indexes``."""
        out = []
        for i in indexes:
            if not 0 <= i < len(self.hashes):
                raise InvalidInput(f"stored hash index {i} is not in the store")
            out.append(self.hashes[i])
        return out
