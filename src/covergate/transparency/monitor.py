"""Monitoring a log: follow its checkpoints and check each extends the last.

The monitor keeps the last checkpoint it verified in a local state file (the
signed note, verbatim). On each poll it fetches the log's checkpoint, checks the
signature, and if the tree grew, verifies the extension with
:func:`covergate.transparency.verification.verify_extension`: the old partial
tiles must hash to the old root, and the new entries must give the new tiles
and root. Only then is the state file replaced (atomically). A log that shrank,
forked (same size, other root) or served tiles contradicting its entries raises
VerificationFailed and the state is left as it was, as evidence.

With a witness policy, a checkpoint is accepted (and saved) only once its
cosignatures meet the quorum (:func:`covergate.transparency.witnessed.open_witnessed`);
the saved note keeps them. The state is reopened with the log keys alone, never
the policy: a witness dropped from the policy since must not orphan the state.
Several log keys may be given, so that a monitor carries on across a rotation of
the log key (its state signed by the old key, new checkpoints by the new one).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from covergate.errors import VerificationFailed
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.hashing import EMPTY_ROOT
from covergate.tlog.keys import Ed25519Verifier
from covergate.tlog.policy import WitnessPolicy
from covergate.tlog.verify import LogSource
from covergate.transparency.verification import verify_extension
from covergate.transparency.witnessed import QuorumNotMet, Witnessed, open_witnessed

__all__ = ["MonitorState", "PollResult", "poll"]


@dataclass(frozen=True)
class MonitorState:
    """The last checkpoint a monitor verified, kept in ``path``."""

    path: Path

    def read(self) -> bytes | None:
        """The stored note, or None when there is no state yet."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def load(self, logs: Sequence[Ed25519Verifier]) -> tuple[Checkpoint, bytes] | None:
        """The stored checkpoint and its note, or None when there is no state yet."""
        note = self.read()
        if note is None:
            return None
        try:
            return open_witnessed(note, logs).checkpoint, note
        except QuorumNotMet:
            raise  # not raised without a policy; kept apart from the message below
        except VerificationFailed as exc:
            raise VerificationFailed(
                f"the monitor state {self.path} does not open with the log key given "
                f"({exc.message}); after a log key rotation pass the old key and the new "
                "one (--key OLD --key NEW)"
            ) from None

    def save(self, note: bytes) -> None:
        """Replace the state atomically (write a temporary file, then rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".monitor-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(note)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(self.path)


@dataclass(frozen=True)
class PollResult:
    previous: Checkpoint | None
    current: Checkpoint
    new_entries: int
    witnessed: Witnessed


def poll(
    source: LogSource,
    logs: Ed25519Verifier | Sequence[Ed25519Verifier],
    state: MonitorState,
    *,
    policy: WitnessPolicy | None = None,
    on_entry: Callable[[int, bytes], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> PollResult:
    """Fetch the log's checkpoint, check it (and its quorum, given a policy),
    verify it extends the stored one, and save it. ``logs``: the log's key, or
    several during a key rotation."""
    if isinstance(logs, Ed25519Verifier):
        logs = [logs]
    stored = state.load(logs)
    note = source.fetch("checkpoint")
    witnessed = open_witnessed(note, logs, policy)
    current = witnessed.checkpoint
    if stored is None:
        previous = None
        base = Checkpoint(current.origin, 0, EMPTY_ROOT)
    else:
        previous, _ = stored
        base = previous
        if previous.origin != current.origin:
            raise VerificationFailed(
                f"the log's origin changed from {previous.origin!r} to {current.origin!r}"
            )
        if current.size == previous.size:
            if current.root != previous.root:
                raise VerificationFailed(f"two different roots for tree size {current.size}")
            if note != stored[1]:
                state.save(note)  # same tree, fresher cosignatures (or a new log key)
            return PollResult(previous, current, 0, witnessed)
    report = verify_extension(source, base, current, progress=progress, on_entry=on_entry)
    state.save(note)
    return PollResult(previous, current, report.entries_checked, witnessed)
