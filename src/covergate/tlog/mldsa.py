"""ML-DSA-44 pieces of C2SP tlog-cosignature: sizes, the signed message, keys.

tlog-cosignature ("Format") defines a second cosignature type next to Ed25519:
key type byte 0x06, a 1312-byte ML-DSA-44 (FIPS 204) public key, key ID
SHA-256(<name> || "\\n" || 0x06 || public key)[:4], and a
``timestamped_signature`` of an 8-byte big-endian timestamp followed by the
2420-byte ML-DSA-44 signature. Its "ML-DSA-44 signed message" is the binary
``cosigned_message``::

    struct {
        uint8 label[12] = "subtree/v1\\n\\0";
        opaque cosigner_name<1..2^8-1>;
        uint64 timestamp;
        opaque log_origin<1..2^8-1>;
        uint64 start;
        uint64 end;
        uint8 hash[32];
    } cosigned_message;

A checkpoint cosignature is the subtree [0, size): ``start`` is zero, ``end``
the tree size and ``hash`` the root hash. A subtree with a non-zero ``start``
must carry timestamp zero. The spec names no FIPS 204 context string, so the
pure ML-DSA-44 signature with the empty context is used; a cosignature made by
filippo.io/torchwood verifies with it (tests/tlog/test_mldsa_vectors.py).

Two rules go beyond the text of the spec, as filippo.io/torchwood has them:
the hash of an empty (sub)tree must be SHA-256 of the empty string (RFC 6962
2.1), and (in :mod:`covergate.tlog.cosignature`) a checkpoint with extension
lines is neither cosigned nor accepted as cosigned, since the signed message
does not cover those lines ("no statement is made about them") while a note
signature line under them would look as if it did.

ML-DSA needs a ``cryptography`` release that has
``cryptography.hazmat.primitives.asymmetric.mldsa`` and an OpenSSL backend
that supports it; on any other :class:`MLDSAUnavailable` is raised when an
ML-DSA key is used, and everything Ed25519 keeps working. The module is
imported lazily for that reason. The cosigner and verifier classes are in
:mod:`covergate.tlog.cosignature`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import struct
from types import ModuleType
from typing import TYPE_CHECKING

from covergate.errors import InvalidInput, MalformedLogData

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.mldsa import (
        MLDSA44PrivateKey,
        MLDSA44PublicKey,
    )

__all__ = [
    "MLDSA44_KEY_TYPE",
    "MLDSA44_PUBLIC_KEY_SIZE",
    "MLDSA44_SEED_SIZE",
    "MLDSA44_SIGNATURE_SIZE",
    "SUBTREE_LABEL",
    "MLDSAUnavailable",
    "generate_private_key",
    "mldsa_supported",
    "private_key_from_seed",
    "public_key_from_bytes",
    "subtree_message",
]

MLDSA44_KEY_TYPE = 0x06
MLDSA44_PUBLIC_KEY_SIZE = 1312
MLDSA44_SIGNATURE_SIZE = 2420
MLDSA44_SEED_SIZE = 32
"""The FIPS 204 key generation seed, what a witness key file keeps."""
SUBTREE_LABEL = b"subtree/v1\n\x00"

_MAX_UINT64 = (1 << 64) - 1
_HASH_SIZE = 32
_EMPTY_HASH = hashlib.sha256(b"").digest()  # RFC 6962 2.1: the hash of an empty tree


class MLDSAUnavailable(InvalidInput):
    """The installed ``cryptography`` (or its OpenSSL) has no ML-DSA-44."""

    code = "ml-dsa-unavailable"
    title = "ML-DSA-44 is not available"


def _module() -> ModuleType:
    try:
        return importlib.import_module("cryptography.hazmat.primitives.asymmetric.mldsa")
    except ImportError as exc:
        raise MLDSAUnavailable(
            "ML-DSA-44 cosignatures need a cryptography release with "
            "cryptography.hazmat.primitives.asymmetric.mldsa"
        ) from exc


def _unsupported() -> MLDSAUnavailable:
    return MLDSAUnavailable("ML-DSA-44 cosignatures: this OpenSSL build has no ML-DSA-44")


@functools.cache
def mldsa_supported() -> bool:
    """Whether ML-DSA-44 keys can be made and used here (library and backend)."""
    try:
        generate_private_key()
    except MLDSAUnavailable:
        return False
    return True


def generate_private_key() -> MLDSA44PrivateKey:
    """A fresh ML-DSA-44 private key; MLDSAUnavailable without ML-DSA support."""
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        key: MLDSA44PrivateKey = _module().MLDSA44PrivateKey.generate()
    except UnsupportedAlgorithm:
        raise _unsupported() from None
    return key


def private_key_from_seed(seed: bytes) -> MLDSA44PrivateKey:
    """The private key of a 32-byte FIPS 204 seed; MalformedLogData otherwise."""
    from cryptography.exceptions import UnsupportedAlgorithm

    if len(seed) != MLDSA44_SEED_SIZE:
        raise MalformedLogData("malformed ML-DSA-44 key: expected a 32-byte seed")
    try:
        key: MLDSA44PrivateKey = _module().MLDSA44PrivateKey.from_seed_bytes(seed)
    except UnsupportedAlgorithm:
        raise _unsupported() from None
    return key


def public_key_from_bytes(raw: bytes) -> MLDSA44PublicKey:
    """The public key of 1312 encoded bytes; MalformedLogData otherwise."""
    from cryptography.exceptions import UnsupportedAlgorithm

    if len(raw) != MLDSA44_PUBLIC_KEY_SIZE:
        raise MalformedLogData("malformed ML-DSA-44 key: expected 1312 bytes")
    try:
        key: MLDSA44PublicKey = _module().MLDSA44PublicKey.from_public_bytes(raw)
    except UnsupportedAlgorithm:
        raise _unsupported() from None
    except ValueError as exc:
        raise MalformedLogData(f"malformed ML-DSA-44 key: {exc}") from None
    return key


def _opaque8(text: str, what: str) -> bytes:
    # opaque <1..2^8-1>: a one-byte length, then 1 to 255 bytes (RFC 8446 3.4).
    try:
        value = text.encode()
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for it
        raise MalformedLogData(f"malformed ML-DSA-44 cosignature: bad {what}") from None
    if not 1 <= len(value) <= 255:
        raise MalformedLogData(f"malformed ML-DSA-44 cosignature: {what} must be 1..255 bytes")
    return bytes([len(value)]) + value


def subtree_message(
    cosigner_name: str, timestamp: int, log_origin: str, start: int, end: int, root: bytes
) -> bytes:
    """The ``cosigned_message`` ("ML-DSA-44 signed message") for a subtree.

    For a checkpoint pass ``start=0`` and ``end`` = its size. MalformedLogData
    for anything the structure cannot carry: names outside 1..255 bytes,
    integers outside uint64 (the timestamp at most 2^63 - 1, per "Format"),
    ``start > end``, a hash that is not 32 bytes, or a non-zero ``start`` with
    a non-zero timestamp.
    """
    if not 0 <= timestamp <= (1 << 63) - 1:
        raise MalformedLogData("malformed ML-DSA-44 cosignature: bad timestamp")
    if not 0 <= start <= end <= _MAX_UINT64:
        raise MalformedLogData("malformed ML-DSA-44 cosignature: bad subtree range")
    if start != 0 and timestamp != 0:
        raise MalformedLogData("malformed ML-DSA-44 cosignature: a subtree has timestamp 0")
    if len(root) != _HASH_SIZE:
        raise MalformedLogData("malformed ML-DSA-44 cosignature: bad hash")
    if start == end and root != _EMPTY_HASH:
        raise MalformedLogData("malformed ML-DSA-44 cosignature: an empty tree has SHA-256('')")
    return (
        SUBTREE_LABEL
        + _opaque8(cosigner_name, "cosigner name")
        + struct.pack(">Q", timestamp)
        + _opaque8(log_origin, "log origin")
        + struct.pack(">QQ", start, end)
        + root
    )
