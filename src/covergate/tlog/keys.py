"""Note keys of C2SP signed-note v1.0.0: names, key IDs, key strings, Ed25519.

A key name is non-empty, without Unicode whitespace and without "+". The key
ID is the first 4 bytes of SHA-256(name || 0x0A || key type || public key)
("Signatures" section); Ed25519 keys have type 0x01. A verifier key is written
``<name>+<hex key ID>+<base64(key type || public key)>`` ("Verifier keys"); the
public key is 32 bytes, but 1312 for ML-DSA-44 cosigner keys (type 0x06,
:mod:`covergate.tlog.mldsa`). A signer key is written as
golang.org/x/mod/sumdb/note writes it,
``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``.

The signers and verifiers here are the :class:`covergate.tlog.note.NoteSigner`
and :class:`covergate.tlog.note.NoteVerifier` that :func:`covergate.tlog.note.sign_note`
and :func:`covergate.tlog.note.open_note` take.

>>> signer, _ = generate_signer("example.com/log")
>>> Ed25519Verifier.from_key_string(signer.verifier_key()).key_id == signer.key_id
True
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from covergate.errors import MalformedLogData
from covergate.tlog._b64 import decode_b64
from covergate.tlog.mldsa import MLDSA44_KEY_TYPE, MLDSA44_PUBLIC_KEY_SIZE

__all__ = [
    "ED25519_KEY_TYPE",
    "Ed25519Signer",
    "Ed25519Verifier",
    "generate_signer",
    "key_id",
    "signer_from_key_string",
    "signer_from_private_bytes",
]

ED25519_KEY_TYPE = 0x01
_PUBLIC_KEY_SIZES = {MLDSA44_KEY_TYPE: MLDSA44_PUBLIC_KEY_SIZE}
"""Public key sizes of key types whose keys are not 32 bytes."""
SIGNATURE_PREFIX = "\u2014 ".encode()  # em dash, space
"""How every signature line of a note starts (signed-note "Signatures")."""


# --- names, key IDs and base64 ---------------------------------------------


def check_key_name(name: str) -> None:
    """Raise MalformedLogData unless ``name`` is a valid key name.

    signed-note: a key name is non-empty, has no Unicode whitespace and no "+".
    Control characters and lone surrogates (which no UTF-8 text can carry, and
    which ``str.encode`` refuses) are refused too, so :func:`key_id` and the
    signature lines only ever see names that encode.
    """
    if (
        not name
        or "+" in name
        or any(ch.isspace() or unicodedata.category(ch) in _BAD_NAME_CATEGORIES for ch in name)
    ):
        raise MalformedLogData(f"malformed note: bad key name {name!r}")


_BAD_NAME_CATEGORIES = frozenset({"Zs", "Cc", "Cs"})  # space separators, controls, surrogates


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """Return the 4-byte key ID: SHA-256(name || 0x0A || type || key)[:4]."""
    check_key_name(name)
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return digest[:4]


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def signature_line(name: str, kid: bytes, signature: bytes) -> bytes:
    """``— <name> <base64(key ID || signature)>`` and a newline."""
    return SIGNATURE_PREFIX + name.encode() + b" " + base64.b64encode(kid + signature) + b"\n"


def verifier_key_string(name: str, kid: bytes, key_type: int, public_key: bytes) -> str:
    """``<name>+<hex key ID>+<base64(key type || public key)>``."""
    encoded = base64.b64encode(bytes([key_type]) + public_key).decode()
    return f"{name}+{kid.hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, int, bytes]:
    """Return the (name, key type, raw public key) of a verifier key string."""
    # 1. Three "+"-separated fields; neither the name nor the ID contains "+",
    #    but the base64 key may.
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise MalformedLogData("malformed verifier key: expected name+id+key")
    name, hex_id, key64 = parts
    check_key_name(name)
    # 2. Eight lowercase hex digits of key ID.
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise MalformedLogData("malformed verifier key: bad key ID")
    # 3. base64(type || public key): 32 bytes, or 1312 for ML-DSA-44 (type
    #    0x06, tlog-cosignature "Format"), the one longer key type we know.
    key = decode_b64(key64, "verifier key")
    if not key:
        raise MalformedLogData("malformed verifier key: bad key length")
    key_type, raw = key[0], key[1:]
    if len(raw) != _PUBLIC_KEY_SIZES.get(key_type, 32):
        raise MalformedLogData("malformed verifier key: bad key length")
    # 4. The key ID must match the name and key.
    if key_id(name, key_type, raw) != bytes.fromhex(hex_id):
        raise MalformedLogData("malformed verifier key: key ID does not match")
    return name, key_type, raw


# --- Ed25519 signers and verifiers -----------------------------------------


class Ed25519Signer:
    """An Ed25519 note signer (key type 0x01)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self._private_key = private_key
        self.public_key = raw_public_key(private_key.public_key())
        self.key_id = key_id(name, ED25519_KEY_TYPE, self.public_key)

    def verifier_key(self) -> str:
        """Return the verifier key string ``<name>+<key ID>+<base64 key>``."""
        return verifier_key_string(self.name, self.key_id, ED25519_KEY_TYPE, self.public_key)

    def verifier(self) -> Ed25519Verifier:
        """Return the verifier for this signer's key."""
        return Ed25519Verifier(self.name, self._private_key.public_key())

    def sign(self, text: bytes) -> bytes:
        """Return the signature line for ``text``."""
        return signature_line(self.name, self.key_id, self._private_key.sign(text))

    def signer_key(self) -> str:
        """Return the secret signer key string golang.org/x/mod/sumdb/note
        reads: ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        seed = base64.b64encode(bytes([ED25519_KEY_TYPE]) + self._private_key.private_bytes_raw())
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{seed.decode()}"


class Ed25519Verifier:
    """An Ed25519 note verifier (key type 0x01)."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        check_key_name(name)
        self.name = name
        self.public_key = raw_public_key(public_key)
        self._public_key = public_key
        self.key_id = key_id(name, ED25519_KEY_TYPE, self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> Ed25519Verifier:
        """Parse a verifier key ``<name>+<hex key ID>+<base64(0x01 || key)>``."""
        name, key_type, raw = parse_verifier_key(vkey)
        if key_type != ED25519_KEY_TYPE:
            raise MalformedLogData("malformed verifier key: not an Ed25519 key")
        return cls(name, Ed25519PublicKey.from_public_bytes(raw))

    def verifier_key(self) -> str:
        """Return the verifier key string."""
        return verifier_key_string(self.name, self.key_id, ED25519_KEY_TYPE, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is a valid Ed25519 signature of ``text``."""
        try:
            self._public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


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


def split_signer_key(text: str, what: str) -> tuple[str, str, bytes]:
    """The (name, hex key ID, decoded key bytes) of ``PRIVATE+KEY+<name>+<id>+<base64>``.

    The name has no "+" and the ID is hex, so only the base64 part may hold "+".
    Raises MalformedLogData("malformed <what>: ..."); the caller checks the key
    bytes' type and length and that the ID matches.
    """
    prefix = "PRIVATE+KEY+"
    if not text.startswith(prefix):
        raise MalformedLogData(f"malformed {what}: missing PRIVATE+KEY prefix")
    parts = text[len(prefix) :].split("+", 2)
    if len(parts) != 3:
        raise MalformedLogData(f"malformed {what}: expected name+id+key")
    name, hex_id, key64 = parts
    check_key_name(name)
    return name, hex_id, decode_b64(key64, what)


def signer_from_key_string(skey: str) -> Ed25519Signer:
    """Parse a signer key string as written by :meth:`Ed25519Signer.signer_key`
    (and golang.org/x/mod/sumdb/note.GenerateKey)."""
    name, hex_id, key = split_signer_key(skey, "signer key")
    if len(key) != 33 or key[0] != ED25519_KEY_TYPE:
        raise MalformedLogData("malformed signer key: not an Ed25519 key")
    signer = signer_from_private_bytes(name, key[1:])
    if signer.key_id.hex() != hex_id:
        raise MalformedLogData("malformed signer key: key ID does not match")
    return signer
