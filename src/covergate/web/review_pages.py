"""The reviewer's and the approver's work queue: ``/app/queue``.

A reviewer sees the requests awaiting review (``submitted``), oldest first, and may
pick another state (reviewed requests awaiting a decision, closed ones awaiting
their package, ...). An approver sees the reviewed requests awaiting a decision,
oldest first, each with whether their written delegation allows deciding it. The
rows come from ``lifecycle.access.list_visible`` (the API's visibility) and show no
subject data. The actions are on the request page: the reviewer's panels are in
``review_actions``, the approver's decision in ``review_decide``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.document import Ground, RequestKind
from covergate.errors import Forbidden
from covergate.lifecycle.access import MAX_LIMIT, list_visible
from covergate.lifecycle.documents import public_document
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.states import RequestState
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.web.review_actions import router as actions
from covergate.web.review_authority import (
    approval_days,
    delegation_refusal,
    orders_of,
    policy_summary,
)
from covergate.web.review_decide import router as decide
from covergate.web.staff import StaffPage

router = APIRouter(include_in_schema=False)
router.include_router(actions)
router.include_router(decide)

#: What each state means in a reviewer's queue, in the order of the work.
REVIEWER_STATES: dict[RequestState, str] = {
    RequestState.SUBMITTED: "Submitted: awaiting review",
    RequestState.IN_REVIEW: "Reviewed: awaiting a decision",
    RequestState.CLOSED: "Closed: awaiting production of the package",
    RequestState.APPROVED: "Approved: not started yet",
    RequestState.ACTIVE: "Active",
    RequestState.EXPIRED: "Expired: awaiting close",
    RequestState.DENIED: "Denied",
    RequestState.PRODUCED: "Produced: awaiting acknowledgement",
    RequestState.ACKNOWLEDGED: "Acknowledged",
}
_EMPTY: dict[RequestState, str] = {
    RequestState.SUBMITTED: "No request is waiting for review.",
    RequestState.IN_REVIEW: "No reviewed request is waiting for a decision.",
    RequestState.CLOSED: "No closed request is waiting for its package.",
}
#: At most this many rows on one page (the oldest); the page says how many more wait.
SHOWN = 500


@dataclass(frozen=True)
class QueueRow:
    """One request in a queue. Nothing here is subject data."""

    public_id: str
    kind: RequestKind
    agency: str
    ground: Ground
    received: date
    since: date  # the day it entered its state
    age_days: int
    policy: str  # the stored evaluation, in a few words
    court: str  # the court order's state, or "none"
    may_decide: bool | None  # approvers only: None for a reviewer
    why_not: str | None  # the service's message when the delegation refuses


def _all_in_state(
    *, session: Session, ctx: ServiceContext, user: User, state: RequestState
) -> list[Request]:
    """Every request in ``state`` the user may see (``list_visible``, page by page)."""
    found: list[Request] = []
    while True:
        page = list_visible(
            session=session,
            ctx=ctx,
            actor=user,
            state=state,
            limit=MAX_LIMIT,
            offset=len(found),
        )
        found.extend(page)
        if len(page) < MAX_LIMIT:
            return found


def _entered(session: Session, requests: list[Request], state: RequestState) -> dict[int, date]:
    """The day each request entered ``state`` (its first history row in that state)."""
    if not requests:
        return {}
    rows = session.execute(
        select(RequestEvent.request_id, func.min(RequestEvent.day))
        .where(
            RequestEvent.request_id.in_([r.id for r in requests]),
            RequestEvent.state == state,
        )
        .group_by(RequestEvent.request_id)
    ).all()
    return {request_id: day for request_id, day in rows}


def queue_rows(
    *, session: Session, ctx: ServiceContext, user: User, state: RequestState
) -> list[QueueRow]:
    """The requests in ``state``, oldest first (by the day they entered it)."""
    requests = _all_in_state(session=session, ctx=ctx, user=user, state=state)
    entered = _entered(session, requests, state)
    orders = orders_of(session, requests)
    today = ctx.clock.today()
    rows: list[QueueRow] = []
    for request in requests:
        since = entered.get(request.id, request.created_at.date())
        why_not: str | None = None
        may_decide: bool | None = None
        if user.role is Role.APPROVER:
            document = public_document(request)
            why_not = delegation_refusal(
                user, document, total_days=approval_days(request, document), policy=ctx.policy
            )
            may_decide = why_not is None
        order = orders.get(request.id)
        rows.append(
            QueueRow(
                public_id=request.public_id,
                kind=request.kind,
                agency=request.agency.name,
                ground=request.ground,
                received=request.received_on,
                since=since,
                age_days=(today - since).days,
                policy=policy_summary(request),
                court=order.state.value if order is not None else "none",
                may_decide=may_decide,
                why_not=why_not,
            )
        )
    rows.sort(key=lambda r: (r.since, r.received, r.public_id))
    return rows


def _chosen_state(user: User, value: str | None) -> tuple[RequestState, str | None]:
    """The state to list and, for a value that names none, the message to show."""
    if user.role is Role.APPROVER:
        return RequestState.IN_REVIEW, None
    if not value:
        return RequestState.SUBMITTED, None
    for state in REVIEWER_STATES:
        if state.value == value:
            return state, None
    return RequestState.SUBMITTED, f"there is no state {value[:50]!r}; pick one from the list"


@router.get("/app/queue", response_class=HTMLResponse)
def queue(page: StaffPage, state: str | None = None) -> HTMLResponse:
    user = page.user
    if user.role not in (Role.REVIEWER, Role.APPROVER):
        raise Forbidden(
            f"the work queue is for reviewers and approvers; you are a {user.role.value}"
        )
    chosen, error = _chosen_state(user, state)
    rows = queue_rows(session=page.session, ctx=page.ctx, user=user, state=chosen)
    return page.render(
        "review_queue.html",
        status=422 if error else 200,
        here="queue",
        approver=user.role is Role.APPROVER,
        states=REVIEWER_STATES,
        chosen=chosen,
        state_error=error,
        rows=rows[:SHOWN],
        total=len(rows),
        empty=_EMPTY.get(chosen, f"No request is {chosen.value.replace('_', ' ')}."),
        today=page.ctx.clock.today(),
        delegation=user.delegation,
        court_orders=_COURT_WORDS,
    )


_COURT_WORDS: dict[str, str] = {
    "none": "None on file",
    "filed": "Filed, not acted on",
    "confirmed": "Confirmed",
    "refused": "Refused",
}

__all__ = ["QueueRow", "queue_rows", "router"]
