"""Merkle tree hashing of RFC 6962 section 2.1 (RFC 9162 section 2.1.1).

A leaf hash is SHA-256(0x00 || entry) and an interior node hash is
SHA-256(0x01 || left || right); the two prefixes keep a leaf from ever being
mistaken for a node (second-preimage resistance). The hash of the empty tree is
SHA-256 of the empty string.

>>> leaf_hash(b"").hex()[:16]
'6e340b9cffb37a98'
"""

from __future__ import annotations

import hashlib
from typing import NewType

from covergate.errors import VerificationFailed

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "Hash", "leaf_hash", "node_hash"]

Hash = NewType("Hash", bytes)
"""A 32-byte SHA-256 Merkle tree hash."""

HASH_SIZE = 32
"""Size in bytes of every hash in the tree."""

EMPTY_ROOT: Hash = Hash(hashlib.sha256(b"").digest())
"""MTH({}) = SHA-256() (RFC 6962 section 2.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> Hash:
    """Return MTH({d(0)}) = SHA-256(0x00 || entry)."""
    return Hash(hashlib.sha256(_LEAF_PREFIX + entry).digest())


def node_hash(left: Hash, right: Hash) -> Hash:
    """Return SHA-256(0x01 || left || right)."""
    return Hash(hashlib.sha256(_NODE_PREFIX + left + right).digest())


def check_hash_sizes(*hashes: bytes) -> None:
    """Raise VerificationFailed unless every one of ``hashes`` is 32 bytes long.

    What proof verifiers check first, so that a short or long value is never
    hashed as if it were a tree hash.
    """
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise VerificationFailed(f"a hash of {len(h)} bytes is not a SHA-256 hash")
