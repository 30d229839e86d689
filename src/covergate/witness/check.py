"""The add-checkpoint decision of C2SP tlog-witness v1.0.0, as a pure function.

Given what the witness stored for an origin (the latest cosigned size and root),
the log's verifier and a parsed request, :func:`decide` says what to answer. It
does no I/O, keeps no state and reads no clock: the service cosigns and stores,
by compare-and-swap, only what this function accepted.

Every edge the spec lists is checked here explicitly, in the spec's order, rather
than left to :func:`covergate.tlog.consistency.verify_consistency`:

1. the origin is unknown: 404;
2. no signature by the log's key verifies: 403 (a malformed note: 400);
3. the old size is larger than the checkpoint's size: 400;
4. the old size is not the witness's latest size: 409 with that size;
5. a non-empty proof from old size 0: 422;
6. a size-0 checkpoint whose root is not the empty-tree hash: 422;
7. the same size with another root (or a non-empty proof): 422;
8. a consistency proof that does not verify: 422.

tlog-witness v1.0.0 answers the same-size-other-root case with 409; covergate's
design (LOG-FORMATS.md) answers 422, since the root, not the size, is wrong and a
409 would invite the log to retry from the same size. Clients handle both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.consistency import verify_consistency
from covergate.tlog.hashing import EMPTY_ROOT, Hash
from covergate.tlog.keys import signature_line
from covergate.tlog.note import NoteVerifier, open_note
from covergate.tlog.witness_protocol import AddCheckpoint

__all__ = ["MAX_TREE_SIZE", "Decision", "Stored", "Verdict", "decide", "note_origin"]

MAX_TREE_SIZE = (1 << 63) - 1
"""The largest tree size this witness stores (a signed 64-bit column, as Go's tlog)."""


class Verdict(enum.Enum):
    """What the witness answers to one add-checkpoint request."""

    COSIGN = "cosign"
    MALFORMED = "malformed"
    UNKNOWN_ORIGIN = "unknown-origin"
    BAD_SIGNATURE = "bad-signature"
    OLD_SIZE_TOO_LARGE = "old-size-too-large"
    STALE_OLD_SIZE = "stale-old-size"
    PROOF_FROM_EMPTY = "proof-from-empty"
    BAD_EMPTY_ROOT = "bad-empty-root"
    ROOT_MISMATCH = "root-mismatch"
    BAD_PROOF = "bad-proof"

    @property
    def status(self) -> int:
        """The HTTP status tlog-witness (and covergate's design) gives this verdict."""
        return _STATUS[self]


_STATUS = {
    Verdict.COSIGN: 200,
    Verdict.MALFORMED: 400,
    Verdict.UNKNOWN_ORIGIN: 404,
    Verdict.BAD_SIGNATURE: 403,
    Verdict.OLD_SIZE_TOO_LARGE: 400,
    Verdict.STALE_OLD_SIZE: 409,
    Verdict.PROOF_FROM_EMPTY: 422,
    Verdict.BAD_EMPTY_ROOT: 422,
    Verdict.ROOT_MISMATCH: 422,
    Verdict.BAD_PROOF: 422,
}


@dataclass(frozen=True)
class Stored:
    """The witness's record of one log: the size and root it cosigned last
    (0 and the empty-tree root before the first cosignature)."""

    size: int
    root: Hash


@dataclass(frozen=True)
class Decision:
    """The verdict, a one-line reason, and what the caller needs to act on it.

    ``checkpoint``, ``text`` and ``log_signatures`` are set once the log's
    signature verified. ``latest_size`` is the 409 answer's body. ``evidence``:
    the log signed a checkpoint that contradicts what was cosigned before.
    """

    verdict: Verdict
    reason: str
    checkpoint: Checkpoint | None = None
    text: bytes = b""
    log_signatures: tuple[bytes, ...] = ()
    latest_size: int | None = None
    evidence: bool = False

    @property
    def status(self) -> int:
        return self.verdict.status

    def cosigned_note(self, cosignature: bytes) -> bytes:
        """The checkpoint with the log's verified signature lines and ``cosignature``:
        what monitors are served (unverified lines from the request are dropped)."""
        return self.text + b"\n" + b"".join(self.log_signatures) + cosignature


def note_origin(note: bytes) -> str:
    """The origin line of a checkpoint note, read before any key is chosen."""
    split = note.rfind(b"\n\n")
    if split < 0:
        raise MalformedLogData("malformed checkpoint: no signature block")
    first, _, _ = note[: split + 1].partition(b"\n")
    try:
        return first.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedLogData("malformed checkpoint: origin is not UTF-8") from None


def decide(
    request: AddCheckpoint, verifier: NoteVerifier | None, stored: Stored | None
) -> Decision:
    """Decide one request. ``verifier`` and ``stored`` are None for an unknown origin."""
    # 1. Unknown origin.
    if verifier is None or stored is None:
        return Decision(Verdict.UNKNOWN_ORIGIN, "unknown log origin")
    # 2. The log's signature (other signatures are ignored), then the checkpoint text.
    try:
        opened = open_note(request.checkpoint_note, [verifier])
    except VerificationFailed:
        return Decision(Verdict.BAD_SIGNATURE, "no valid signature by the log's key")
    except MalformedLogData as exc:
        return Decision(Verdict.MALFORMED, exc.message)
    try:
        checkpoint = Checkpoint.from_text(opened.text)
    except MalformedLogData as exc:
        return Decision(Verdict.MALFORMED, exc.message)
    if checkpoint.origin != verifier.name:
        return Decision(Verdict.BAD_SIGNATURE, "checkpoint origin is not the log's key name")
    signed = tuple(signature_line(s.name, s.key_id, s.signature) for s in opened.signatures)
    accepted = Decision(Verdict.COSIGN, "ok", checkpoint, opened.text, signed)
    old, new = request.old_size, checkpoint.size
    if new > MAX_TREE_SIZE:
        return Decision(Verdict.MALFORMED, f"tree size above {MAX_TREE_SIZE} is not supported")
    # 3. The old size may not exceed the new one.
    if old > new:
        return Decision(Verdict.OLD_SIZE_TOO_LARGE, f"old size {old} is larger than size {new}")
    # 4. The old size must be what the witness cosigned last.
    if old != stored.size:
        return Decision(
            Verdict.STALE_OLD_SIZE,
            f"old size {old} is not the latest cosigned size {stored.size}",
            latest_size=stored.size,
        )

    def refused(verdict: Verdict, reason: str, evidence: bool) -> Decision:
        return Decision(verdict, reason, checkpoint, opened.text, signed, evidence=evidence)

    # 5. From the empty tree the proof must be empty.
    if old == 0 and request.proof:
        return refused(Verdict.PROOF_FROM_EMPTY, "a proof from size 0 must be empty", False)
    # 6. A tree of size 0 has the empty-tree root.
    if new == 0 and checkpoint.root != EMPTY_ROOT:
        return refused(Verdict.BAD_EMPTY_ROOT, "size 0 with a root not the empty tree's", True)
    # 7. The same size: the same root, and no proof.
    if old == new:
        if checkpoint.root != stored.root:
            return refused(Verdict.ROOT_MISMATCH, f"another root for size {new}", True)
        if request.proof:
            return refused(Verdict.BAD_PROOF, "a proof between equal sizes must be empty", False)
        return accepted
    # 8. From size 0 any tree is an extension; otherwise the proof must verify.
    if old == 0:
        return accepted
    try:
        verify_consistency(old, new, stored.root, checkpoint.root, request.proof)
    except VerificationFailed:
        return refused(Verdict.BAD_PROOF, f"consistency proof {old} -> {new} fails", True)
    except MalformedLogData as exc:
        return refused(Verdict.BAD_PROOF, exc.message, False)
    return accepted
