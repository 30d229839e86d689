"""Inclusion proofs: that an entry is leaf ``index`` of a tree.

Generation follows RFC 6962 section 2.1.1 (PATH) over stored hashes
(:mod:`covergate.tlog.stored_hashes`); verification follows RFC 9162 section
2.1.3.2, with the edge cases the RFC leaves to the caller handled before the
loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from covergate.errors import InvalidInput, LogIntegrityError, VerificationFailed
from covergate.tlog.hashing import Hash, check_hash_sizes, node_hash
from covergate.tlog.stored_hashes import (
    HashReader,
    complete_subtrees,
    fold_groups,
    largest_power_of_two_below,
    subtree_hashes,
)

__all__ = [
    "SubtreeHashReader",
    "inclusion_path_subtrees",
    "inclusion_proof",
    "inclusion_proof_from_subtrees",
    "verify_inclusion",
]


class SubtreeHashReader(Protocol):
    """Reads the hash of complete subtrees by position: (level, n) is the n-th
    subtree of 2**level leaves (leaves n * 2**level .. (n+1) * 2**level - 1).

    Readers over tiles find (level, n) in tile level // 8 directly, with no
    stored-hash index in between. They return one hash per position, in order.
    """

    def subtree_hashes(self, positions: Sequence[tuple[int, int]]) -> list[Hash]:
        """Return the hashes of the complete subtrees at ``positions``, in that order."""
        ...


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[Hash]:
    """Return PATH(index, D[0:size]) (RFC 6962 section 2.1.1), leaf side first.

    Raises InvalidInput unless 0 <= index < size.
    """
    return subtree_hashes(_checked_plan(index, size), reader)


def inclusion_path_subtrees(index: int, size: int) -> list[tuple[tuple[int, int], ...]]:
    """For each hash of PATH(index, D[0:size]), leaf side first, the complete
    subtrees (level, n) whose MTH it is, left to right (folded right to left).

    The same plan as :func:`inclusion_proof`, in subtree positions instead of
    stored hash indexes. Raises InvalidInput unless 0 <= index < size.
    """
    return [tuple(complete_subtrees(lo, hi)) for lo, hi in _checked_plan(index, size)]


def inclusion_proof_from_subtrees(index: int, size: int, reader: SubtreeHashReader) -> list[Hash]:
    """:func:`inclusion_proof` read by subtree position (see :class:`SubtreeHashReader`)."""
    groups = inclusion_path_subtrees(index, size)
    flat = reader.subtree_hashes([position for group in groups for position in group])
    if len(flat) != sum(map(len, groups)):
        raise LogIntegrityError(
            f"subtree reader returned {len(flat)} hashes for {sum(map(len, groups))} subtrees"
        )
    return fold_groups(flat, [len(group) for group in groups])


def _checked_plan(index: int, size: int) -> list[tuple[int, int]]:
    # PATH(index, D[0:size]) as the ranges D[lo:hi] whose MTH each hash is.
    if not 0 <= index < size:
        raise InvalidInput(f"leaf index {index} is not in a tree of size {size}")
    plan: list[tuple[int, int]] = []
    _path_plan(index, 0, size, plan)
    return plan


def _path_plan(m: int, lo: int, hi: int, plan: list[tuple[int, int]]) -> None:
    # PATH(m, D[lo:hi]): recurse toward leaf m, recording the subtree not taken.
    # The recursion unwinds leaf side first, as the RFC orders the path.
    if hi - lo == 1:
        return
    k = largest_power_of_two_below(hi - lo)
    if m < lo + k:
        _path_plan(m, lo, lo + k, plan)
        plan.append((lo + k, hi))
    else:
        _path_plan(m, lo + k, hi, plan)
        plan.append((lo, lo + k))


# --- verification (RFC 9162 section 2.1.3.2) -------------------------------


def verify_inclusion(leaf: Hash, index: int, size: int, proof: Sequence[Hash], root: Hash) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Returns None or raises VerificationFailed (RFC 9162 section 2.1.3.2).
    """
    check_hash_sizes(leaf, root, *proof)
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
