"""Checkpoints of C2SP tlog-checkpoint v1.0.0.

A checkpoint is the text of a signed note ("Note text"): the origin line, the
tree size in decimal, the root hash in standard padded base64, then optional
extension lines, each line ending in a newline. It is signed by the log's key,
whose name equals the origin ("Signatures"). covergate's log emits no
extension lines; parsing keeps any it finds in ``extensions``.

Two origin rules. The spec says the origin SHOULD be a schema-less URL and
that clients MUST NOT assume it is, so a :class:`Checkpoint` (and so
:meth:`Checkpoint.from_text` and :func:`open_checkpoint`) takes *any* origin
line: non-empty text without control characters (Unicode category Cc: C0,
DEL, C1) and without lone surrogates, which is what a note's UTF-8 text can
carry on one line; ``go.sum database tree`` is one. Where covergate makes or
configures its *own* origin, :func:`check_log_origin` is strict: a valid note
key name (no Unicode whitespace, no "+"), as :func:`sign_checkpoint` checks.

>>> cp = Checkpoint("example.com/log", 3, Hash(bytes(32)))
>>> Checkpoint.from_text(cp.to_text()) == cp
True
"""

from __future__ import annotations

import base64
import unicodedata
from dataclasses import dataclass

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog._b64 import decode_b64
from covergate.tlog._decimal import MAX_UINT64, parse_decimal
from covergate.tlog.hashing import HASH_SIZE, Hash
from covergate.tlog.keys import check_key_name
from covergate.tlog.note import NoteSigner, NoteVerifier, open_note, sign_note

__all__ = ["Checkpoint", "check_log_origin", "open_checkpoint", "sign_checkpoint"]

_MAX_SIZE = MAX_UINT64


def _check_origin(origin: str) -> None:
    # Any origin line (tlog-checkpoint: clients must not assume a format).
    if not origin or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in origin):
        raise MalformedLogData("malformed checkpoint: bad origin")


def check_log_origin(origin: str) -> None:
    """Raise MalformedLogData unless ``origin`` may be covergate's own log origin.

    Stricter than what parsing admits: the origin is also the log key's name,
    so it must be a valid note key name (non-empty, no Unicode whitespace, no
    "+", no control characters), as LOG-FORMATS.md asks of our own log.
    """
    _check_origin(origin)
    try:
        check_key_name(origin)
    except MalformedLogData as exc:
        raise MalformedLogData(f"malformed checkpoint: bad origin {origin!r}") from exc


@dataclass(frozen=True)
class Checkpoint:
    """A log's claim that its tree of ``size`` leaves has hash ``root``."""

    origin: str
    size: int
    root: Hash
    extensions: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        _check_origin(self.origin)
        if not 0 <= self.size <= _MAX_SIZE:
            raise MalformedLogData("malformed checkpoint: bad size")
        if len(self.root) != HASH_SIZE:
            raise MalformedLogData("malformed checkpoint: bad root hash")
        for ext in self.extensions:
            if not ext or b"\n" in ext:
                raise MalformedLogData("malformed checkpoint: bad extension line")

    def to_text(self) -> bytes:
        """Return the note text of the checkpoint."""
        lines = [
            self.origin.encode(),
            str(self.size).encode(),
            base64.b64encode(self.root),
            *self.extensions,
        ]
        return b"".join(line + b"\n" for line in lines)

    @classmethod
    def from_text(cls, text: bytes) -> Checkpoint:
        """Parse checkpoint note text; raise MalformedLogData for anything but
        a well-formed checkpoint."""
        # 1. At least three lines, each ending in a newline.
        if not text.endswith(b"\n"):
            raise MalformedLogData("malformed checkpoint: missing final newline")
        lines = text[:-1].split(b"\n")
        if len(lines) < 3:
            raise MalformedLogData("malformed checkpoint: too few lines")
        origin_line, size_line, root_line, *extensions = lines
        # 2. Origin: any non-empty UTF-8 line without control characters.
        try:
            origin = origin_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedLogData("malformed checkpoint: bad origin") from exc
        _check_origin(origin)
        # 3. Size: decimal without leading zeros, at most 2**64 - 1, checked
        #    for length before int() sees it.
        try:
            size = parse_decimal(size_line, "checkpoint size")
        except MalformedLogData as exc:
            raise MalformedLogData("malformed checkpoint: bad size") from exc
        # 4. Root: padded standard base64 of 32 bytes.
        try:
            root = decode_b64(root_line, "checkpoint")
        except MalformedLogData as exc:
            raise MalformedLogData("malformed checkpoint: bad root hash") from exc
        if len(root) != HASH_SIZE:
            raise MalformedLogData("malformed checkpoint: bad root hash")
        # 5. Extension lines: any number of non-empty lines.
        if any(not ext for ext in extensions):
            raise MalformedLogData("malformed checkpoint: empty extension line")
        return cls(origin, size, Hash(root), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> bytes:
    """Return the checkpoint as a note signed by ``signer``, whose key name
    must be the origin; the origin must pass :func:`check_log_origin`, since
    covergate only signs its own checkpoints."""
    check_log_origin(checkpoint.origin)
    if signer.name != checkpoint.origin:
        raise MalformedLogData("malformed checkpoint: signer name is not the origin")
    return sign_note(checkpoint.to_text(), [signer])


def open_checkpoint(note: bytes, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint and return it.

    Raises VerificationFailed unless ``verifier`` signed the note and its name
    is the checkpoint's origin; MalformedLogData if the note or checkpoint is
    malformed. Other signatures (cosignatures) are ignored.
    """
    # 1. Verify the log's signature; unknown keys are ignored.
    opened = open_note(note, [verifier])
    # 2. Parse the text.
    checkpoint = Checkpoint.from_text(opened.text)
    # 3. The key that signed it must be named after the origin.
    if verifier.name != checkpoint.origin:
        raise VerificationFailed(
            f"checkpoint origin {checkpoint.origin!r} is not the key name {verifier.name!r}"
        )
    return checkpoint
