"""What the retention workflow returns: destructions and runs (plain dataclasses).

The requests' inputs are pydantic models, in ``retention.inputs``: the maintenance
sweep destroys and runs the schedule without building any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from covergate.lifecycle.states import DestructionReason

__all__ = [
    "MIN_EXPLANATION",
    "Destruction",
    "RetentionItem",
    "RetentionRun",
]

#: An improper cover's destruction tells the requester why in at least this many
#: characters (39 CFR 233.3(h): "the requester told why").
MIN_EXPLANATION = 20


@dataclass(frozen=True)
class Destruction:
    """One request's data destroyed: when, why, what, and what the requester is told.

    ``destroyed`` counts what went (observations, decision notes, ...); it names
    nothing. ``explanation`` is the requester's "told why"; it names no subject.
    """

    request_id: str
    agency: str
    day: date
    reason: DestructionReason
    explanation: str
    destroyed: dict[str, int]
    log_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.request_id,
            "destroyed": True,
            "agency": self.agency,
            "destroyed_on": self.day.isoformat(),
            "reason": self.reason.value,
            "explanation": self.explanation,
            "items": dict(self.destroyed),
            "log_index": self.log_index,
        }


@dataclass(frozen=True)
class RetentionItem:
    """A request whose retention ended: destroyed by the run, or listed by a dry run."""

    request_id: str
    agency: str
    reason: DestructionReason
    ended_on: date
    retain_until: date

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.request_id,
            "agency": self.agency,
            "reason": self.reason.value,
            "ended_on": self.ended_on.isoformat(),
            "retain_until": self.retain_until.isoformat(),
        }


@dataclass(frozen=True)
class RetentionRun:
    """One run of the retention schedule. A dry run lists and writes nothing."""

    day: date
    dry_run: bool
    years: int
    citation: str
    items: tuple[RetentionItem, ...] = field(default_factory=tuple)
    log_index: int | None = None  # the DESTRUCTION_RUN entry, when anything went

    @property
    def count(self) -> int:
        return len(self.items)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "dry_run": self.dry_run,
            "years": self.years,
            "citation": self.citation,
            "count": self.count,
            "log_index": self.log_index,
            "requests": [item.to_json() for item in self.items],
        }
