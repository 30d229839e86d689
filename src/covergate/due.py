"""What each dated step of the maintenance sweep looks for: one query per kind of row.

Each step (``covergate.maintenance``) acts on the rows one of these queries finds,
and on nothing else; the step adds its order and limit. :func:`anything_due` asks
all of them at once, in one statement, whether any would find a row: when none
would, no step would change anything, so the sweep can stop there. The queries
live here (the lifecycle's own, ``covers_to_move``, in ``lifecycle/due.py``, below
the domains), and not in the steps' own modules, so that one definition serves both,
and so that asking imports only the models (a sweep with nothing due, which is
almost every sweep, then imports no step and compiles one statement, not eleven).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from covergate.courts.models import CourtOrder
from covergate.lifecycle.due import covers_to_move
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import APPROVED_STATES, NoticeState, OrderState, RequestState
from covergate.notices.models import Notice

__all__ = [
    "DISCLOSABLE_STATES",
    "KEPT_STATES",
    "NOTICE_OWED_STATES",
    "anything_due",
    "covers_to_move",
    "delays_ended",
    "disclosure_candidates",
    "late_orders",
    "notices_overdue",
    "notices_to_owe",
    "queries",
    "refused_orders",
    "retention_candidates",
    "seals_ended",
]

#: A request in one of these has ended its cover: it owes notice if it was ordered.
NOTICE_OWED_STATES = frozenset(
    {RequestState.EXPIRED, RequestState.CLOSED, RequestState.PRODUCED, RequestState.ACKNOWLEDGED}
)
#: A request in one of these has ended and can be disclosed.
DISCLOSABLE_STATES = frozenset(
    {
        RequestState.DENIED,
        RequestState.EXPIRED,
        RequestState.CLOSED,
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
    }
)
#: Whose records the retention schedule keeps and then destroys: a request that
#: ended, and a cover that ran out but was never closed (the run closes it first).
KEPT_STATES = frozenset(
    {
        RequestState.DENIED,
        RequestState.CLOSED,
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
        RequestState.EXPIRED,
    }
)


def refused_orders() -> Select[Request, CourtOrder]:
    """Running covers, not destroyed, whose court refused the order."""
    return (
        select(Request, CourtOrder)
        .join(CourtOrder, CourtOrder.request_id == Request.id)
        .where(
            Request.destroyed_on.is_(None),
            Request.state.in_(APPROVED_STATES),
            CourtOrder.state == OrderState.REFUSED,
        )
    )


def late_orders(today: date) -> Select[Request, CourtOrder]:
    """Running covers, not destroyed, whose order was due before today and not
    confirmed by its day (or there is none)."""
    return (
        select(Request, CourtOrder)
        .outerjoin(CourtOrder, CourtOrder.request_id == Request.id)
        .where(
            Request.destroyed_on.is_(None),
            Request.order_due.is_not(None),
            Request.order_due < today,
            Request.state.in_(APPROVED_STATES),
            or_(
                CourtOrder.id.is_(None),
                CourtOrder.state != OrderState.CONFIRMED,
                CourtOrder.decided_on.is_(None),
                CourtOrder.decided_on > Request.order_due,
            ),
        )
    )


def seals_ended(today: date) -> Select[CourtOrder, Request]:
    """Sealed orders whose seal ends today or ended before, not yet unsealed."""
    return (
        select(CourtOrder, Request)
        .join(Request, Request.id == CourtOrder.request_id)
        .where(CourtOrder.sealed_until <= today, CourtOrder.unsealed_on.is_(None))
    )


def notices_to_owe() -> Select[Request]:
    """Ordered requests whose cover has ended and that have no notice yet."""
    return select(Request).where(
        Request.ordered_on.is_not(None),
        Request.state.in_(NOTICE_OWED_STATES),
        ~exists().where(Notice.request_id == Request.id),
    )


def delays_ended(today: date) -> Select[Notice, Request]:
    """Delayed notices whose delay ended before today."""
    return (
        select(Notice, Request)
        .join(Request, Request.id == Notice.request_id)
        .where(Notice.state == NoticeState.DELAYED, Notice.delayed_until < today)
    )


def notices_overdue(today: date) -> Select[Notice, Request]:
    """Pending notices, not mailed, due before today, whose lapse is not yet logged
    (``overdue_logged_for`` is the due day of the lapse last published)."""
    return (
        select(Notice, Request)
        .join(Request, Request.id == Notice.request_id)
        .where(
            Notice.state == NoticeState.PENDING,
            Notice.due_on < today,
            Notice.mailed_on.is_(None),
            Notice.overdue_logged_for.is_(None) | (Notice.overdue_logged_for != Notice.due_on),
        )
    )


def disclosure_candidates(today: date) -> Select[Request, Notice]:
    """Ended requests not yet disclosed that can be due today: a notice mailed or due
    by now, or no notice and no later day already found (a notice mailed early is
    always looked at)."""
    notice_ready = (
        (
            Notice.id.is_(None)
            & (Request.disclosure_due.is_(None) | (Request.disclosure_due <= today))
        )
        | (Notice.state == NoticeState.MAILED)
        | ((Notice.state == NoticeState.PENDING) & (Notice.due_on <= today))
    )
    return (
        select(Request, Notice)
        .outerjoin(Notice, Notice.request_id == Request.id)
        .where(
            Request.disclosed_on.is_(None),
            Request.state.in_(DISCLOSABLE_STATES),
            notice_ready,
        )
    )


def retention_candidates(today: date) -> Select[Request]:
    """Kept requests, not destroyed, whose retention is over or not yet set."""
    return select(Request).where(
        Request.destroyed_on.is_(None),
        Request.state.in_(KEPT_STATES),
        or_(Request.retain_until.is_(None), Request.retain_until <= today),
    )


def queries(today: date) -> dict[str, Select[*tuple[Any, ...]]]:
    """Every step's query for ``today``, by name: what :func:`anything_due` asks."""
    return {
        "covers_to_move": covers_to_move(today),
        "refused_orders": refused_orders(),
        "late_orders": late_orders(today),
        "seals_ended": seals_ended(today),
        "notices_to_owe": notices_to_owe(),
        "delays_ended": delays_ended(today),
        "notices_overdue": notices_overdue(today),
        "disclosure_candidates": disclosure_candidates(today),
        "retention_candidates": retention_candidates(today),
    }


def anything_due(session: Session, today: date) -> bool:
    """Whether any step's query finds a row today (one statement)."""
    found = (query.exists() for query in queries(today).values())
    return bool(session.scalar(select(or_(*found))))
