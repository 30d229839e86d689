"""The witness's cosigning key and the one-line file it lives in.

A witness cosigns with Ed25519 (the default) or ML-DSA-44, the two cosignature
types of C2SP tlog-cosignature ("Format"). The key file holds one line, in the
style of golang.org/x/mod/sumdb/note signer keys but with the cosignature key
type::

    PRIVATE+KEY+<name>+<8 hex digits of key ID>+<base64(0x04 || 32-byte Ed25519 seed)>
    PRIVATE+KEY+<name>+<8 hex digits of key ID>+<base64(0x06 || 32-byte ML-DSA-44 seed)>

The ML-DSA-44 seed is the FIPS 204 key generation seed (what
``MLDSA44PrivateKey.private_bytes_raw`` gives), from which the 1312-byte public
key is derived again on every start. The key ID is that of the cosignature
verifier key, SHA-256(name || 0x0A || type || public key)[:4], so a damaged or
mismatched line is refused, not used. The file is created with mode 0600 and
never overwritten.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.errors import InvalidInput, MalformedLogData
from covergate.tlog import mldsa
from covergate.tlog.cosignature import CosignatureAlgorithm, CosignatureSigner
from covergate.tlog.keys import check_key_name, key_id, split_signer_key, verifier_key_string

if TYPE_CHECKING:
    from covergate.tlog.cosignature import CosignerPrivateKey

__all__ = ["Clock", "WitnessKey"]

_PREFIX = "PRIVATE+KEY+"
_SEED_SIZE = 32  # Ed25519 and ML-DSA-44 seeds alike


Clock = Callable[[], float]
"""UNIX seconds, for cosignature timestamps and state times; tests pass their own."""


@dataclass(frozen=True)
class WitnessKey:
    """The witness's name and its cosigning key (Ed25519 or ML-DSA-44)."""

    name: str
    private_key: CosignerPrivateKey

    @classmethod
    def generate(
        cls, name: str, algorithm: CosignatureAlgorithm = CosignatureAlgorithm.ED25519
    ) -> WitnessKey:
        """A fresh key for witness ``name`` (InvalidInput for a bad key name, and
        MLDSAUnavailable for ML-DSA-44 where cryptography has none)."""
        try:
            check_key_name(name)
        except MalformedLogData:
            raise InvalidInput(
                f"--name: not a valid key name (no spaces, no '+'): {name!r}"
            ) from None
        if algorithm is CosignatureAlgorithm.ED25519:
            return cls(name, Ed25519PrivateKey.generate())
        if len(name.encode()) > 255:  # cosigner_name<1..2^8-1> is signed
            raise InvalidInput("--name: an ML-DSA-44 witness name is at most 255 bytes")
        return cls(name, mldsa.generate_private_key())

    @property
    def algorithm(self) -> CosignatureAlgorithm:
        if isinstance(self.private_key, Ed25519PrivateKey):
            return CosignatureAlgorithm.ED25519
        return CosignatureAlgorithm.ML_DSA_44

    @property
    def public_key(self) -> bytes:
        return self.signer().public_key

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.algorithm.key_type, self.public_key)

    def verifier_key(self) -> str:
        """The cosignature verifier key (type 0x04 or 0x06) logs and monitors configure."""
        return verifier_key_string(self.name, self.key_id, self.algorithm.key_type, self.public_key)

    def signer(self, clock: Clock | None = None) -> CosignatureSigner:
        """A cosigner; ``clock`` gives the UNIX time each cosignature carries."""
        return CosignatureSigner(self.name, self.private_key, clock or time.time)

    def to_line(self) -> str:
        """The key file's one line, with its newline."""
        seed = bytes([self.algorithm.key_type]) + self.private_key.private_bytes_raw()
        encoded = base64.b64encode(seed).decode()
        return f"{_PREFIX}{self.name}+{self.key_id.hex()}+{encoded}\n"

    @classmethod
    def from_line(cls, line: str) -> WitnessKey:
        """Parse a key file's line; MalformedLogData for anything else (and
        MLDSAUnavailable for an ML-DSA-44 key cryptography cannot use)."""
        name, hex_id, raw = split_signer_key(line.removesuffix("\n"), "witness key")
        if len(raw) != 1 + _SEED_SIZE:
            raise MalformedLogData("malformed witness key: not a cosignature key")
        algorithm = CosignatureAlgorithm.from_key_type(raw[0])
        if algorithm is CosignatureAlgorithm.ED25519:
            key = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        else:
            key = cls(name, mldsa.private_key_from_seed(raw[1:]))
        if key.key_id.hex() != hex_id:
            raise MalformedLogData("malformed witness key: key ID does not match")
        return key

    def write_new(self, path: Path) -> None:
        """Create ``path`` (mode 0600) holding the key; refuse if it exists."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InvalidInput(f"{path}: a witness key is already there") from None
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot create the key file ({exc.strerror})") from None
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(self.to_line())
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def read(cls, path: Path) -> WitnessKey:
        """The key in ``path``; InvalidInput (one line) if missing or damaged."""
        try:
            data = path.read_bytes()[:4096]
        except FileNotFoundError:
            raise InvalidInput(
                f"{path}: no witness key (run `covergate witness init` first)"
            ) from None
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot read the key file ({exc.strerror})") from None
        try:
            return cls.from_line(data.decode("ascii"))
        except (UnicodeDecodeError, MalformedLogData, ValueError) as exc:
            raise InvalidInput(f"{path}: not a witness key file ({exc})") from None
