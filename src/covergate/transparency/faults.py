"""Fault injection points of sequencing and integration.

The service calls ``faults.reached(step)`` right after each step of a
crash-sensitive sequence, with the step's writes flushed to the transaction.
Production passes :data:`NO_FAULTS`; tests pass an object that raises at a
chosen step, then either commit the transaction anyway ("fail and persist":
everything up to that step reached the database) or roll it back ("fail and
don't persist"), and check that the log recovers through the normal code path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

__all__ = ["NO_FAULTS", "Faults", "NoFaults", "Step"]


class Step(StrEnum):
    """The steps of :func:`append_event` and :func:`integrate`, in order."""

    # append_event, in the caller's transaction
    SEQUENCE_LOCKED = "sequence.locked"
    SEQUENCE_INDEXED = "sequence.indexed"
    SEQUENCE_ENTRY = "sequence.entry"  # the entry and its opening, one row
    # integrate
    INTEGRATE_LOCKED = "integrate.locked"
    INTEGRATE_READ = "integrate.read"
    INTEGRATE_TILES = "integrate.tiles"
    INTEGRATE_SIGNED = "integrate.signed"
    INTEGRATE_RECORDED = "integrate.recorded"
    INTEGRATE_COMMITTED = "integrate.committed"


class Faults(Protocol):
    def reached(self, step: Step) -> None:
        """Called after ``step``; may raise to simulate a crash there."""
        ...


class NoFaults:
    """Never fails."""

    def reached(self, step: Step) -> None:
        return None


NO_FAULTS = NoFaults()
