"""The one ``log_state`` row: the committed tree size, root and signed note.

Integration moves it with a compare-and-swap (the log's commit point, see
:mod:`covergate.transparency.integration`); everything served is read against
it, so nothing beyond the signed tree is ever handed out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from covergate.tlog.hashing import Hash

__all__ = ["CommittedState", "read_state"]

_SELECT_STATE = "SELECT size, root, note FROM log_state WHERE id = 1"  # no parameters


@dataclass(frozen=True)
class CommittedState:
    """The committed (size, root) and its signed note (None before the first)."""

    size: int
    root: Hash
    note: bytes | None


def read_state(session: Session) -> CommittedState | None:
    """The ``log_state`` row, or None before the first integration."""
    # Core, not the ORM: integration moves this row with a Core compare-and-swap,
    # and an identity-map copy could be stale.
    # The driver's own execute: this runs on every proof and every integration.
    row = session.connection().exec_driver_sql(_SELECT_STATE).first()
    if row is None:
        return None
    size, root, note = row
    return CommittedState(int(size), Hash(bytes(root)), None if note is None else bytes(note))
