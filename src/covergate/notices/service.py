"""The notice owed to the subject: owing it, delaying it, mailing it, and the sweep.

Under a policy whose ``authority.notice`` is required (safeguards-2026; models 18
U.S.C. 2518(8)(d), 2705), a request that was ordered (approved) owes its subject a
notice from the day its cover ended: ``owed_from`` is its last day (``active_until``,
or ``closed_on`` when it was closed earlier), and for a cover that was extended,
the last day of its last extension (2518(8)(d): "the period of an order or
extensions thereof"). The notice is due ``notice.days`` later (:func:`owe_notice`,
run for every ended request by :func:`sweep_notices`). A denied request owes none.

A court delays notice by an order (:func:`delay`), at most ``notice_delay.days``
from the day it is issued; a renewal is a new order. When the last order ends the
notice is due again at once: ``due_on`` becomes the later of the original due day
and the day after the delay (``delays_until`` + 1). That is 18 U.S.C. 2705(a)(5):
"upon expiration of the period of delay ... the governmental entity shall serve"
the notice; a delay never shortens the time the notice had anyway. An Inspection
Service reviewer mails the letter and records it (:func:`mark_mailed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.due import NOTICE_OWED_STATES, delays_ended, notices_overdue, notices_to_owe
from covergate.errors import Conflict, InvalidInput, NotFound, RuleViolation
from covergate.lifecycle.access import require_role
from covergate.lifecycle.advance import record_event, remember_here, this_transaction
from covergate.lifecycle.events import DOCKET, EventType, ProgramEvent
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import Request
from covergate.lifecycle.period import sweep as sweep_periods
from covergate.lifecycle.states import NoticeAction, NoticeState, next_notice_state
from covergate.notices.addressee import forget_addressee
from covergate.notices.ends import owed_from, owed_from_many
from covergate.notices.models import DelayOrder, Notice
from covergate.transparency.service import append_event
from covergate.users.models import User
from covergate.users.schemas import Role

__all__ = [
    "ENDED_STATES",
    "REASONS_LABEL",
    "TRACKING_LABEL",
    "SweepResult",
    "delay",
    "delays_of",
    "mark_mailed",
    "notice_of",
    "owe_notice",
    "owed_from",
    "owed_from_many",
    "sweep_notices",
]

REASONS_LABEL = b"notice.delay_reasons"
TRACKING_LABEL = b"notice.tracking"
#: The states of a request whose cover has ended (it owes notice if it was ordered).
ENDED_STATES = NOTICE_OWED_STATES
_TRACKING = re.compile(r"[A-Z0-9]{10,40}")
_MAX_REASONS = 10_000


@dataclass(frozen=True)
class SweepResult:
    created: int  # notices now owed
    resumed: int  # notices whose delay order ended
    overdue: int  # notices whose lapse was published


def notice_of(*, session: Session, request: Request) -> Notice | None:
    """The request's notice, if it owes one yet.

    A notice found (or owed) in this session's transaction, outside a savepoint, is
    remembered for the rest of it: a request has at most one notice (a unique key),
    and a notice is never deleted, so only "none yet" has to be asked again. Printing
    and mailing a letter asks for it five times.
    """
    known = this_transaction(session, _NOTICES)
    notice: Notice | None = known.get(request.id)
    if notice is None:
        notice = session.scalar(select(Notice).where(Notice.request_id == request.id))
        if notice is not None:
            _remember_notice(session, notice)
    return notice


def _remember_notice(session: Session, notice: Notice) -> None:
    remember_here(session, _NOTICES, notice.request_id, notice)


def delays_of(*, session: Session, request: Request) -> list[DelayOrder]:
    """The court orders that delayed the request's notice, oldest first.

    Remembered for the rest of this session's transaction (outside savepoints):
    :func:`delay` is the only writer of delay orders, and it forgets the request's.
    """
    known = this_transaction(session, _DELAYS)
    delays: list[DelayOrder] | None = known.get(request.id)
    if delays is None:
        delays = list(
            session.scalars(
                select(DelayOrder)
                .where(DelayOrder.request_id == request.id)
                .order_by(DelayOrder.id)
            )
        )
        remember_here(session, _DELAYS, request.id, delays)
    return list(delays)


#: The notices and delay orders read in this transaction, by request id.
_NOTICES = "covergate.notices.known"
_DELAYS = "covergate.notices.delays"


def owe_notice(
    *, session: Session, ctx: ServiceContext, request: Request, owed_from: date
) -> Notice | None:
    """The request's notice, created ``pending`` (due ``owed_from`` + the policy's days)
    when the policy in force requires notice and the request was ordered; the existing
    one if there is one; None when no notice is owed."""
    duty = ctx.policy.authority.notice
    existing = notice_of(session=session, request=request)
    if existing is not None or not duty.required or request.ordered_on is None:
        return existing
    notice = Notice(
        request_id=request.id,
        state=NoticeState.PENDING,
        owed_from=owed_from,
        due_on=owed_from + timedelta(days=duty.days or 0),
        created_at=ctx.clock.now(),
    )
    session.add(notice)
    session.flush()
    _remember_notice(session, notice)
    return notice


def _due_after_delay(ctx: ServiceContext, notice: Notice, until: date) -> date:
    original = notice.owed_from + timedelta(days=ctx.policy.authority.notice.days or 0)
    return max(original, until + timedelta(days=1))


def _resume(session: Session, ctx: ServiceContext, notice: Notice, request: Request) -> None:
    notice.state = next_notice_state(notice.state, NoticeAction.RESUME)
    until = notice.delayed_until or ctx.clock.today()
    notice.due_on = _due_after_delay(ctx, notice, until)
    record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.NOTICE_RESUMED,
        actor=None,
        detail={"delayed_until": until, "due_on": notice.due_on},
    )


def _resume_if_ended(
    session: Session, ctx: ServiceContext, notice: Notice, request: Request
) -> None:
    if (
        notice.state is NoticeState.DELAYED
        and notice.delayed_until is not None
        and notice.delayed_until < ctx.clock.today()
    ):
        _resume(session, ctx, notice, request)


def sweep_notices(
    *, session: Session, ctx: ServiceContext, limit: int = 10_000, periods: bool = True
) -> SweepResult:
    """Owe the notices of ended requests, resume those whose delay ended, and publish
    each newly overdue one (one ``notice_overdue`` entry each, one ``notices_overdue``
    program entry per sweep). In the caller's transaction; safe to run as often as
    wanted (the maintenance loop runs it with the other sweeps)."""
    if periods:  # expire what has ended, first (the maintenance sweep has done it already)
        sweep_periods(session=session, ctx=ctx)
    today = ctx.clock.today()
    created = 0
    # The candidates first, the policy only if there are any: a sweep with nothing
    # due does not load the policy (nor the request document it compiles against).
    candidates = session.scalars(notices_to_owe().order_by(Request.id).limit(limit)).all()
    if candidates and ctx.policy.authority.notice.required:
        ends = owed_from_many(session=session, requests=candidates)
        for request in candidates:
            end = ends[request.id]
            if end is not None:
                owe_notice(session=session, ctx=ctx, request=request, owed_from=end)
                created += 1
    delayed = session.execute(delays_ended(today).order_by(Notice.id).limit(limit)).all()
    resumed = 0
    for notice, request in list(delayed):
        _remember_notice(session, notice)
        _resume(session, ctx, notice, request)
        resumed += 1
    late = session.execute(notices_overdue(today).order_by(Notice.id).limit(limit)).all()
    published: list[str] = []
    for notice, request in list(late):  # each lapse once: overdue_logged_for is its due day
        _remember_notice(session, notice)
        record_event(
            session=session,
            ctx=ctx,
            request=request,
            event=EventType.NOTICE_OVERDUE,
            actor=None,
            detail={"due_on": notice.due_on},
        )
        notice.overdue_logged_for = notice.due_on
        published.append(request.public_id)
    if published:
        append_event(
            session=session,
            event=ProgramEvent(
                event=EventType.NOTICES_OVERDUE,
                day=today,
                count=len(published),
                policy=ctx.policy.name,
                policy_version=ctx.policy.version,
            ),
            private_record={"event": "notices_overdue", "day": today, "requests": published},
            cipher=ctx.cipher,
        )
    session.flush()
    return SweepResult(created=created, resumed=resumed, overdue=len(published))


def _owed(session: Session, request: Request) -> Notice:
    notice = notice_of(session=session, request=request)
    if notice is None:
        raise Conflict(
            f"request {request.public_id} owes no notice yet: its cover has not ended, "
            "or the policy requires none"
        )
    return notice


def delay(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    until: date,
    docket: str,
    reasons: str,
) -> DelayOrder:
    """A court's order delaying notice until ``until`` (a renewal is another order).

    Only a user of the court the request's order names (another court's request is
    NotFound); at most ``authority.notice_delay.days`` from today; not once mailed.
    """
    require_role(actor, Role.COURT, doing="delay notice to the subject")
    if actor.court_id is None or request.court_id != actor.court_id:
        raise NotFound(f"no request {request.public_id}")
    limit = ctx.policy.authority.notice_delay
    today = ctx.clock.today()
    days = (until - today).days
    if days < 1:
        raise InvalidInput(f"until: a delay order ends after today ({today})", field="until")
    if days > (limit.days or 0):
        raise RuleViolation(
            f"a delay order may delay notice at most {limit.days} days ({limit.citation}); "
            f"this one asks {days}",
            field="until",
        )
    docket = docket.strip()
    if not DOCKET.fullmatch(docket):
        raise InvalidInput(
            "docket: start with a letter or digit; at most 64 letters, digits, spaces or :./()#-",
            field="docket",
        )
    text = reasons.strip()
    if not 10 <= len(text) <= _MAX_REASONS:
        raise InvalidInput(
            f"reasons: a delay order gives reasons of 10 to {_MAX_REASONS} characters",
            field="reasons",
        )
    notice = _owed(session, request)
    next_notice_state(notice.state, NoticeAction.DELAY)  # not once mailed
    cipher = request_cipher(ctx, request)
    notice.state = NoticeState.DELAYED
    notice.delayed_until = until
    notice.due_on = _due_after_delay(ctx, notice, until)
    index = record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.NOTICE_DELAYED,
        actor=actor,
        detail={"docket": docket, "until": until, "days": days},
    )
    this_transaction(session, _DELAYS).pop(request.id, None)  # one more: read them again
    order = DelayOrder(
        request_id=request.id,
        court_id=actor.court_id,
        issued_by=actor.id,
        docket=docket,
        issued_on=today,
        delays_until=until,
        days=days,
        reasons_ct=cipher.encrypt(text.encode(), label=REASONS_LABEL),
        entry_index=index,
        created_at=ctx.clock.now(),
    )
    session.add(order)
    session.flush()
    return order


def mark_mailed(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    mailed_on: date,
    tracking: str,
) -> Notice:
    """Record that the printed letter was mailed on ``mailed_on`` (USPS ``tracking``)."""
    require_role(actor, Role.REVIEWER, doing="record the mailing of a notice")
    tracking = tracking.strip()
    if not _TRACKING.fullmatch(tracking):
        raise InvalidInput(
            "tracking: a USPS tracking number, 10 to 40 capital letters and digits",
            field="tracking",
        )
    today = ctx.clock.today()
    if mailed_on > today:
        raise InvalidInput(f"date: {mailed_on} is after today ({today})", field="date")
    notice = _owed(session, request)
    if mailed_on < notice.owed_from:
        raise InvalidInput(
            f"date: {mailed_on} is before the notice was owed ({notice.owed_from})", field="date"
        )
    _resume_if_ended(session, ctx, notice, request)
    next_notice_state(notice.state, NoticeAction.MAIL)  # refused while a delay is in force
    for order in delays_of(session=session, request=request):
        if order.issued_on <= mailed_on <= order.delays_until:
            raise RuleViolation(
                f"date: on {mailed_on} a delay order ({order.docket}, until "
                f"{order.delays_until}) was in force",
                field="date",
            )
    if notice.letter_sha256 is None:
        raise RuleViolation("no letter was printed for this notice: print it before mailing it")
    # Once the request's data is destroyed its key is gone: a notice mailed afterwards
    # (the subject is still owed it) seals its tracking number under the field key.
    cipher = ctx.cipher if request.destroyed_on is not None else request_cipher(ctx, request)
    notice.state = NoticeState.MAILED
    forget_addressee(notice)  # kept only until the notice is mailed
    notice.mailed_on = mailed_on
    notice.mailed_by = actor.id
    notice.tracking_ct = cipher.encrypt(tracking.encode(), label=TRACKING_LABEL)
    record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.NOTICE_SERVED,
        actor=actor,
        day=mailed_on,
        outcome="late" if mailed_on > notice.due_on else "on_time",
        detail={"due_on": notice.due_on, "letter_sha256": notice.letter_sha256.hex()},
    )
    session.flush()
    return notice
