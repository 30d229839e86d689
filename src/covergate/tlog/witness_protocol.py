"""The wire format of C2SP tlog-witness v1.0.0, both sides, as pure functions.

A log submits a checkpoint to a witness with ``POST <prefix>/add-checkpoint``.
The request body is ``old <size>``, the consistency proof from that size to the
checkpoint's size (base64 hashes, one per line, at most 63), an empty line, and
the signed checkpoint note::

    old 15
    <base64 hash>
    ...

    example.com/log
    20
    <root>

    — example.com/log <signature>

A 200 answer is one or more note signature lines (the witness's
cosignatures); a 409 answer is the witness's latest size for that origin,
``<size>`` and a newline, with Content-Type ``text/x.tlog.size``.

>>> AddCheckpoint.parse(AddCheckpoint(3, (), b"cp\\n").format())
AddCheckpoint(old_size=3, proof=(), checkpoint_note=b'cp\\n')
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from covergate.errors import MalformedLogData
from covergate.tlog._b64 import decode_b64
from covergate.tlog._decimal import parse_decimal
from covergate.tlog.hashing import HASH_SIZE, Hash
from covergate.tlog.keys import SIGNATURE_PREFIX

__all__ = [
    "ADD_CHECKPOINT_PATH",
    "MAX_BODY",
    "MAX_PROOF_HASHES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "append_cosignatures",
    "format_size",
    "parse_cosignature_lines",
    "parse_size",
]

ADD_CHECKPOINT_PATH = "add-checkpoint"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_HASHES = 63  # a consistency proof of a tree of at most 2**64 - 1 leaves
MAX_BODY = 1 << 16  # what a witness reads of a request body, and a log of an answer


@dataclass(frozen=True)
class AddCheckpoint:
    """One add-checkpoint request: the size the log believes the witness has,
    the consistency proof from it, and the signed checkpoint note."""

    old_size: int
    proof: tuple[Hash, ...]
    checkpoint_note: bytes

    def format(self) -> bytes:
        """Return the request body."""
        lines = [b"old %d" % self.old_size, *(base64.b64encode(h) for h in self.proof)]
        return b"".join(line + b"\n" for line in lines) + b"\n" + self.checkpoint_note

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        """Parse a request body; MalformedLogData unless well formed.

        The checkpoint note is returned as it came, unopened.
        """
        if len(body) > MAX_BODY:
            raise MalformedLogData("malformed add-checkpoint request: body too large")
        # 1. The proof part ends at the first empty line; the rest is the note.
        head, sep, note = body.partition(b"\n\n")
        if not sep or not note:
            raise MalformedLogData("malformed add-checkpoint request: no checkpoint")
        lines = head.split(b"\n")
        # 2. "old <size>".
        if not lines[0].startswith(b"old "):
            raise MalformedLogData("malformed add-checkpoint request: missing old size")
        old_size = parse_decimal(lines[0][4:], "add-checkpoint old size")
        # 3. Proof hashes.
        if len(lines) - 1 > MAX_PROOF_HASHES:
            raise MalformedLogData("malformed add-checkpoint request: proof too long")
        proof = []
        for line in lines[1:]:
            h = decode_b64(line, "add-checkpoint proof hash")
            if len(h) != HASH_SIZE:
                raise MalformedLogData("malformed add-checkpoint request: bad hash length")
            proof.append(Hash(h))
        return cls(old_size, tuple(proof), note)


def format_size(size: int) -> bytes:
    """The body of a 409 answer: the witness's latest size and a newline."""
    return b"%d\n" % size


def parse_size(body: bytes) -> int:
    """Parse a 409 answer's body (``<size>`` and a newline)."""
    if not body.endswith(b"\n"):
        raise MalformedLogData("malformed witness size: missing final newline")
    return parse_decimal(body[:-1], "witness size")


def parse_cosignature_lines(body: bytes) -> list[bytes]:
    """Split a 200 answer into its signature lines, each with its newline.

    Only the shape is checked here (em dash, name, base64); the signatures are
    checked when the cosigned note is opened.
    """
    if len(body) > MAX_BODY:
        raise MalformedLogData("malformed witness answer: too large")
    if not body or not body.endswith(b"\n"):
        raise MalformedLogData("malformed witness answer: no signature lines")
    lines = []
    for line in body[:-1].split(b"\n"):
        name, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(b" ")
        if not line.startswith(SIGNATURE_PREFIX) or not sep or not name:
            raise MalformedLogData("malformed witness answer: bad signature line")
        if len(decode_b64(b64, "witness signature")) < 5:
            raise MalformedLogData("malformed witness answer: signature too short")
        lines.append(line + b"\n")
    return lines


def append_cosignatures(note: bytes, lines: Sequence[bytes]) -> bytes:
    """The note with each signature line not already in it appended."""
    present = set(note.split(b"\n\n")[-1].splitlines(keepends=True)) if b"\n\n" in note else set()
    extra = [line for line in dict.fromkeys(lines) if line not in present]
    return note + b"".join(extra)
