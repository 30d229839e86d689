"""How a request is shown to API and CLI clients. No subject data here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.courts.filing import filed_here, order_of
from covergate.covers import service as covers
from covergate.lifecycle.advance import HistoryLine, recorded_here
from covergate.lifecycle.models import Request, RequestEvent
from covergate.notices.models import Notice
from covergate.requests import service


def summary(request: Request) -> dict[str, Any]:
    """The short form used in lists."""
    return {
        "id": request.public_id,
        "kind": request.kind.value,
        "state": request.state.value,
        "agency": request.agency.name,
        "ground": request.ground.value,
        "legal_process": request.legal_process.value if request.legal_process else None,
        "received": request.received_on.isoformat(),
        "start": request.start.isoformat(),
        "days_requested": request.days_requested,
        "admissible": request.admissible,
        "extends": request.parent.public_id if request.parent else None,
    }


def detail(*, session: Session, request: Request) -> dict[str, Any]:
    """Everything about a request except subject data and the facts statement.

    For a request submitted in this very transaction (the answer to a submission)
    the rows only later steps write are known to be absent and are not queried.
    """
    fresh = service.created_here(session, request)
    out = summary(request)
    out.update(
        {
            "policy": request.evaluation,
            "review": {
                "reviewer": request.reviewer.email if request.reviewer else None,
                # Notes are sealed: read them at /notes (access-logged, by role).
                "note_sealed": request.review_note_ct is not None
                or request.review_note is not None,
            },
            "authorised": {
                "days": request.authorised_days,
                "categories": request.authorised_categories,
                "ordered_on": request.ordered_on.isoformat() if request.ordered_on else None,
                "active_from": request.active_from.isoformat() if request.active_from else None,
                "active_until": request.active_until.isoformat() if request.active_until else None,
            },
            "closed": {
                "on": request.closed_on.isoformat() if request.closed_on else None,
                "reason": request.close_reason.value if request.close_reason else None,
            },
            "observations": 0
            if fresh
            else covers.observation_count(session=session, request=request),
            "refused_observations": {}
            if fresh
            else covers.refusal_counts(session=session, request=request),
            "decisions": [
                {
                    "outcome": d.outcome.value,
                    "approver": d.approver.email,
                    "delegation": d.delegation,
                    "days": d.days,
                    "categories": d.categories,
                    "notes_sealed": True,
                    "policy_version": d.policy_version,
                    "at": d.decided_at.isoformat(timespec="seconds"),
                }
                for d in ([] if fresh else service.decisions(session=session, request=request))
            ],
            "history": [
                {
                    "event": e.event.value,
                    "state": e.state.value,
                    "day": e.day.isoformat(),
                    "log_index": e.entry_index,
                }
                for e in _history(session, request, fresh=fresh)
            ],
            "document": request.public_document,
        }
    )
    out.update(_accountability(session, request, fresh=fresh))
    return out


def _history(
    session: Session, request: Request, *, fresh: bool
) -> Sequence[RequestEvent | HistoryLine]:
    """The request's history rows; for a fresh one, those this transaction wrote."""
    lines = recorded_here(session, request) if fresh else None
    return lines if lines is not None else service.history(session=session, request=request)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _accountability(session: Session, request: Request, *, fresh: bool) -> dict[str, Any]:
    """The court order, the emergency's order due day, the notice and the destruction.

    Whoever may see the request sees its order (the requesting agency knows its own
    order, sealed or not); the docket and the judge are at ``/requests/{id}/order``.
    One query each for the order (its court joined) and the notice; none for a
    request submitted in this transaction (``fresh``).
    """
    order = filed_here(session, request) if fresh else order_of(session=session, request=request)
    notice = (
        None if fresh else session.scalar(select(Notice).where(Notice.request_id == request.id))
    )
    reason = request.destruction_reason
    return {
        "court_order": None
        if order is None
        else {
            "court": order.court.name,
            "state": order.state.value,
            "sealed_until": _day(order.sealed_until),
            "unsealed_on": _day(order.unsealed_on),
        },
        "order_due": _day(request.order_due),
        "destroyed_on": _day(request.destroyed_on),
        "destruction_reason": reason.value if reason is not None else None,
        "notice": None
        if notice is None
        else {
            "state": notice.state.value,
            "due_on": _day(notice.due_on),
            "delayed_until": _day(notice.delayed_until),
            "mailed_on": _day(notice.mailed_on),
        },
    }
