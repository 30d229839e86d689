"""Stored hashes: the storage layout of Merkle tree hashes, and tree hashes over it.

Storage is abstracted as golang.org/x/mod/sumdb/tlog does it: every hash of
every complete subtree is written once, in the order the log grows, to a flat
sequence of *stored hashes*. Adding leaf ``n`` appends its leaf hash followed
by the root of each complete subtree that leaf finishes. ``stored_hash_index``
maps (level, n), the n-th complete subtree of 2**level leaves, to its position
in that sequence. A :class:`HashReader` answers reads of that sequence; proofs
(:mod:`covergate.tlog.inclusion`, :mod:`covergate.tlog.consistency`) and tree
hashes (MTH, RFC 6962 section 2.1) are computed from as few stored hashes as
possible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from covergate.errors import InvalidInput, LogIntegrityError
from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash, leaf_hash, node_hash

__all__ = [
    "HashReader",
    "MemoryHashStore",
    "complete_subtrees",
    "fold_groups",
    "fold_right",
    "root_from_leaf_hashes",
    "split_stored_hash_index",
    "stored_hash_count",
    "stored_hash_index",
    "stored_hashes",
    "stored_hashes_for_leaf_hash",
    "tree_hash",
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
    # walking down L levels gives leaf m = (n+1) * 2**L - 1, then add back the
    # levels. Level 0's m-th hash is written at m + m/2 + m/4 + ... = 2m - popcount(m).
    m = ((n + 1) << level) - 1
    return 2 * m - m.bit_count() + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Return the (level, n) whose stored hash is at ``index``; the inverse of
    :func:`stored_hash_index`."""
    if index < 0:
        raise InvalidInput(f"invalid stored hash index {index}")
    # stored_hash_index(0, n) <= 2n, so the leaf that wrote ``index`` is at
    # least index // 2; step forward leaf by leaf from there.
    n = index // 2
    index_n = 2 * n - n.bit_count()  # stored_hash_index(0, n)
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
    siblings = read_checked(reader, indexes)
    hashes = [leaf]
    h = leaf
    for sibling in siblings:
        h = node_hash(sibling, h)
        hashes.append(h)
    return hashes


# --- tree hashes -----------------------------------------------------------


def tree_hash(size: int, reader: HashReader) -> Hash:
    """Return MTH of the first ``size`` leaves (RFC 6962 section 2.1)."""
    if size < 0:
        raise InvalidInput(f"invalid tree size {size}")
    if size == 0:
        return EMPTY_ROOT
    indexes = _subtree_indexes(0, size)
    hashes = read_checked(reader, indexes)
    return fold_right(hashes)


def subtree_hashes(plan: Sequence[tuple[int, int]], reader: HashReader) -> list[Hash]:
    """Return MTH(D[lo:hi]) for each (lo, hi) of ``plan``, in order.

    The shared last step of proof generation: reads the stored hashes for
    every subtree of the plan in one call, then folds each subtree's complete
    parts into its MTH.
    """
    groups = [_subtree_indexes(lo, hi) for lo, hi in plan]
    flat = read_checked(reader, [i for group in groups for i in group])
    return fold_groups(flat, [len(group) for group in groups])


def fold_groups(flat: Sequence[Hash], sizes: Sequence[int]) -> list[Hash]:
    """Split ``flat`` into consecutive runs of ``sizes`` and fold each (:func:`fold_right`)."""
    proof: list[Hash] = []
    at = 0
    for size in sizes:
        proof.append(fold_right(flat[at : at + size]))
        at += size
    return proof


def largest_power_of_two_below(n: int) -> int:
    """k such that k < n <= 2k, for n > 1 (RFC 6962 section 2.1)."""
    return 1 << ((n - 1).bit_length() - 1)


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
    return fold_right(stack)


def read_checked(reader: HashReader, indexes: Sequence[int]) -> list[Hash]:
    """``reader.read_hashes(indexes)``, checking one 32-byte hash per index."""
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


def complete_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """D[lo:hi] split into maximal complete subtrees, left to right, each as its
    position (level, n): the n-th subtree of 2**level leaves. D[lo:hi]'s MTH folds
    their roots right to left (:func:`fold_right`)."""
    positions = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo & ((1 << level) - 1):
            level -= 1
        positions.append((level, lo >> level))
        lo += 1 << level
    return positions


def _subtree_indexes(lo: int, hi: int) -> list[int]:
    # Each complete subtree's root is a stored hash.
    return [stored_hash_index(level, n) for level, n in complete_subtrees(lo, hi)]


def fold_right(hashes: Sequence[bytes]) -> Hash:
    """MTH of adjacent complete subtrees given their roots, left to right (at
    least one): node_hash folded from the right."""
    # node_hash inlined: proofs fold here for every subtree of their plan.
    sha = hashlib.sha256
    h: bytes = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = sha(b"\x01" + left + h).digest()
    return Hash(h)


def _trailing_zeros(n: int) -> int:
    return (n & -n).bit_length() - 1


# --- in memory -------------------------------------------------------------


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
