"""The retention schedule (39 CFR 233.3(h)): records kept ``years`` years, then destroyed.

A request's records are kept from the day it ended (:func:`end_day`) for
``authority.retention.years`` years; :func:`run_retention` destroys those whose day
has come (``retention.service.destroy``), and logs one DESTRUCTION_RUN program
entry when it destroyed anything. A cover that expired and was never closed ended
on its last authorised day: the run closes it (reason ``expired``, no one acting)
and destroys it then, as the compliance audit expects (``audit.duties``). Open
requests are never destroyed here; a dry run lists what would go and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.due import KEPT_STATES, retention_candidates
from covergate.errors import InvalidInput
from covergate.lifecycle.events import EventType, ProgramEvent
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.states import CloseReason, DestructionReason, RequestState
from covergate.requests.service import end
from covergate.retention.schemas import RetentionItem, RetentionRun
from covergate.retention.service import destroy, destruction_of
from covergate.transparency.service import append_event

if TYPE_CHECKING:  # the policy is loaded by the context when a rule is read
    from covergate.policy import Policy

__all__ = [
    "KEPT_STATES",
    "Progress",
    "destruction_view",
    "end_day",
    "retention_day",
    "retention_due",
    "run_retention",
    "sweep_retention",
]

#: ``progress(done, total)``: called after each request a run destroys (or lists).
Progress = Callable[[int, int], None]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 2, 28)


def retention_day(ended: date, policy: Policy) -> date:
    """The day a request that ended on ``ended`` is destroyed: ``years`` later.

    29 February moves to 28 February in a year without it.
    """
    return _add_years(ended, policy.authority.retention.years)


def end_day(*, session: Session, request: Request) -> date | None:
    """The day ``request`` ended; None while it is open.

    - a cover that expired (closed afterwards or not): its last authorised day,
      ``active_until``; one closed early: the day of its close (the earlier of the
      two, as ``notices.service.owed_from`` counts the end of a cover);
    - a request closed before it started: the day of its close;
    - a denied request: the day of its decision.
    """
    if request.state not in KEPT_STATES:
        return None
    if request.state is RequestState.EXPIRED:
        return request.active_until
    if request.closed_on is not None:
        ends = [d for d in (request.closed_on, request.active_until) if d is not None]
        return min(ends)
    if request.state is RequestState.DENIED:
        return session.scalar(
            select(func.max(RequestEvent.day)).where(
                RequestEvent.request_id == request.id,
                RequestEvent.event == EventType.DECIDED,
            )
        )
    return None


def retention_due(*, session: Session, ctx: ServiceContext, request: Request) -> date | None:
    """When ``request``'s records are destroyed (stored, or computed); None while open."""
    if request.retain_until is not None:
        return request.retain_until
    ended = end_day(session=session, request=request)
    return None if ended is None else retention_day(ended, ctx.policy)


def run_retention(
    *,
    session: Session,
    ctx: ServiceContext,
    dry_run: bool,
    limit: int | None = None,
    progress: Progress | None = None,
) -> RetentionRun:
    """Destroy every ended request whose retention is over; ``dry_run`` only lists them.

    A request that ended (:func:`end_day`) is kept until ``retain_until`` (set here
    when still empty: the end day plus ``authority.retention.years``). A cover that
    expired and was never closed is closed first (reason ``expired``, no one acting).
    Open requests are never destroyed here. A dry run writes nothing at all.
    ``limit`` caps how many are destroyed in one run; ``progress(done, total)``
    follows the candidates.
    """
    today, rows = _candidates(session, ctx, limit)
    return _run(session, ctx, rows, today, dry_run=dry_run, limit=limit, progress=progress)


def sweep_retention(*, session: Session, ctx: ServiceContext, limit: int) -> int:
    """The maintenance sweep's step: :func:`run_retention`, not a dry run; how many
    requests were destroyed. With no candidate it reads no rule of the policy, so a
    sweep with nothing due does not load the policy (and the request document's
    models, which the policy compiles its conditions against)."""
    today, rows = _candidates(session, ctx, limit)
    if not rows:
        return 0
    return _run(session, ctx, rows, today, dry_run=False, limit=limit, progress=None).count


def _candidates(
    session: Session, ctx: ServiceContext, limit: int | None
) -> tuple[date, Sequence[Request]]:
    """Today, and every request kept and not destroyed whose retention is over or not
    yet set; InvalidInput for a ``limit`` below 1, before anything is read."""
    if limit is not None and limit < 1:
        raise InvalidInput("limit must be at least 1", field="limit")
    today = ctx.clock.today()
    return today, session.scalars(retention_candidates(today).order_by(Request.id)).all()


def _run(
    session: Session,
    ctx: ServiceContext,
    rows: Sequence[Request],
    today: date,
    *,
    dry_run: bool,
    limit: int | None,
    progress: Progress | None,
) -> RetentionRun:
    rule = ctx.policy.authority.retention
    due: list[tuple[Request, date, date]] = []
    for request in rows:
        ended = end_day(session=session, request=request)
        if ended is None:
            continue  # no known end day: never destroyed on a guess
        until = request.retain_until or retention_day(ended, ctx.policy)
        if not dry_run and request.retain_until is None:
            request.retain_until = until
        if until <= today and (limit is None or len(due) < limit):
            due.append((request, ended, until))
    items: list[RetentionItem] = []
    for done, (request, ended, until) in enumerate(due, start=1):
        if not dry_run:
            if request.state is RequestState.EXPIRED:
                end(
                    session=session,
                    ctx=ctx,
                    request=request,
                    reason=CloseReason.EXPIRED,
                    actor=None,
                )
            destroy(
                session=session,
                ctx=ctx,
                request=request,
                reason=DestructionReason.RETENTION_ENDED,
                actor=None,
                explanation=(
                    f"the records were kept {rule.years} years after the request ended on "
                    f"{ended.isoformat()} ({rule.citation}); its data was destroyed on "
                    f"{today.isoformat()}"
                ),
            )
        items.append(
            RetentionItem(
                request.public_id,
                request.agency.name,
                DestructionReason.RETENTION_ENDED,
                ended,
                until,
            )
        )
        if progress is not None:
            progress(done, len(due))
    index = None
    if items and not dry_run:
        index = append_event(
            session=session,
            event=ProgramEvent(
                EventType.DESTRUCTION_RUN,
                today,
                len(items),
                ctx.policy.name,
                ctx.policy.version,
            ),
            private_record={
                "reason": DestructionReason.RETENTION_ENDED.value,
                "citation": rule.citation,
                "requests": [item.request_id for item in items],
            },
            cipher=ctx.cipher,
        )
        session.flush()
    return RetentionRun(today, dry_run, rule.years, rule.citation, tuple(items), index)


def destruction_view(
    *, session: Session, ctx: ServiceContext, request: Request
) -> dict[str, object]:
    """The destruction's record, or until when the records are kept: no subject data."""
    found = destruction_of(session=session, ctx=ctx, request=request)
    if found is not None:
        return found.to_json()
    due = retention_due(session=session, ctx=ctx, request=request)
    return {
        "id": request.public_id,
        "destroyed": False,
        "agency": request.agency.name,
        "retain_until": due.isoformat() if due else None,
        "citation": ctx.policy.authority.retention.citation,
    }
