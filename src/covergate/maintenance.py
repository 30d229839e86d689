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
5. data past its retention is destroyed (``retention.schedule``; 39 CFR 233.3(h)).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from covergate.context import ServiceContext
from covergate.courts import service as courts
from covergate.lifecycle import period
from covergate.notices import service as notices
from covergate.retention import emergencies, schedule
from covergate.runtime import Runtime

__all__ = ["SweepSummary", "sweep_all"]


@dataclass(frozen=True)
class SweepSummary:
    covers_moved: int  # started or expired
    emergencies_ended: int  # closed and destroyed: no order in time, or order refused
    unsealed: int
    notices_owed: int
    notices_resumed: int
    notices_overdue: int
    destroyed_for_retention: int

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def sweep_all(runtime: Runtime, ctx: ServiceContext, *, limit: int = 10_000) -> SweepSummary:
    """Run every dated step once, each in its own transaction; returns what changed."""
    with runtime.transaction() as session:
        moved = period.sweep(session=session, ctx=ctx, limit=limit)
    with runtime.transaction() as session:
        ended = emergencies.sweep_emergencies(session=session, ctx=ctx)
    with runtime.transaction() as session:
        unsealed = courts.sweep_unsealing(session=session, ctx=ctx)
    with runtime.transaction() as session:
        owed = notices.sweep_notices(session=session, ctx=ctx, limit=limit)
    with runtime.transaction() as session:
        run = schedule.run_retention(session=session, ctx=ctx, dry_run=False, limit=limit)
    return SweepSummary(
        covers_moved=moved,
        emergencies_ended=ended,
        unsealed=unsealed,
        notices_owed=owed.created,
        notices_resumed=owed.resumed,
        notices_overdue=owed.overdue,
        destroyed_for_retention=run.count,
    )
