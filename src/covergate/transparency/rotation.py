"""Re-signing the latest checkpoint when the log's keys change.

``covergate log rotate-key`` makes a new log key and keeps the old one signing
beside it (:mod:`covergate.transparency.keys`). Checkpoints are only signed
when entries are integrated, so without this step the checkpoint the log
serves would carry the old key's signature alone until the next entry, and a
verifier already given the new key could not open it. :func:`resign_latest`
signs the *same* tree (same text: origin, size, root) again with every current
key, under the log writer lock, keeping any cosignature lines the stored note
carries: a cosignature covers the checkpoint text, which does not change.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from covergate.db import transaction
from covergate.errors import LogIntegrityError
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.keys import SIGNATURE_PREFIX
from covergate.tlog.note import NoteSigner, sign_note
from covergate.transparency.lock import lock_writer
from covergate.transparency.models import LogCheckpoint, LogState
from covergate.transparency.state import read_state

__all__ = ["resign_latest"]


def resign_latest(*, sessions: sessionmaker[Session], signer: NoteSigner) -> Checkpoint | None:
    """Sign the latest checkpoint again with ``signer``; None before the first one."""
    with transaction(sessions) as session:
        lock_writer(session)
        state = read_state(session)
        if state is None or state.note is None:
            return None
        text, sep, signatures = state.note.rpartition(b"\n\n")
        if not sep:
            raise LogIntegrityError("the stored checkpoint note has no signatures")
        text += b"\n"
        checkpoint = Checkpoint.from_text(text)
        if (checkpoint.size, checkpoint.root) != (state.size, state.root):
            raise LogIntegrityError("the stored checkpoint note is not of the stored tree")
        # Keep the lines of other keys than the log's (witness cosignatures).
        origin = SIGNATURE_PREFIX + checkpoint.origin.encode() + b" "
        kept = [
            line + b"\n" for line in signatures.split(b"\n") if line and not line.startswith(origin)
        ]
        note = sign_note(text, [signer]) + b"".join(kept)
        moved = session.execute(
            update(LogState)
            .where(LogState.id == 1, LogState.size == state.size, LogState.root == state.root)
            .values(note=note)
        )
        if getattr(moved, "rowcount", 0) != 1:
            raise LogIntegrityError("the log state changed while re-signing")
        session.execute(
            update(LogCheckpoint).where(LogCheckpoint.size == state.size).values(note=note)
        )
    return checkpoint
