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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.covers.models import Observation, RefusedObservation
from covergate.db import id_batches
from covergate.due import DISCLOSABLE_STATES, disclosure_candidates
from covergate.lifecycle.advance import record_event
from covergate.lifecycle.disclosed import statute_class
from covergate.lifecycle.events import DisclosureEvent, EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.sealing import new_details_key
from covergate.lifecycle.states import NoticeState, RequestState
from covergate.notices.models import Notice
from covergate.notices.service import notice_of, owed_from_many
from covergate.requests.models import Decision

__all__ = ["ENDED", "disclose", "disclosure_day", "statute_class", "sweep_disclosures"]

#: The states in which a request has ended (and can be disclosed).
ENDED = DISCLOSABLE_STATES
DEFAULT_HOLD_DAYS = 90


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


@dataclass(frozen=True)
class _Facts:
    """What a request's ``disclosed`` entry states that its row does not hold."""

    decision: Decision | None  # the last one
    pieces: int  # observations recorded (and not destroyed)
    refused: tuple[tuple[str, int], ...]  # refused observations, by reason
    parent: str | None  # the public id of the request it extends


def _facts_of(session: Session, requests: Sequence[Request]) -> dict[int, _Facts]:
    """The :class:`_Facts` of each of ``requests`` (by id): four queries for a batch of
    them, where one request at a time took four each."""
    ids = [r.id for r in requests]
    decisions: dict[int, Decision] = {}
    pieces: dict[int, int] = {}
    refused: dict[int, list[tuple[str, int]]] = {}
    parents: dict[int, str] = {}
    for batch in id_batches(ids):
        last = (
            select(func.max(Decision.id))
            .where(Decision.request_id.in_(batch))
            .group_by(Decision.request_id)
        )
        for decision in session.scalars(select(Decision).where(Decision.id.in_(last))):
            decisions[decision.request_id] = decision
        counted = session.execute(
            select(Observation.request_id, func.count())
            .where(Observation.request_id.in_(batch))
            .group_by(Observation.request_id)
        )
        pieces.update((int(rid), int(n)) for rid, n in counted)
        reasons = session.execute(
            select(RefusedObservation.request_id, RefusedObservation.reason, func.count())
            .where(RefusedObservation.request_id.in_(batch))
            .group_by(RefusedObservation.request_id, RefusedObservation.reason)
        )
        for rid, reason, n in reasons:
            if n:
                refused.setdefault(int(rid), []).append((reason.value, int(n)))
    parent_ids = sorted({r.parent_id for r in requests if r.parent_id is not None})
    for batch in id_batches(parent_ids):
        rows = session.execute(select(Request.id, Request.public_id).where(Request.id.in_(batch)))
        parents.update((int(pid), public_id) for pid, public_id in rows)
    return {
        r.id: _Facts(
            decision=decisions.get(r.id),
            pieces=pieces.get(r.id, 0),
            refused=tuple(sorted(refused.get(r.id, ()))),
            parent=None if r.parent_id is None else parents[r.parent_id],
        )
        for r in requests
    }


def disclose(
    session: Session, ctx: ServiceContext, request: Request, *, facts: _Facts | None = None
) -> int:
    """Write the request's ``disclosed`` entry (in the caller's transaction); its log index.

    ``facts`` are the request's from :func:`_facts_of`, when the caller read them
    for several requests at once (the sweep).
    """
    today = ctx.clock.today()
    if facts is None:
        facts = _facts_of(session, [request])[request.id]
    decision = facts.decision
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
        extends=facts.parent,
        pieces_recorded=facts.pieces + request.observations_destroyed,
        refused=facts.refused,
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
    # Only rows that can be due today (covergate.due.disclosure_candidates).
    candidates = session.execute(
        disclosure_candidates(today).order_by(Request.id).limit(limit)
    ).all()
    # Weighed together: the end of every candidate in a few queries, its notice from
    # the join (disclosing one request changes neither of another's).
    ended = _ended_on_many(session, [request for request, _ in candidates])
    days = [(request, _day_of(ctx, ended[request.id], notice)) for request, notice in candidates]
    due = [request for request, day in days if day is not None and day <= today]
    facts = _facts_of(session, due)
    for request, day in days:
        if day is not None and day <= today:
            disclose(session, ctx, request, facts=facts[request.id])
        elif day is not None and request.disclosure_due != day:
            request.disclosure_due = day
    return len(due)
