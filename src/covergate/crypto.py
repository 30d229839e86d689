"""Field encryption for subject data at rest (AES-256-GCM).

Each encrypted value is ``nonce (12 bytes) || ciphertext+tag``, bound to an
*associated data* label naming what it is (``b"request.subject"``), so a value
copied to another column does not decrypt. The key is 32 random bytes kept in
``<data>/field.key`` (created by ``covergate init`` with mode 0600) or given as
base64 in ``COVERGATE_KEY``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from covergate.errors import CovergateError, InvalidInput

# Every command opens a FieldCipher; only those that encrypt or decrypt a value
# import the cipher itself (cryptography's AEAD module and its bindings, 15 ms).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
KEY_SIZE = 32


class DecryptionFailed(CovergateError):
    status = 500
    code = "decryption-failed"
    title = "Stored data could not be decrypted"


class FieldCipher:
    """Encrypts and decrypts single values with one AES-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise InvalidInput(f"field key must be {KEY_SIZE} bytes, got {len(key)}")
        self._key = key
        self._aead_of_key: AESGCM | None = None

    @property
    def _aead(self) -> AESGCM:
        if self._aead_of_key is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead_of_key = AESGCM(self._key)
        return self._aead_of_key

    def encrypt(self, plaintext: bytes, *, label: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, plaintext, label)

    def decrypt(self, blob: bytes, *, label: bytes) -> bytes:
        if len(blob) < NONCE_SIZE + 16:
            raise DecryptionFailed(f"encrypted {label.decode()} is truncated")
        from cryptography.exceptions import InvalidTag

        aead = self._aead
        try:
            return aead.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], label)
        except InvalidTag as exc:
            raise DecryptionFailed(
                f"encrypted {label.decode()} does not decrypt with this key"
            ) from exc

    def encrypt_json(self, value: object, *, label: bytes) -> bytes:
        return self.encrypt(json.dumps(value, sort_keys=True).encode(), label=label)

    def decrypt_json(self, blob: bytes, *, label: bytes) -> object:
        return json.loads(self.decrypt(blob, label=label))


def load_key(key_file: Path, key_b64: str | None) -> bytes:
    """The field key from ``COVERGATE_KEY`` or the key file."""
    if key_b64:
        try:
            return base64.b64decode(key_b64, validate=True)
        except binascii.Error as exc:
            raise InvalidInput("COVERGATE_KEY is not valid base64") from exc
    try:
        return base64.b64decode(key_file.read_bytes().strip(), validate=True)
    except FileNotFoundError as exc:
        raise InvalidInput(f"no field key at {key_file}: run `covergate init` first") from exc
    except binascii.Error as exc:
        raise InvalidInput(f"field key file {key_file} is not valid base64") from exc


def create_key_file(key_file: Path) -> bool:
    """Create a new random key file unless one exists; True when created."""
    if key_file.exists():
        return False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.b64encode(os.urandom(KEY_SIZE)) + b"\n")
    return True
