"""What the request routes answer: summaries, the detail, notes, the observer's view.

No subject data in :class:`RequestSummary` and :class:`RequestDetail`; the subject is
read only at ``/document`` (access-logged). Kept apart from ``requests.schemas`` so
that the CLI never builds these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from covergate.api_deps import Day, Page, ResponseModel, Timestamp
from covergate.courts.responses import OrderBrief
from covergate.document import Address, DataCategory, Ground, ProcessType, RequestKind
from covergate.lifecycle.event_types import EventType
from covergate.lifecycle.states import (
    CloseReason,
    DecisionOutcome,
    DestructionReason,
    NoticeState,
    RequestState,
)
from covergate.users.schemas import Delegation

__all__ = [
    "NoticeBrief",
    "RecordingView",
    "RequestDetail",
    "RequestList",
    "RequestNotes",
    "RequestSummary",
]


class RequestSummary(ResponseModel):
    """The short form of a request, as lists show it."""

    id: str
    kind: RequestKind
    state: RequestState
    agency: str
    ground: Ground
    legal_process: ProcessType | None
    received: Day
    start: Day
    days_requested: int
    admissible: bool
    extends: str | None = Field(description="The id of the cover this one extends.")


class RequestList(Page):
    requests: list[RequestSummary]


class Review(ResponseModel):
    reviewer: str | None
    note_sealed: bool = Field(description="A note exists; read it at /notes (access-logged).")


class Authorised(ResponseModel):
    days: int | None
    categories: list[DataCategory] | None
    ordered_on: Day | None
    active_from: Day | None
    active_until: Day | None


class Closed(ResponseModel):
    on: Day | None
    reason: CloseReason | None


class DecisionView(ResponseModel):
    outcome: DecisionOutcome
    approver: str
    delegation: Delegation
    days: int | None
    categories: list[DataCategory] | None
    notes_sealed: bool
    policy_version: str
    at: Timestamp


class HistoryEvent(ResponseModel):
    event: EventType
    state: RequestState
    day: Day
    log_index: int = Field(description="The entry's index in the public log.")


class NoticeBrief(ResponseModel):
    state: NoticeState
    due_on: Day | None
    delayed_until: Day | None
    mailed_on: Day | None


class RequestDetail(RequestSummary):
    """Everything about a request except subject data and the facts statement."""

    policy: dict[str, Any] = Field(description="The policy engine's evaluation at intake.")
    review: Review
    authorised: Authorised
    closed: Closed
    observations: int
    refused_observations: dict[str, int] = Field(description="Refused observations by reason.")
    decisions: list[DecisionView]
    history: list[HistoryEvent]
    document: dict[str, Any] = Field(description="The public part of the request document.")
    court_order: OrderBrief | None
    order_due: Day | None
    destroyed_on: Day | None
    destruction_reason: DestructionReason | None
    notice: NoticeBrief | None


class DecisionNotesView(ResponseModel):
    reasons: str | None
    justifications: dict[str, str]


class RequestNotes(ResponseModel):
    """The sealed notes the reader's role may read; null where it may not."""

    review_note: str | None
    decisions: list[DecisionNotesView]


class RecordingView(ResponseModel):
    """What an observer reads of a cover: where to record, never who or why."""

    id: str
    covered_address: Address
    attorney_addresses: list[Address]
    active_from: Day | None
    active_until: Day | None
    categories: list[DataCategory]
