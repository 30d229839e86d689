"""Offline inclusion proofs of C2SP tlog-proof v1.

The text is the header line ``c2sp.org/tlog-proof@v1``, an optional
``extra <base64>`` line of opaque data, ``index <n>``, the inclusion proof
hashes in base64 one per line from the leaf's sibling upward, an empty line,
and the signed checkpoint note, verbatim. Whoever holds an entry, the proof and
the log's verifier key can check that the log included the entry without
contacting the log.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from covergate.errors import MalformedLogData
from covergate.tlog._b64 import decode_b64
from covergate.tlog._decimal import parse_decimal
from covergate.tlog.checkpoint import Checkpoint, open_checkpoint
from covergate.tlog.hashing import HASH_SIZE, Hash, leaf_hash
from covergate.tlog.inclusion import verify_inclusion
from covergate.tlog.note import NoteVerifier

__all__ = ["TLOG_PROOF_HEADER", "TlogProof", "verify_tlog_proof"]

TLOG_PROOF_HEADER = b"c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    """An inclusion proof of leaf ``index`` bundled with a signed checkpoint."""

    index: int
    proof: list[Hash]
    checkpoint_note: bytes
    extra: bytes | None = None

    def format(self) -> bytes:
        """Return the tlog-proof text."""
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append(b"extra " + base64.b64encode(self.extra))
        lines.append(b"index %d" % self.index)
        lines.extend(base64.b64encode(h) for h in self.proof)
        return b"".join(line + b"\n" for line in lines) + b"\n" + self.checkpoint_note

    @classmethod
    def parse(cls, data: bytes) -> TlogProof:
        """Parse tlog-proof text; raise MalformedLogData unless well formed.

        The checkpoint note is returned unopened; see :func:`verify_tlog_proof`.
        """
        # 1. The proof part ends at the first empty line; the rest is the note.
        head, sep, checkpoint_note = data.partition(b"\n\n")
        if not sep or not checkpoint_note:
            raise MalformedLogData("malformed tlog proof: no checkpoint")
        lines = head.split(b"\n")
        # 2. Header.
        if lines[0] != TLOG_PROOF_HEADER:
            raise MalformedLogData("malformed tlog proof: bad header")
        at = 1
        # 3. Optional extra data.
        extra = None
        if at < len(lines) and lines[at].startswith(b"extra "):
            extra = decode_b64(lines[at][len(b"extra ") :], "tlog proof extra")
            at += 1
        # 4. Index: decimal without leading zeros.
        if at >= len(lines) or not lines[at].startswith(b"index "):
            raise MalformedLogData("malformed tlog proof: missing index")
        try:
            index = parse_decimal(lines[at][len(b"index ") :], "tlog proof index")
        except MalformedLogData as exc:
            raise MalformedLogData("malformed tlog proof: bad index") from exc
        at += 1
        # 5. Hashes, 32 bytes each.
        proof = []
        for line in lines[at:]:
            h = decode_b64(line, "tlog proof hash")
            if len(h) != HASH_SIZE:
                raise MalformedLogData("malformed tlog proof: bad hash length")
            proof.append(Hash(h))
        return cls(index, proof, checkpoint_note, extra)


def verify_tlog_proof(entry: bytes, proof_text: bytes, verifier: NoteVerifier) -> Checkpoint:
    """Check that ``entry`` is in the log, offline; return the checkpoint that
    proves it. Raises MalformedLogData or VerificationFailed."""
    # 1. Parse the proof.
    proof = TlogProof.parse(proof_text)
    # 2. Open the checkpoint with the log's key (named after the origin).
    checkpoint = open_checkpoint(proof.checkpoint_note, verifier)
    # 3. Verify inclusion of the entry's leaf hash at the index, in the tree of
    #    the checkpoint's size and root.
    verify_inclusion(leaf_hash(entry), proof.index, checkpoint.size, proof.proof, checkpoint.root)
    return checkpoint
