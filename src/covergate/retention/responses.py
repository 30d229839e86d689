"""What the retention routes answer: a destruction's record, a run of the schedule.

No subject data: a destruction counts what went, and says why.
"""

from __future__ import annotations

from pydantic import Field

from covergate.api_deps import Day, ResponseModel
from covergate.lifecycle.states import DestructionReason

__all__ = ["Destroyed", "DestructionView", "RetentionRunView"]


class DestructionView(ResponseModel):
    """A destroyed request's record (``destroyed`` true), or until when it is kept.

    Before destruction only ``id``, ``destroyed``, ``agency``, ``retain_until`` and
    ``citation`` are given; after, ``destroyed_on``, ``reason``, ``explanation``,
    ``items`` and ``log_index`` instead of the last two. The route leaves out the
    members a state does not have (``response_model_exclude_unset``).
    """

    id: str
    destroyed: bool
    agency: str
    retain_until: Day | None = Field(default=None, description="Before destruction only.")
    citation: str | None = Field(default=None, description="Before destruction only.")
    destroyed_on: Day | None = None
    reason: DestructionReason | None = None
    explanation: str | None = Field(default=None, description="Why, as told to the requester.")
    items: dict[str, int] | None = Field(default=None, description="What went, counted.")
    log_index: int | None = None


class Destroyed(ResponseModel):
    """One request's data destroyed: when, why, what (counted), and its log entry."""

    id: str
    destroyed: bool
    agency: str
    destroyed_on: Day
    reason: DestructionReason
    explanation: str
    items: dict[str, int]
    log_index: int


class RetentionItemView(ResponseModel):
    id: str
    agency: str
    reason: DestructionReason
    ended_on: Day
    retain_until: Day


class RetentionRunView(ResponseModel):
    """One run of the schedule; a dry run lists what it would destroy and writes nothing."""

    day: Day
    dry_run: bool
    years: int
    citation: str
    count: int
    log_index: int | None = Field(description="The run's log entry, when anything went.")
    requests: list[RetentionItemView]
