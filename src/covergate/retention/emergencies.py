"""Emergency covers that got no confirmed order in time, and covers whose order was refused.

Under a policy whose ``authority.emergency_order`` is required (safeguards-2026),
an emergency (39 CFR 233.3(c)(10)) may start before its order; a confirmed order
must follow by ``request.order_due`` (the request's received date plus
``emergency_order.days``). The day after, a cover still without one ends by
itself, its data is destroyed and the requester told why (:func:`sweep_emergencies`).
An order confirmed after the due day is too late: the law counts from the request.

Under a policy whose ``authority.court_confirmation`` is required, a cover that
ran on an order its court then refused ends at once and its data is destroyed
(:func:`sweep_refused_orders`). Both run in the maintenance sweep; each step is
logged (CLOSED, then DATA_DESTROYED) in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.models import Court, CourtOrder
from covergate.due import late_orders, refused_orders
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import CloseReason, DestructionReason
from covergate.requests.service import end
from covergate.retention.service import RUNNING_STATES, destroy

__all__ = ["sweep_emergencies", "sweep_refused_orders"]


def _court_name(session: Session, request: Request, order: CourtOrder | None) -> str:
    if order is not None:
        return order.court.name
    court = session.get(Court, request.court_id) if request.court_id is not None else None
    return court.name if court is not None else "a court"


def _end_and_destroy(
    session: Session,
    ctx: ServiceContext,
    request: Request,
    reason: DestructionReason,
    why: str,
    citation: str,
) -> None:
    if request.state in RUNNING_STATES:
        end(
            session=session,
            ctx=ctx,
            request=request,
            reason=CloseReason(reason.value),
            actor=None,
        )
    ended = request.closed_on or ctx.clock.today()
    destroy(
        session=session,
        ctx=ctx,
        request=request,
        reason=reason,
        actor=None,
        explanation=(
            f"{why}; the cover ended on {ended.isoformat()} and its data was destroyed ({citation})"
        ),
    )


def sweep_refused_orders(*, session: Session, ctx: ServiceContext) -> int:
    """End and destroy every ordered cover whose court order was refused; returns how many.

    The rows are found before the policy is read: with none, the sweep neither
    loads the policy nor needs to know whether it requires court confirmation."""
    rows = session.execute(refused_orders().order_by(Request.id)).all()
    if not rows:
        return 0
    duty = ctx.policy.authority.court_confirmation
    if not duty.required:
        return 0
    for request, order in rows:
        refused_on = order.decided_on.isoformat() if order.decided_on else "an earlier day"
        _end_and_destroy(
            session,
            ctx,
            request,
            DestructionReason.ORDER_REFUSED,
            f"{order.court.name} refused the order on {refused_on}",
            duty.citation,
        )
    return len(rows)


def sweep_emergencies(*, session: Session, ctx: ServiceContext) -> int:
    """End and destroy the covers whose order was refused or did not come in time.

    Refused orders first (:func:`sweep_refused_orders`), then every ordered cover
    whose ``order_due`` is strictly past with no order confirmed by that day.
    Returns how many requests' data was destroyed.
    """
    count = sweep_refused_orders(session=session, ctx=ctx)
    today = ctx.clock.today()
    rows = session.execute(late_orders(today).order_by(Request.id)).all()
    if not rows:  # as above: no policy read, and no gate (nor its request document)
        return count
    duty = ctx.policy.authority.emergency_order
    if not duty.required:
        return count
    from covergate.courts.gate import order_in_time

    for request, order in rows:
        due = request.order_due
        if due is None or order_in_time(session=session, request=request):
            continue  # the query's filter, checked by the gate's own rule
        days = duty.days if duty.days is not None else (due - request.received_on).days
        _end_and_destroy(
            session,
            ctx,
            request,
            DestructionReason.NO_TIMELY_ORDER,
            f"no order confirmed by {_court_name(session, request, order)} within {days} days "
            f"of the emergency request received on {request.received_on.isoformat()}",
            duty.citation,
        )
        count += 1
    return count
