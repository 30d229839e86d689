"""Signed notes of C2SP signed-note v1.0.0: signing and opening.

A note is UTF-8 text without control characters other than newline, ending in
a newline, followed by an empty line and one or more signature lines
``— <name> <base64(key ID || signature)>``. The text is split from the
signatures at the last empty line; the signed message is the text with its
final newline. Key names, key IDs, key strings and the Ed25519 signer and
verifier are in :mod:`covergate.tlog.keys`; cosignatures (C2SP
tlog-cosignature) in :mod:`covergate.tlog.cosignature`. Both are re-exported
here, where callers have always imported them from.

>>> signer, _ = generate_signer("example.com/log")
>>> note = sign_note(b"hello\\n", [signer])
>>> open_note(note, [Ed25519Verifier.from_key_string(signer.verifier_key())]).text
b'hello\\n'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog._b64 import decode_b64
from covergate.tlog.cosignature import (
    COSIGNATURE_KEY_TYPE,
    CosignatureSigner,
    CosignatureVerifier,
    verifier_from_key_string,
)
from covergate.tlog.keys import (
    ED25519_KEY_TYPE,
    SIGNATURE_PREFIX,
    Ed25519Signer,
    Ed25519Verifier,
    check_key_name,
    generate_signer,
    key_id,
    signer_from_key_string,
    signer_from_private_bytes,
)

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

_MAX_SIGNATURES = 100  # as golang.org/x/mod/sumdb/note: bound the work per note


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
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedLogData("malformed note: bad signature line")
        name_bytes, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(b" ")
        if not sep:
            raise MalformedLogData("malformed note: bad signature line")
        name = name_bytes.decode("utf-8")  # the whole note is valid UTF-8
        check_key_name(name)
        raw = decode_b64(b64, "note signature")
        if len(raw) < 5:
            raise MalformedLogData("malformed note: signature too short")
        sig = NoteSignature(name=name, key_id=raw[:4], signature=raw[4:])
        verifier = known.get((name, sig.key_id))
        # 4. Ignore unknown keys; list each distinct signature once, as
        #    golang.org/x/mod/sumdb/note does.
        if verifier is None:
            if sig not in result.unverified:
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
