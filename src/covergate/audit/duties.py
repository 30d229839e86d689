"""What a cover owes after it ends, and who read its data (classes 5 to 8 of the audit).

- notice: a notice owed and past its due day, not mailed and under no delay order
  in force; an ended cover with no notice on record once the notice term has passed;
- unsealing: a sealed order whose seal ended and that is still sealed;
- retention: data kept past its retention day (``retain_until``, or the end of the
  cover plus ``authority.retention.years``); data of an improperly ordered cover or
  of an emergency without a timely order not destroyed the day after its close;
- reads: access records without a reason, or by a role that may not read subject
  data (an admin; an observer reading anything but the recording view; a requester
  reading another agency's request).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.audit.casefiles import ENDED_STATES, CaseFiles, add_years
from covergate.audit.findings import FindingClass, Findings
from covergate.context import ServiceContext
from covergate.lifecycle.access import MIN_REASON
from covergate.lifecycle.models import AccessKind, AccessRecord, Request
from covergate.lifecycle.states import CloseReason, DestructionReason, NoticeState
from covergate.users.models import User
from covergate.users.schemas import Role

__all__ = ["check"]

#: Closes whose data is destroyed at once (39 CFR 233.3(h); the emergency exception).
_AT_ONCE_CLOSE = frozenset({CloseReason.IMPROPER, CloseReason.NO_TIMELY_ORDER})
_AT_ONCE_DESTRUCTION = frozenset({DestructionReason.IMPROPER, DestructionReason.NO_TIMELY_ORDER})
_BATCH = 5000


def check(session: Session, ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    _notices(ctx, files, found)
    _unsealing(ctx, files, found)
    _retention(ctx, files, found)
    _reads(session, files, found)


def _notices(ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    cls = FindingClass.NOTICE_OVERDUE
    today = ctx.clock.today()
    for notice in files.notices.values():
        request = files.requests.get(notice.request_id)
        pid = request.public_id if request is not None else None
        if notice.state is NoticeState.PENDING and notice.due_on < today:
            found.add(cls, pid, "notice past its due day and not mailed", due_on=notice.due_on)
        elif (
            notice.state is NoticeState.DELAYED
            and notice.delayed_until is not None
            and notice.delayed_until < today
            and notice.due_on < today
        ):
            found.add(
                cls,
                pid,
                "notice past its due day and not mailed; the delay order ended",
                due_on=notice.due_on,
                delayed_until=notice.delayed_until,
            )
    duty = ctx.policy.authority.notice
    if not duty.required or duty.days is None:
        return
    extensions: dict[int, list[Request]] = defaultdict(list)
    for request in files.requests.values():
        if request.parent_id is not None and request.ordered_on is not None:
            extensions[request.parent_id].append(request)

    def owed_from(request: Request) -> date | None:
        """The last day of the cover and its ordered extensions (None: one still runs),
        as ``notices.service.owed_from`` counts it."""
        if request.state not in ENDED_STATES:
            return None
        ends = [d for d in (request.closed_on, request.active_until) if d is not None]
        last = min(ends) if ends else files.ended_on(request)
        for child in extensions.get(request.id, ()):
            end = owed_from(child)
            if end is None or last is None:
                return None
            last = max(last, end)
        return last

    for request in files.requests.values():
        if request.ordered_on is None or request.id in files.notices:
            continue
        ended = owed_from(request)
        if ended is not None and today > ended + timedelta(days=duty.days):
            found.add(
                cls,
                request.public_id,
                f"its cover ended more than {duty.days} days ago and no notice is on record",
                ended_on=ended,
            )


def _unsealing(ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    today = ctx.clock.today()
    for order in files.orders.values():
        if order.sealed_until is None or order.unsealed_on is not None:
            continue
        if order.sealed_until < today:
            request = files.requests.get(order.request_id)
            found.add(
                FindingClass.UNSEALING_OVERDUE,
                request.public_id if request is not None else None,
                "its court order is still sealed after the seal ended",
                sealed_until=order.sealed_until,
            )


def _retention(ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    cls = FindingClass.RETENTION_OVERDUE
    today = ctx.clock.today()
    years = ctx.policy.authority.retention.years
    for request in files.requests.values():
        pid, ended = request.public_id, files.ended_on(request)
        closed = request.closed_on or ended
        if request.destroyed_on is None:
            until = request.retain_until
            if until is None and ended is not None:
                until = add_years(ended, years)
            if until is not None and until < today:
                found.add(cls, pid, "data kept past its retention day", retain_until=until)
            if (
                request.close_reason in _AT_ONCE_CLOSE
                and closed is not None
                and today > closed + timedelta(days=1)
            ):
                reason = request.close_reason.value if request.close_reason else ""
                found.add(
                    cls,
                    pid,
                    f"closed as {reason.replace('_', ' ')}; its data is not destroyed",
                    closed_on=closed,
                )
        elif (
            request.destruction_reason in _AT_ONCE_DESTRUCTION
            # closed for that reason: a cover that had ended and was found improper
            # later is destroyed the day it is found, not the day it closed
            and request.close_reason in _AT_ONCE_CLOSE
            and closed is not None
            and request.destroyed_on > closed + timedelta(days=1)
        ):
            found.add(
                cls,
                pid,
                "data to be destroyed at once was destroyed more than a day after the close",
                closed_on=closed,
                destroyed_on=request.destroyed_on,
            )


def _reads(session: Session, files: CaseFiles, found: Findings) -> None:
    cls = FindingClass.READ_WITHOUT_REASON
    rows = session.execute(
        select(
            AccessRecord.id,
            AccessRecord.request_id,
            AccessRecord.what,
            AccessRecord.reason,
            AccessRecord.at,
            User.role,
            User.agency_id,
        )
        .join(User, User.id == AccessRecord.user_id)
        .order_by(AccessRecord.id)
        .execution_options(yield_per=_BATCH)
    )
    for record_id, request_id, what, reason, at, role, agency_id in rows:
        request = files.requests.get(request_id)
        pid = request.public_id if request is not None else None
        day, kind = at.date(), what.value
        if len((reason or "").strip()) < MIN_REASON:
            found.add(
                cls,
                pid,
                f"access record {record_id} ({kind}) gives no reason of {MIN_REASON} "
                "characters or more",
                read_on=day,
            )
        if role is Role.ADMIN:
            found.add(
                cls, pid, f"access record {record_id}: an admin read {kind} data", read_on=day
            )
        elif role is Role.OBSERVER and what is not AccessKind.SUBJECT:
            found.add(
                cls,
                pid,
                f"access record {record_id}: an observer read {kind} data; observers read "
                "only the recording view",
                read_on=day,
            )
        elif role is Role.REQUESTER and request is not None and agency_id != request.agency_id:
            found.add(
                cls,
                pid,
                f"access record {record_id}: a requester read {kind} data of another "
                "agency's request",
                read_on=day,
            )
