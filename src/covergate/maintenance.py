"""The maintenance sweep: everything that happens on its date, with no one acting.

The server runs it every minute (``api.maintain``), the demo once per simulated
day, and ``covergate maintain`` on demand. Each step is its own transaction (the
sweep owns them, as a caller of services should), in the order that makes the
later steps see the earlier ones' work:

1. covers start on their start date and expire after their last day
   (``lifecycle.period``);
2. an emergency cover with no order confirmed in time, or a running cover whose
   order the court refused, ends and its data is destroyed
   (``retention.emergencies``; safeguards-2026, emergency exception);
3. a sealed order whose seal date has come is unsealed, its commitment opened in
   the log (``courts.service``);
4. notices are owed when covers end, re-armed when a delay order ends, and
   published when overdue (``notices.service``);
5. requests whose day has come are disclosed: their sealed log entries opened
   (``report.disclosure``, the publication rule);
6. data past its retention is destroyed (``retention.schedule``; 39 CFR 233.3(h)).

:func:`sweep_all` first asks, in one statement, whether any step would find a row
(``covergate.due``, whose queries the steps themselves run): almost every sweep
has nothing to do, and then runs no step and imports none of their services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.models import CourtOrder
from covergate.due import anything_due
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import NoticeState, RequestState
from covergate.notices.models import Notice
from covergate.runtime import Runtime

__all__ = ["NOTHING", "SweepSummary", "finish_integration", "next_due", "sweep_all", "sweep_in"]


@dataclass(frozen=True)
class SweepSummary:
    covers_moved: int  # started or expired
    emergencies_ended: int  # closed and destroyed: no order in time, or order refused
    unsealed: int
    notices_owed: int
    notices_resumed: int
    notices_overdue: int
    destroyed_for_retention: int
    disclosed: int = 0  # requests whose sealed entries were opened

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


#: What a sweep with nothing due changed.
NOTHING = SweepSummary(0, 0, 0, 0, 0, 0, 0, 0)


def sweep_all(runtime: Runtime, ctx: ServiceContext, *, limit: int = 10_000) -> SweepSummary:
    """Run every dated step once, each in its own transaction; returns what changed.

    None runs when :func:`covergate.due.anything_due` finds nothing for any of them
    (a step changes only rows its query finds, so none would change anything)."""
    # A read: on SQLite it neither queues behind nor blocks the writers.
    with runtime.read_transaction() as session:
        if not anything_due(session, ctx.clock.today()):
            return NOTHING
    counts: dict[str, int] = {}
    for step in _STEPS:
        with runtime.transaction() as session:
            counts.update(step(session, ctx, limit))
    return SweepSummary(**counts)


def sweep_in(session: Session, ctx: ServiceContext, *, limit: int = 10_000) -> SweepSummary:
    """The same steps in the caller's one transaction (the demo's simulated day)."""
    counts: dict[str, int] = {}
    for step in _STEPS:
        counts.update(step(session, ctx, limit))
    return SweepSummary(**counts)


def next_due(session: Session, today: date) -> date | None:
    """The first day after ``today`` on which a step has something to do, if any.

    A cover's start or the day after its end, the day after an emergency's order was
    due, a seal's end, the day after a notice falls due or its delay ends, the end
    of a retention, the day a request that owes no notice is disclosed. The demo
    visits these days so that its sweep runs when the server's would; the server
    simply runs every minute.
    """
    approved, active = RequestState.APPROVED, RequestState.ACTIVE
    candidates = [
        (select(func.min(Request.active_from)).where(Request.state == approved), 0),
        (select(func.min(Request.active_until)).where(Request.state == active), 1),
        (
            select(func.min(Request.order_due)).where(
                Request.order_due >= today, Request.destroyed_on.is_(None)
            ),
            1,
        ),
        (
            select(func.min(CourtOrder.sealed_until)).where(
                CourtOrder.unsealed_on.is_(None), CourtOrder.sealed_until > today
            ),
            0,
        ),
        (
            select(func.min(Notice.due_on)).where(
                Notice.state == NoticeState.PENDING, Notice.due_on >= today
            ),
            1,
        ),
        (select(func.min(Notice.delayed_until)).where(Notice.state == NoticeState.DELAYED), 1),
        (
            select(func.min(Request.retain_until)).where(
                Request.destroyed_on.is_(None), Request.retain_until > today
            ),
            0,
        ),
        # A request that owes no notice is disclosed on the day its hold ends.
        (
            select(func.min(Request.disclosure_due)).where(
                Request.disclosed_on.is_(None), Request.disclosure_due > today
            ),
            0,
        ),
    ]
    # One statement a day, not one per step: each step's earliest day is a subquery.
    found = session.execute(select(*(query.scalar_subquery() for query, _ in candidates))).one()
    days = [
        max(day + timedelta(days=after), today + timedelta(days=1))
        for day, (_, after) in zip(found, candidates, strict=True)
        if day is not None
    ]
    return min(days, default=None)


# Each step imports its service when it runs: a sweep with nothing due imports none.


def _periods(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
    from covergate.lifecycle import period

    return {"covers_moved": period.sweep(session=session, ctx=ctx, limit=limit)}


def _emergencies(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
    from covergate.retention import emergencies

    return {"emergencies_ended": emergencies.sweep_emergencies(session=session, ctx=ctx)}


def _seals(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
    from covergate.courts import service as courts

    return {"unsealed": courts.sweep_unsealing(session=session, ctx=ctx)}


def _notices(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
    from covergate.notices import service as notices

    result = notices.sweep_notices(session=session, ctx=ctx, limit=limit, periods=False)
    return {
        "notices_owed": result.created,
        "notices_resumed": result.resumed,
        "notices_overdue": result.overdue,
    }


def _disclosures(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
    from covergate.report import disclosure

    return {"disclosed": disclosure.sweep_disclosures(session=session, ctx=ctx, limit=limit)}


def _retention(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
    from covergate.retention import schedule

    destroyed = schedule.sweep_retention(session=session, ctx=ctx, limit=limit)
    return {"destroyed_for_retention": destroyed}


_STEPS: tuple[Callable[[Session, ServiceContext, int], dict[str, int]], ...] = (
    _periods,
    _emergencies,
    _seals,
    _notices,
    _disclosures,
    _retention,
)


def finish_integration(runtime: Runtime) -> None:
    """Integrate what a crash left sequenced but unintegrated, if anything: the
    sweep's own steps integrated what they appended when they committed. A log
    with nothing pending is neither locked nor signed again (nor are the log's
    keys and signing code loaded)."""
    from covergate.transparency.state import integration_pending

    with runtime.read_transaction() as session:
        pending = integration_pending(session)
    if pending:
        runtime.integrate_log()
