"""When a request's sealed entries are opened, and the ``disclosed`` entry that opens them.

The publication rule (``lifecycle.sealing`` says what a sealed entry shows). A
request is disclosed on the first day on which all of these hold:

1. it has ended: denied, expired, closed, produced or acknowledged, and no
   extension of it still runs (``notices.service.owed_from``);
2. no court's delay order holds its notice (a delayed notice keeps it sealed
   for as long as the delay lasts, renewals included);
3. its subject has been told, or could have been: the notice was mailed, or it
   is due (a due notice that was not mailed is overdue, and public anyway); a
   request that owes no notice (denied, or a policy without a notice duty)
   waits as long after its end as a notice would (the policy's notice days, 90
   when the policy sets none), so that a denial does not tip off an
   investigation that goes on by other means.

Disclosure writes one ``disclosed`` entry (:class:`DisclosureEvent`) with the
request's details key and the facts of its life that no single event states;
every later entry of the request is open. The maintenance sweep runs
:func:`sweep_disclosures` daily, after the notices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.covers.models import Observation, RefusedObservation
from covergate.db import id_batches
from covergate.lifecycle.advance import record_event
from covergate.lifecycle.events import DisclosureEvent, EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.sealing import new_details_key
from covergate.lifecycle.states import NoticeState, RequestState
from covergate.notices.models import Notice
from covergate.notices.service import notice_of, owed_from_many
from covergate.requests.models import Decision

__all__ = ["ENDED", "disclose", "disclosure_day", "statute_class", "sweep_disclosures"]

#: The states in which a request has ended (and can be disclosed).
ENDED = frozenset(
    {
        RequestState.DENIED,
        RequestState.EXPIRED,
        RequestState.CLOSED,
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
    }
)
DEFAULT_HOLD_DAYS = 90
_USC = re.compile(r"\s*(\d{1,2})\s*U\.?\s*S\.?\s*C\.?", re.IGNORECASE)


def statute_class(statute: str | None) -> str:
    """The class of a request's statute: ``usc_title_18``, ``other_law`` or ``none``.

    >>> statute_class("18 U.S.C. 1341"), statute_class("Ill. Comp. Stat. 5/17"), statute_class("")
    ('usc_title_18', 'other_law', 'none')
    """
    if statute is None or not statute.strip():
        return "none"
    match = _USC.match(statute)
    return f"usc_title_{int(match.group(1))}" if match else "other_law"


def _hold_days(ctx: ServiceContext) -> int:
    days = ctx.policy.authority.notice.days
    return DEFAULT_HOLD_DAYS if days is None else days


def _ended_on(session: Session, request: Request) -> date | None:
    """The request's last day (of it and its extensions); None while one still runs."""
    return _ended_on_many(session, [request])[request.id]


def _ended_on_many(session: Session, requests: Sequence[Request]) -> dict[int, date | None]:
    """:func:`_ended_on` of each of ``requests`` (by id), in a few queries for all."""
    denied = [r.id for r in requests if r.state is RequestState.DENIED]
    ended: dict[int, date | None] = dict.fromkeys(denied)
    for batch in id_batches(denied):
        rows = session.execute(
            select(RequestEvent.request_id, func.max(RequestEvent.day))
            .where(
                RequestEvent.request_id.in_(batch),
                RequestEvent.event == EventType.DECIDED,
            )
            .group_by(RequestEvent.request_id)
        )
        ended.update({int(request_id): day for request_id, day in rows})
    others = [r for r in requests if r.state is not RequestState.DENIED]
    ended.update(owed_from_many(session=session, requests=others))
    return ended


def _day_of(ctx: ServiceContext, ended: date | None, notice: Notice | None) -> date | None:
    """The disclosure day of an ended request, from its end and its notice."""
    if ended is None:
        return None
    if notice is None:
        return ended + timedelta(days=_hold_days(ctx))
    if notice.state is NoticeState.MAILED:
        return notice.mailed_on or notice.due_on
    if notice.state is NoticeState.DELAYED:
        return None
    return notice.due_on


def disclosure_day(session: Session, ctx: ServiceContext, request: Request) -> date | None:
    """The day the rule discloses ``request`` on, as things stand; None: not foreseeable."""
    if request.state not in ENDED:
        return None
    ended = _ended_on(session, request)
    if ended is None:
        return None
    return _day_of(ctx, ended, notice_of(session=session, request=request))


def _refused(session: Session, request: Request) -> tuple[tuple[str, int], ...]:
    rows = session.execute(
        select(RefusedObservation.reason, func.count())
        .where(RefusedObservation.request_id == request.id)
        .group_by(RefusedObservation.reason)
    ).all()
    return tuple(sorted((reason.value, int(n)) for reason, n in rows if n))


def disclose(session: Session, ctx: ServiceContext, request: Request) -> int:
    """Write the request's ``disclosed`` entry (in the caller's transaction); its log index."""
    today = ctx.clock.today()
    decision = session.scalar(
        select(Decision)
        .where(Decision.request_id == request.id)
        .order_by(Decision.id.desc())
        .limit(1)
    )
    pieces = session.scalar(
        select(func.count()).select_from(Observation).where(Observation.request_id == request.id)
    )
    document = request.public_document
    emergency = document.get("emergency")
    if request.details_key is None:
        request.details_key = new_details_key()
    outcome = None
    if decision is not None:
        outcome = {"approve": "approved", "modify": "modified", "deny": "denied"}[
            decision.outcome.value
        ]
    public = DisclosureEvent(
        event=EventType.DISCLOSED,
        request_id=request.public_id,
        day=today,
        details_key=request.details_key.hex(),
        agency=request.agency.name,
        level=request.agency.jurisdiction.value,
        kind=request.kind,
        ground=request.ground,
        statute_class=statute_class(document.get("purpose", {}).get("statute")),
        legal_process=request.legal_process,
        delegation=decision.delegation.value if decision is not None else None,
        emergency=emergency.get("kind") if isinstance(emergency, dict) else None,
        order_due=request.order_due,
        outcome=outcome,
        days_requested=request.days_requested,
        days_authorised=request.authorised_days,
        extends=request.parent.public_id if request.parent is not None else None,
        pieces_recorded=int(pieces or 0) + request.observations_destroyed,
        refused=_refused(session, request),
        categories=",".join(sorted(request.authorised_categories or [])) or None,
        close_reason=request.close_reason.value if request.close_reason else None,
        policy=request.policy_name,
        policy_version=request.policy_version,
    )
    request.disclosed_on = today
    return record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.DISCLOSED,
        actor=None,
        day=today,
        public=public,
    )


def sweep_disclosures(*, session: Session, ctx: ServiceContext, limit: int = 10_000) -> int:
    """Disclose every request whose day has come; how many were disclosed."""
    today = ctx.clock.today()
    # Only rows that can be due today: a notice mailed or due by now, or no notice
    # and no later day already found (a notice mailed early is always looked at).
    notice_ready = (
        (
            Notice.id.is_(None)
            & (Request.disclosure_due.is_(None) | (Request.disclosure_due <= today))
        )
        | (Notice.state == NoticeState.MAILED)
        | ((Notice.state == NoticeState.PENDING) & (Notice.due_on <= today))
    )
    candidates = session.execute(
        select(Request, Notice)
        .outerjoin(Notice, Notice.request_id == Request.id)
        .where(Request.disclosed_on.is_(None), Request.state.in_(ENDED), notice_ready)
        .order_by(Request.id)
        .limit(limit)
    ).all()
    # Weighed together: the end of every candidate in a few queries, its notice from
    # the join (disclosing one request changes neither of another's).
    ended = _ended_on_many(session, [request for request, _ in candidates])
    count = 0
    for request, notice in candidates:
        day = _day_of(ctx, ended[request.id], notice)
        if day is not None and day <= today:
            disclose(session, ctx, request)
            count += 1
        elif day is not None and request.disclosure_due != day:
            request.disclosure_due = day
    return count
