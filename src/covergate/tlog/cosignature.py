"""Cosignatures of C2SP tlog-cosignature v1.0.1.

A cosignature ("Format" section) is a note signature line of key type 0x04
whose signature is an 8-byte big-endian UNIX time followed by an Ed25519
signature over ``cosignature/v1\\ntime <time>\\n`` and the checkpoint text.
Key IDs and key strings are those of :mod:`covergate.tlog.keys`, with type
byte 0x04.
"""

from __future__ import annotations

import math
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from covergate.errors import MalformedLogData
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

__all__ = [
    "COSIGNATURE_KEY_TYPE",
    "MAX_TIMESTAMP",
    "CosignatureSigner",
    "CosignatureVerifier",
    "verifier_from_key_string",
]

COSIGNATURE_KEY_TYPE = 0x04
MAX_TIMESTAMP = (1 << 63) - 1
"""tlog-cosignature: the timestamp "MUST NOT exceed 2^63 - 1"."""


def _cosigned_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


class CosignatureSigner:
    """A witness cosigner (key type 0x04): signs checkpoint text with a time.

    ``clock()`` returns the current UNIX time in seconds; inject it in tests.
    """

    def __init__(self, name: str, private_key: Ed25519PrivateKey, clock: _Clock) -> None:
        check_key_name(name)
        self.name = name
        self._private_key = private_key
        self._clock = clock
        self.public_key = raw_public_key(private_key.public_key())
        self.key_id = key_id(name, COSIGNATURE_KEY_TYPE, self.public_key)

    def verifier_key(self) -> str:
        """Return the verifier key string (type byte 0x04)."""
        return verifier_key_string(self.name, self.key_id, COSIGNATURE_KEY_TYPE, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Return the cosignature line for checkpoint ``text``."""
        now = self._clock()
        # Python compares int and float exactly: float(2**63 - 1) is 2**63, over.
        if (isinstance(now, float) and not math.isfinite(now)) or not 0 <= now <= MAX_TIMESTAMP:
            raise MalformedLogData("malformed cosignature: bad timestamp")
        timestamp = int(now)
        signature = self._private_key.sign(_cosigned_message(timestamp, text))
        return signature_line(self.name, self.key_id, timestamp.to_bytes(8, "big") + signature)


class CosignatureVerifier:
    """Verifies cosignatures (key type 0x04) of one witness key."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        check_key_name(name)
        self.name = name
        self.public_key = raw_public_key(public_key)
        self._public_key = public_key
        self.key_id = key_id(name, COSIGNATURE_KEY_TYPE, self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> CosignatureVerifier:
        """Parse a verifier key with type byte 0x04."""
        name, key_type, raw = parse_verifier_key(vkey)
        if key_type != COSIGNATURE_KEY_TYPE:
            raise MalformedLogData("malformed verifier key: not a cosignature key")
        return cls(name, Ed25519PublicKey.from_public_bytes(raw))

    def verifier_key(self) -> str:
        """Return the verifier key string."""
        return verifier_key_string(self.name, self.key_id, COSIGNATURE_KEY_TYPE, self.public_key)

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """Return the UNIX time a cosignature (without key ID) carries; over
        2**63 - 1 is malformed (tlog-cosignature)."""
        if len(signature) != 72:
            raise MalformedLogData("malformed cosignature: expected 72 bytes")
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise MalformedLogData("malformed cosignature: timestamp over 2**63 - 1")
        return timestamp

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is timestamp || Ed25519 signature of the
        cosigned message for checkpoint ``text``."""
        if len(signature) != 72:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        try:
            self._public_key.verify(signature[8:], _cosigned_message(timestamp, text))
        except InvalidSignature:
            return False
        return True


class _Clock(Protocol):
    def __call__(self) -> float: ...


def verifier_from_key_string(vkey: str) -> Ed25519Verifier | CosignatureVerifier:
    """Parse a verifier key of type 0x01 (Ed25519) or 0x04 (cosignature)."""
    name, key_type, raw = parse_verifier_key(vkey)
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    if key_type == ED25519_KEY_TYPE:
        return Ed25519Verifier(name, public_key)
    if key_type == COSIGNATURE_KEY_TYPE:
        return CosignatureVerifier(name, public_key)
    raise MalformedLogData(f"malformed verifier key: unsupported key type {key_type}")
