"""How a request is shown to API and CLI clients. No subject data here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from covergate.covers import service as covers
from covergate.lifecycle.models import Request
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
    """Everything about a request except subject data and the facts statement."""
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
            "observations": covers.observation_count(session=session, request=request),
            "refused_observations": covers.refusal_counts(session=session, request=request),
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
                for d in service.decisions(session=session, request=request)
            ],
            "history": [
                {
                    "event": e.event.value,
                    "state": e.state.value,
                    "day": e.day.isoformat(),
                    "log_index": e.entry_index,
                }
                for e in service.history(session=session, request=request)
            ],
            "document": request.public_document,
        }
    )
    return out
