"""Consistency proofs: that one tree is a prefix of another.

Generation follows RFC 6962 section 2.1.2 (SUBPROOF) over stored hashes
(:mod:`covergate.tlog.stored_hashes`); verification follows RFC 9162 section
2.1.4.2, with the edge cases the RFC leaves to the caller handled before the
loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from covergate.errors import InvalidInput, VerificationFailed
from covergate.tlog.hashing import EMPTY_ROOT, Hash, check_hash_sizes, node_hash
from covergate.tlog.stored_hashes import HashReader, largest_power_of_two_below, subtree_hashes

__all__ = ["consistency_proof", "verify_consistency"]


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
    return subtree_hashes(plan, reader)


def _subproof_plan(m: int, lo: int, hi: int, whole: bool, plan: list[tuple[int, int]]) -> None:
    # SUBPROOF(m, D[lo:hi], b) with m counted from lo.
    if lo + m == hi:
        if not whole:
            plan.append((lo, hi))
        return
    k = largest_power_of_two_below(hi - lo)
    if m <= k:
        _subproof_plan(m, lo, lo + k, whole, plan)
        plan.append((lo + k, hi))
    else:
        _subproof_plan(m - k, lo + k, hi, False, plan)
        plan.append((lo, lo + k))


# --- verification (RFC 9162 section 2.1.4.2) -------------------------------


def verify_consistency(
    old_size: int, new_size: int, old_root: Hash, new_root: Hash, proof: Sequence[Hash]
) -> None:
    """Check that the tree of ``old_size`` and ``old_root`` is a prefix of the
    tree of ``new_size`` and ``new_root``.

    Returns None or raises VerificationFailed (RFC 9162 section 2.1.4.2).
    Size 0 means the empty tree, whose root is :data:`EMPTY_ROOT`: a root given
    for size 0 (old or new) must be it, and the proof from size 0 must be empty;
    equal sizes must have equal roots. (transparency-dev/merkle ignores the old
    root at size 0 and accepts any two equal roots at sizes 0 and 0; a witness
    must not cosign a size-0 checkpoint with another root, so covergate is
    stricter.)
    """
    check_hash_sizes(old_root, new_root, *proof)
    # Edge cases outside the loop.
    if old_size < 0 or old_size > new_size:
        raise VerificationFailed(f"tree size {old_size} cannot precede size {new_size}")
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise VerificationFailed("the root of the empty tree is not the empty-tree hash")
        if new_size == 0 and new_root != EMPTY_ROOT:
            raise VerificationFailed("the root of the empty tree is not the empty-tree hash")
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
