"""Cosignatures of C2SP tlog-cosignature: Ed25519 (type 0x04) and ML-DSA-44 (0x06).

A cosignature ("Format" section) is a note signature line whose signature is a
``timestamped_signature``: an 8-byte big-endian POSIX time, then the signature.

- Ed25519 (key type 0x04, :attr:`CosignatureAlgorithm.ED25519`): an Ed25519
  signature over ``cosignature/v1\\ntime <time>\\n`` and the checkpoint text
  ("Ed25519 signed message"); 72 bytes in all.
- ML-DSA-44 (key type 0x06, :attr:`CosignatureAlgorithm.ML_DSA_44`): an
  ML-DSA-44 signature over the binary ``cosigned_message`` of the subtree
  [0, size) of the checkpoint, which commits to the cosigner name and not to
  extension lines ("ML-DSA-44 signed message", :mod:`covergate.tlog.mldsa`);
  2428 bytes in all. The spec says it SHOULD be used for new deployments.

Key IDs and key strings are those of :mod:`covergate.tlog.keys` with the
type byte of the algorithm. One :class:`CosignatureSigner` and one
:class:`CosignatureVerifier` serve both algorithms, chosen by the key they are
given, so every caller that holds a witness verifier works with either.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from covergate.errors import MalformedLogData
from covergate.tlog import mldsa
from covergate.tlog.keys import (
    ED25519_KEY_TYPE,
    Ed25519Verifier,
    check_key_name,
    key_id,
    parse_verifier_key,
    raw_public_key,
    signature_line,
    verifier_key_string,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.mldsa import (
        MLDSA44PrivateKey,
        MLDSA44PublicKey,
    )

    CosignerPrivateKey: TypeAlias = Ed25519PrivateKey | MLDSA44PrivateKey
    CosignerPublicKey: TypeAlias = Ed25519PublicKey | MLDSA44PublicKey

__all__ = [
    "COSIGNATURE_KEY_TYPE",
    "MAX_TIMESTAMP",
    "MLDSA44_COSIGNATURE_KEY_TYPE",
    "CosignatureAlgorithm",
    "CosignatureSigner",
    "CosignatureVerifier",
    "verifier_from_key_string",
]

COSIGNATURE_KEY_TYPE = 0x04
MLDSA44_COSIGNATURE_KEY_TYPE = mldsa.MLDSA44_KEY_TYPE
MAX_TIMESTAMP = (1 << 63) - 1
"""tlog-cosignature: the timestamp "MUST NOT exceed 2^63 - 1"."""


class CosignatureAlgorithm(StrEnum):
    """The cosignature types of tlog-cosignature; the values are the CLI spellings."""

    ED25519 = "ed25519"
    ML_DSA_44 = "ml-dsa-44"

    @property
    def key_type(self) -> int:
        """The key ID algorithm byte ("Format"): 0x04 or 0x06."""
        if self is CosignatureAlgorithm.ED25519:
            return COSIGNATURE_KEY_TYPE
        return MLDSA44_COSIGNATURE_KEY_TYPE

    @property
    def signature_size(self) -> int:
        """The size of a ``timestamped_signature``: 8 + 64 or 8 + 2420 bytes."""
        if self is CosignatureAlgorithm.ED25519:
            return 8 + 64
        return 8 + mldsa.MLDSA44_SIGNATURE_SIZE

    @classmethod
    def from_key_type(cls, key_type: int) -> CosignatureAlgorithm:
        """The algorithm of a key type byte; MalformedLogData for another type."""
        for algorithm in cls:
            if algorithm.key_type == key_type:
                return algorithm
        raise MalformedLogData("malformed verifier key: not a cosignature key")


_BY_SIZE = {a.signature_size: a for a in CosignatureAlgorithm}


def _ed25519_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def _mldsa_message(name: str, timestamp: int, text: bytes) -> bytes:
    """tlog-cosignature "ML-DSA-44 signed message" of checkpoint ``text``:
    the subtree [0, size) with the root hash; MalformedLogData if ``text`` is
    not a checkpoint the structure can carry, or has extension lines (see
    :mod:`covergate.tlog.mldsa` for why)."""
    # Imported here: checkpoint imports note, which imports this module.
    from covergate.tlog.checkpoint import Checkpoint

    checkpoint = Checkpoint.from_text(text)
    if checkpoint.extensions:
        raise MalformedLogData(
            "malformed checkpoint: an ML-DSA-44 cosignature does not cover extension lines"
        )
    return mldsa.subtree_message(
        name, timestamp, checkpoint.origin, 0, checkpoint.size, bytes(checkpoint.root)
    )


def _check_name(name: str, algorithm: CosignatureAlgorithm) -> None:
    check_key_name(name)
    # cosigner_name<1..2^8-1>: an ML-DSA-44 cosigner's name is signed, so it
    # must fit; check_key_name made sure it encodes.
    if algorithm is CosignatureAlgorithm.ML_DSA_44 and len(name.encode()) > 255:
        raise MalformedLogData("malformed note: an ML-DSA-44 cosigner name is at most 255 bytes")


class CosignatureSigner:
    """A witness cosigner: signs checkpoint text with a time, by either algorithm.

    The algorithm is that of ``private_key``. ``clock()`` returns the current
    UNIX time in seconds; inject it in tests.
    """

    def __init__(self, name: str, private_key: CosignerPrivateKey, clock: _Clock) -> None:
        self.algorithm = (
            CosignatureAlgorithm.ED25519
            if isinstance(private_key, Ed25519PrivateKey)
            else CosignatureAlgorithm.ML_DSA_44
        )
        _check_name(name, self.algorithm)
        self.name = name
        self._private_key = private_key
        self._clock = clock
        self.public_key = _raw(private_key.public_key())
        self.key_id = key_id(name, self.algorithm.key_type, self.public_key)

    def verifier_key(self) -> str:
        """Return the verifier key string (type byte 0x04 or 0x06)."""
        return verifier_key_string(self.name, self.key_id, self.algorithm.key_type, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Return the cosignature line for checkpoint ``text``.

        MalformedLogData for a clock outside 0..2^63 - 1, or (ML-DSA-44) text
        that is not a checkpoint, has extension lines or an origin over 255
        bytes.
        """
        now = self._clock()
        # Python compares int and float exactly: float(2**63 - 1) is 2**63, over.
        if (isinstance(now, float) and not math.isfinite(now)) or not 0 <= now <= MAX_TIMESTAMP:
            raise MalformedLogData("malformed cosignature: bad timestamp")
        timestamp = int(now)
        if isinstance(self._private_key, Ed25519PrivateKey):
            signature = self._private_key.sign(_ed25519_message(timestamp, text))
        else:
            signature = self._private_key.sign(_mldsa_message(self.name, timestamp, text))
        return signature_line(self.name, self.key_id, timestamp.to_bytes(8, "big") + signature)


class CosignatureVerifier:
    """Verifies cosignatures of one witness key (type 0x04 or 0x06)."""

    def __init__(self, name: str, public_key: CosignerPublicKey) -> None:
        self.algorithm = (
            CosignatureAlgorithm.ED25519
            if isinstance(public_key, Ed25519PublicKey)
            else CosignatureAlgorithm.ML_DSA_44
        )
        _check_name(name, self.algorithm)
        self.name = name
        self.public_key = _raw(public_key)
        self._public_key = public_key
        self.key_id = key_id(name, self.algorithm.key_type, self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> CosignatureVerifier:
        """Parse a verifier key with type byte 0x04 (Ed25519) or 0x06 (ML-DSA-44).

        MalformedLogData for anything else; MLDSAUnavailable for an ML-DSA-44
        key where the installed cryptography has no ML-DSA.
        """
        name, key_type, raw = parse_verifier_key(vkey)
        if CosignatureAlgorithm.from_key_type(key_type) is CosignatureAlgorithm.ED25519:
            return cls(name, Ed25519PublicKey.from_public_bytes(raw))
        return cls(name, mldsa.public_key_from_bytes(raw))

    def verifier_key(self) -> str:
        """Return the verifier key string."""
        return verifier_key_string(self.name, self.key_id, self.algorithm.key_type, self.public_key)

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """Return the UNIX time a cosignature (without key ID) of either
        algorithm carries; over 2**63 - 1 is malformed (tlog-cosignature).

        The two ``timestamped_signature`` sizes (72 and 2428 bytes) tell the
        algorithms apart, so this needs no key.
        """
        if len(signature) not in _BY_SIZE:
            raise MalformedLogData("malformed cosignature: expected 72 or 2428 bytes")
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise MalformedLogData("malformed cosignature: timestamp over 2**63 - 1")
        return timestamp

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is timestamp || signature of the cosigned
        message for checkpoint ``text`` by this key.

        False, never an exception, for a signature of the wrong size or time,
        and (ML-DSA-44) for text that is not a checkpoint without extension
        lines: no valid cosignature of it can exist.
        """
        if len(signature) != self.algorithm.signature_size:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        try:
            if isinstance(self._public_key, Ed25519PublicKey):
                self._public_key.verify(signature[8:], _ed25519_message(timestamp, text))
            else:
                message = _mldsa_message(self.name, timestamp, text)
                self._public_key.verify(signature[8:], message)
        except (InvalidSignature, MalformedLogData):
            return False
        return True


class _Clock(Protocol):
    def __call__(self) -> float: ...


def _raw(public_key: CosignerPublicKey) -> bytes:
    if isinstance(public_key, Ed25519PublicKey):
        return raw_public_key(public_key)
    return public_key.public_bytes_raw()


def verifier_from_key_string(vkey: str) -> Ed25519Verifier | CosignatureVerifier:
    """Parse a verifier key of type 0x01 (Ed25519), 0x04 or 0x06 (cosignatures)."""
    name, key_type, raw = parse_verifier_key(vkey)
    if key_type == ED25519_KEY_TYPE:
        return Ed25519Verifier(name, Ed25519PublicKey.from_public_bytes(raw))
    if key_type in (COSIGNATURE_KEY_TYPE, MLDSA44_COSIGNATURE_KEY_TYPE):
        return CosignatureVerifier.from_key_string(vkey)
    raise MalformedLogData(f"malformed verifier key: unsupported key type {key_type}")
