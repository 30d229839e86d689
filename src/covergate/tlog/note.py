"""Signed notes of C2SP signed-note v1.0.0, and cosignatures of C2SP
tlog-cosignature v1.0.1.

A note is UTF-8 text without control characters other than newline, ending in
a newline, followed by an empty line and one or more signature lines
``— <name> <base64(key ID || signature)>``. The key ID is the first 4 bytes
of SHA-256(name || 0x0A || key type || public key) ("Signatures" section);
Ed25519 keys have type 0x01. A verifier key is written
``<name>+<hex key ID>+<base64(key type || public key)>`` ("Verifier keys").

A cosignature (tlog-cosignature "Format") is a signature line of key type
0x04 whose signature is an 8-byte big-endian UNIX time followed by an Ed25519
signature over ``cosignature/v1\\ntime <time>\\n`` and the checkpoint text.

>>> signer, _ = generate_signer("example.com/log")
>>> note = sign_note(b"hello\\n", [signer])
>>> open_note(note, [Ed25519Verifier.from_key_string(signer.verifier_key())]).text
b'hello\\n'
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog._b64 import decode_b64

__all__ = [
    "COSIGNATURE_KEY_TYPE",
    "ED25519_KEY_TYPE",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "generate_signer",
    "key_id",
    "open_note",
    "sign_note",
    "signer_from_key_string",
    "signer_from_private_bytes",
    "verifier_from_key_string",
]

ED25519_KEY_TYPE = 0x01
COSIGNATURE_KEY_TYPE = 0x04
_SIGNATURE_PREFIX = "\u2014 ".encode()  # em dash, space
_MAX_SIGNATURES = 100  # as golang.org/x/mod/sumdb/note: bound the work per note


# --- names, key IDs and base64 ---------------------------------------------


def _check_name(name: str) -> None:
    # signed-note: a key name is non-empty, has no Unicode whitespace and no "+".
    if (
        not name
        or "+" in name
        or any(ch.isspace() or unicodedata.category(ch) == "Zs" for ch in name)
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name)
    ):
        raise MalformedLogData(f"malformed note: bad key name {name!r}")


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """Return the 4-byte key ID: SHA-256(name || 0x0A || type || key)[:4]."""
    _check_name(name)
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return digest[:4]


def _raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- signers and verifiers -------------------------------------------------


class NoteSigner(Protocol):
    """Signs note text for one key name."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes:
        """Return the signature line (with its newline) for ``text``."""
        ...


class NoteVerifier(Protocol):
    """Verifies signatures of one key, identified by name and key ID."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is valid for ``text``."""
        ...


def _signature_line(name: str, kid: bytes, signature: bytes) -> bytes:
    return _SIGNATURE_PREFIX + name.encode() + b" " + base64.b64encode(kid + signature) + b"\n"


class Ed25519Signer:
    """An Ed25519 note signer (key type 0x01)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._private_key = private_key
        self.public_key = _raw_public_key(private_key.public_key())
        self.key_id = key_id(name, ED25519_KEY_TYPE, self.public_key)

    def verifier_key(self) -> str:
        """Return the verifier key string ``<name>+<key ID>+<base64 key>``."""
        return _verifier_key_string(self.name, self.key_id, ED25519_KEY_TYPE, self.public_key)

    def verifier(self) -> Ed25519Verifier:
        """Return the verifier for this signer's key."""
        return Ed25519Verifier(self.name, self._private_key.public_key())

    def sign(self, text: bytes) -> bytes:
        """Return the signature line for ``text``."""
        return _signature_line(self.name, self.key_id, self._private_key.sign(text))

    def signer_key(self) -> str:
        """Return the secret signer key string golang.org/x/mod/sumdb/note
        reads: ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        seed = base64.b64encode(bytes([ED25519_KEY_TYPE]) + self._private_key.private_bytes_raw())
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{seed.decode()}"


class Ed25519Verifier:
    """An Ed25519 note verifier (key type 0x01)."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        _check_name(name)
        self.name = name
        self.public_key = _raw_public_key(public_key)
        self._public_key = public_key
        self.key_id = key_id(name, ED25519_KEY_TYPE, self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> Ed25519Verifier:
        """Parse a verifier key ``<name>+<hex key ID>+<base64(0x01 || key)>``."""
        name, key_type, raw = _parse_verifier_key(vkey)
        if key_type != ED25519_KEY_TYPE:
            raise MalformedLogData("malformed verifier key: not an Ed25519 key")
        return cls(name, Ed25519PublicKey.from_public_bytes(raw))

    def verifier_key(self) -> str:
        """Return the verifier key string."""
        return _verifier_key_string(self.name, self.key_id, ED25519_KEY_TYPE, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is a valid Ed25519 signature of ``text``."""
        try:
            self._public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


def _verifier_key_string(name: str, kid: bytes, key_type: int, public_key: bytes) -> str:
    encoded = base64.b64encode(bytes([key_type]) + public_key).decode()
    return f"{name}+{kid.hex()}+{encoded}"


def _parse_verifier_key(vkey: str) -> tuple[str, int, bytes]:
    # 1. Three "+"-separated fields; neither the name nor the ID contains "+",
    #    but the base64 key may.
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise MalformedLogData("malformed verifier key: expected name+id+key")
    name, hex_id, key64 = parts
    _check_name(name)
    # 2. Eight lowercase hex digits of key ID.
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise MalformedLogData("malformed verifier key: bad key ID")
    # 3. base64(type || 32-byte public key).
    key = decode_b64(key64, "verifier key")
    if len(key) != 33:
        raise MalformedLogData("malformed verifier key: bad key length")
    key_type, raw = key[0], key[1:]
    # 4. The key ID must match the name and key.
    if key_id(name, key_type, raw) != bytes.fromhex(hex_id):
        raise MalformedLogData("malformed verifier key: key ID does not match")
    return name, key_type, raw


def generate_signer(name: str) -> tuple[Ed25519Signer, bytes]:
    """Return a new signer and its raw 32-byte private key, to be kept secret."""
    private_key = Ed25519PrivateKey.generate()
    raw = private_key.private_bytes_raw()
    return Ed25519Signer(name, private_key), raw


def signer_from_private_bytes(name: str, raw32: bytes) -> Ed25519Signer:
    """Return the signer for a raw 32-byte Ed25519 private key."""
    if len(raw32) != 32:
        raise MalformedLogData("malformed private key: expected 32 bytes")
    return Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(raw32))


def signer_from_key_string(skey: str) -> Ed25519Signer:
    """Parse a signer key string as written by :meth:`Ed25519Signer.signer_key`
    (and golang.org/x/mod/sumdb/note.GenerateKey)."""
    prefix = "PRIVATE+KEY+"
    if not skey.startswith(prefix):
        raise MalformedLogData("malformed signer key: missing PRIVATE+KEY prefix")
    parts = skey[len(prefix) :].split("+", 2)
    if len(parts) != 3:
        raise MalformedLogData("malformed signer key: expected name+id+key")
    name, hex_id, key64 = parts
    _check_name(name)
    key = decode_b64(key64, "signer key")
    if len(key) != 33 or key[0] != ED25519_KEY_TYPE:
        raise MalformedLogData("malformed signer key: not an Ed25519 key")
    signer = signer_from_private_bytes(name, key[1:])
    if signer.key_id.hex() != hex_id:
        raise MalformedLogData("malformed signer key: key ID does not match")
    return signer


# --- cosignatures (C2SP tlog-cosignature) ----------------------------------


def _cosigned_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


class CosignatureSigner:
    """A witness cosigner (key type 0x04): signs checkpoint text with a time.

    ``clock()`` returns the current UNIX time in seconds; inject it in tests.
    """

    def __init__(self, name: str, private_key: Ed25519PrivateKey, clock: _Clock) -> None:
        _check_name(name)
        self.name = name
        self._private_key = private_key
        self._clock = clock
        self.public_key = _raw_public_key(private_key.public_key())
        self.key_id = key_id(name, COSIGNATURE_KEY_TYPE, self.public_key)

    def verifier_key(self) -> str:
        """Return the verifier key string (type byte 0x04)."""
        return _verifier_key_string(self.name, self.key_id, COSIGNATURE_KEY_TYPE, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Return the cosignature line for checkpoint ``text``."""
        timestamp = int(self._clock())
        if not 0 <= timestamp < 1 << 64:
            raise MalformedLogData("malformed cosignature: bad timestamp")
        signature = self._private_key.sign(_cosigned_message(timestamp, text))
        return _signature_line(self.name, self.key_id, timestamp.to_bytes(8, "big") + signature)


class CosignatureVerifier:
    """Verifies cosignatures (key type 0x04) of one witness key."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        _check_name(name)
        self.name = name
        self.public_key = _raw_public_key(public_key)
        self._public_key = public_key
        self.key_id = key_id(name, COSIGNATURE_KEY_TYPE, self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> CosignatureVerifier:
        """Parse a verifier key with type byte 0x04."""
        name, key_type, raw = _parse_verifier_key(vkey)
        if key_type != COSIGNATURE_KEY_TYPE:
            raise MalformedLogData("malformed verifier key: not a cosignature key")
        return cls(name, Ed25519PublicKey.from_public_bytes(raw))

    def verifier_key(self) -> str:
        """Return the verifier key string."""
        return _verifier_key_string(self.name, self.key_id, COSIGNATURE_KEY_TYPE, self.public_key)

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """Return the UNIX time a cosignature (without key ID) carries."""
        if len(signature) != 72:
            raise MalformedLogData("malformed cosignature: expected 72 bytes")
        return int.from_bytes(signature[:8], "big")

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is timestamp || Ed25519 signature of the
        cosigned message for checkpoint ``text``."""
        if len(signature) != 72:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        try:
            self._public_key.verify(signature[8:], _cosigned_message(timestamp, text))
        except InvalidSignature:
            return False
        return True


class _Clock(Protocol):
    def __call__(self) -> float: ...


def verifier_from_key_string(vkey: str) -> Ed25519Verifier | CosignatureVerifier:
    """Parse a verifier key of type 0x01 (Ed25519) or 0x04 (cosignature)."""
    name, key_type, raw = _parse_verifier_key(vkey)
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    if key_type == ED25519_KEY_TYPE:
        return Ed25519Verifier(name, public_key)
    if key_type == COSIGNATURE_KEY_TYPE:
        return CosignatureVerifier(name, public_key)
    raise MalformedLogData(f"malformed verifier key: unsupported key type {key_type}")


# --- notes -----------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID and signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """An opened note: its text (with the final newline), the verifiers that
    verified it, their signatures, and the signatures of unknown keys."""

    text: bytes
    verified_by: list[NoteVerifier] = field(default_factory=list)
    signatures: list[NoteSignature] = field(default_factory=list)
    unverified: list[NoteSignature] = field(default_factory=list)


def _check_text(text: bytes, what: str) -> None:
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedLogData(f"malformed {what}: not UTF-8") from exc
    if any((ord(ch) < 0x20 and ch != "\n") or ord(ch) == 0x7F for ch in decoded):
        raise MalformedLogData(f"malformed {what}: control character")


def sign_note(text: bytes, signers: Sequence[NoteSigner]) -> bytes:
    """Return ``text`` signed by each of ``signers``."""
    # 1. The text must be a valid note text ending in a newline.
    _check_text(text, "note text")
    if not text.endswith(b"\n"):
        raise MalformedLogData("malformed note text: does not end with a newline")
    if not signers:
        raise MalformedLogData("malformed note: no signer")
    # 2. Text, an empty line, then one signature line per signer.
    return text + b"\n" + b"".join(signer.sign(text) for signer in signers)


def open_note(note: bytes, verifiers: Sequence[NoteVerifier]) -> Note:
    """Parse ``note`` and verify its signatures.

    Signatures of keys not in ``verifiers`` are ignored (and listed in
    ``unverified``). Raises MalformedLogData for a malformed note and
    VerificationFailed when a known key's signature fails or when no known key
    signed the note.
    """
    # 1. Valid UTF-8, no control characters but newline.
    _check_text(note, "note")
    # 2. Split the text from the signatures at the last empty line.
    split = note.rfind(b"\n\n")
    if split < 0:
        raise MalformedLogData("malformed note: no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith(b"\n"):
        raise MalformedLogData("malformed note: signature block does not end with a newline")
    known = {(v.name, bytes(v.key_id)): v for v in verifiers}
    result = Note(text=text)
    seen: set[tuple[str, bytes]] = set()
    lines = block[:-1].split(b"\n")
    if len(lines) > _MAX_SIGNATURES:
        raise MalformedLogData("malformed note: too many signatures")
    for line in lines:
        # 3. Each line: em dash, space, name, space, base64(key ID || signature).
        if not line.startswith(_SIGNATURE_PREFIX):
            raise MalformedLogData("malformed note: bad signature line")
        name_bytes, sep, b64 = line[len(_SIGNATURE_PREFIX) :].partition(b" ")
        if not sep:
            raise MalformedLogData("malformed note: bad signature line")
        name = name_bytes.decode("utf-8")
        _check_name(name)
        raw = decode_b64(b64, "note signature")
        if len(raw) < 5:
            raise MalformedLogData("malformed note: signature too short")
        sig = NoteSignature(name=name, key_id=raw[:4], signature=raw[4:])
        verifier = known.get((name, sig.key_id))
        # 4. Ignore unknown keys.
        if verifier is None:
            result.unverified.append(sig)
            continue
        if (name, sig.key_id) in seen:
            continue
        seen.add((name, sig.key_id))
        # 5. A known key whose signature fails rejects the whole note.
        if not verifier.verify(text, sig.signature):
            raise VerificationFailed(f"invalid signature by {name}")
        result.verified_by.append(verifier)
        result.signatures.append(sig)
    # 6. At least one known key must have signed.
    if not result.verified_by:
        raise VerificationFailed("note has no signature by a known key")
    return result
