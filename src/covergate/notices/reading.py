"""Who reads notices: reviewers and auditors all, a court its own, an agency its own.

None of these reads shows subject data: a notice is dates, states and the delay
orders' dockets. The letter and the bundle, which do, are read through
:mod:`covergate.notices.facts` and :mod:`covergate.notices.bundle`, access-logged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.errors import Forbidden, InvalidInput, NotFound
from covergate.lifecycle.access import MAX_LIMIT, MAX_OFFSET, can_see
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import NoticeState
from covergate.notices.models import Notice
from covergate.notices.service import delays_of, notice_of
from covergate.users.models import User
from covergate.users.schemas import Role, with_article

__all__ = ["READERS", "get_notice", "list_notices", "notice_view"]

#: Who may read notices (each only what :func:`list_notices` lets them see).
READERS = (Role.REVIEWER, Role.AUDITOR, Role.COURT, Role.REQUESTER)


def _readable(actor: User) -> None:
    if actor.role not in READERS:
        names = "reviewers, auditors, court users and requesters"
        raise Forbidden(f"only {names} may read notices; you are {with_article(actor.role)}")


def get_notice(*, session: Session, ctx: ServiceContext, actor: User, request: Request) -> Notice:
    """The request's notice, for those who may see the request and read notices."""
    _readable(actor)
    if not can_see(actor, request, ctx=ctx):
        raise NotFound(f"no request {request.public_id}")
    notice = notice_of(session=session, request=request)
    if notice is None:
        raise NotFound(f"request {request.public_id} owes no notice (yet)")
    return notice


def list_notices(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    state: NoticeState | None = None,
    overdue_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[Notice, Request]]:
    """Notices the actor may read, soonest due first."""
    _readable(actor)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}", field="offset")
    query = select(Notice, Request).join(Request, Request.id == Notice.request_id)
    if actor.role is Role.COURT:
        if actor.court_id is None:
            return []
        query = query.where(Request.court_id == actor.court_id)
    elif actor.role is Role.REQUESTER:
        if actor.agency_id is None:
            return []
        query = query.where(Request.agency_id == actor.agency_id)
    if state is not None:
        query = query.where(Notice.state == state)
    if overdue_only:
        query = query.where(Notice.state == NoticeState.PENDING, Notice.due_on < ctx.clock.today())
    query = query.order_by(Notice.due_on, Notice.id).limit(limit).offset(offset)
    return [(n, r) for n, r in session.execute(query).all()]


def notice_view(
    *, session: Session, ctx: ServiceContext, notice: Notice, request: Request
) -> dict[str, Any]:
    """A notice as the API and CLI show it: dates, state and the delay orders, no
    subject data and no tracking number (it is sealed)."""
    today = ctx.clock.today()
    return {
        "request": request.public_id,
        "state": notice.state.value,
        "owed_from": notice.owed_from.isoformat(),
        "due_on": notice.due_on.isoformat(),
        "overdue": notice.state is NoticeState.PENDING and notice.due_on < today,
        "delayed_until": notice.delayed_until.isoformat() if notice.delayed_until else None,
        "mailed_on": notice.mailed_on.isoformat() if notice.mailed_on else None,
        "tracking_sealed": notice.tracking_ct is not None,
        "letter_sha256": notice.letter_sha256.hex() if notice.letter_sha256 else None,
        "delay_orders": [
            {
                "docket": d.docket,
                "issued_on": d.issued_on.isoformat(),
                "delays_until": d.delays_until.isoformat(),
                "days": d.days,
                "entry_index": d.entry_index,
            }
            for d in delays_of(session=session, request=request)
        ],
        "citation": ctx.policy.authority.notice.citation,
    }
