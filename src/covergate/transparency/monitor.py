"""Monitoring a log: follow its checkpoints and check each extends the last.

The monitor keeps the last checkpoint it verified in a local state file (the
signed note, verbatim). On each poll it fetches the log's checkpoint, checks the
signature, and if the tree grew, verifies the extension with
:func:`covergate.transparency.verification.verify_extension`: the old partial
tiles must hash to the old root, and the new entries must give the new tiles
and root. Only then is the state file replaced (atomically). A log that shrank,
forked (same size, other root) or served tiles contradicting its entries raises
VerificationFailed and the state is left as it was, as evidence.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from covergate.errors import VerificationFailed
from covergate.tlog.checkpoint import Checkpoint, open_checkpoint
from covergate.tlog.hashing import EMPTY_ROOT
from covergate.tlog.note import NoteVerifier
from covergate.tlog.verify import LogSource
from covergate.transparency.verification import verify_extension

__all__ = ["MonitorState", "PollResult", "poll"]


@dataclass(frozen=True)
class MonitorState:
    """The last checkpoint a monitor verified, kept in ``path``."""

    path: Path

    def load(self, verifier: NoteVerifier) -> tuple[Checkpoint, bytes] | None:
        """The stored checkpoint and its note, or None when there is no state yet."""
        try:
            note = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return open_checkpoint(note, verifier), note

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


def poll(
    source: LogSource,
    verifier: NoteVerifier,
    state: MonitorState,
    *,
    on_entry: Callable[[int, bytes], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> PollResult:
    """Fetch the log's checkpoint, verify it extends the stored one, save it."""
    stored = state.load(verifier)
    note = source.fetch("checkpoint")
    current = open_checkpoint(note, verifier)
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
            return PollResult(previous, current, 0)
    report = verify_extension(source, base, current, progress=progress, on_entry=on_entry)
    state.save(note)
    return PollResult(previous, current, report.entries_checked)
