"""Judge first: an approval waits for the court's confirmation of the order.

When the policy in force requires court confirmation (``authority.court_confirmation``,
safeguards-2026: judge first), approving or modifying a request that relies on a
court order (or, being an emergency mail cover or an emergency without any process,
owes one) needs that order ``confirmed`` by a user of the court it names:

- ``filed`` (the court has not acted) or none on file: RuleViolation, citing the rule;
- ``refused``: RuleViolation naming the refusal, whatever else holds;
- an emergency (``document.emergency``) when ``authority.emergency_order`` is
  required may be approved first: the decision sets ``request.order_due`` to
  ``received.date`` plus that entry's days. ``order_due`` stays as the record of the
  deadline; the order is in time when it is ``confirmed`` on or before that day
  (:func:`order_in_time`), which the retention sweep checks.

Denial is always allowed. Under usps-2017 (not required) nothing is gated.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.filing import ORDER_TYPES, order_of
from covergate.courts.models import CourtOrder
from covergate.document import RequestDocument, RequestKind
from covergate.errors import RuleViolation
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import OrderState

__all__ = ["approval_gate", "order_in_time", "owes_order"]


def owes_order(document: RequestDocument, order: CourtOrder | None) -> bool:
    """Whether the request relies on a court order, or, as an emergency, owes one."""
    if order is not None:
        return True
    process = document.legal_process
    if process is not None and process.type in ORDER_TYPES:
        return True
    return document.emergency is not None and (
        process is None or document.kind is RequestKind.MAIL_COVER
    )


def approval_gate(
    *, session: Session, ctx: ServiceContext, request: Request, document: RequestDocument
) -> date | None:
    """Check that an approval may go ahead; returns the ``order_due`` day it sets, if any.

    RuleViolation (nothing written) when the order must be confirmed first.
    """
    confirmation = ctx.policy.authority.court_confirmation
    if not confirmation.required:
        return None
    order = order_of(session=session, request=request)
    if not owes_order(document, order):
        return None
    court = order.court.name if order is not None else _named_court(document)
    if order is not None and order.state is OrderState.CONFIRMED:
        return None
    if order is not None and order.state is OrderState.REFUSED:
        raise RuleViolation(
            f"approval needs the court order confirmed by {court}: the court refused it "
            f"on {order.decided_on}, {confirmation.citation}"
        )
    emergency = ctx.policy.authority.emergency_order
    if document.emergency is not None and emergency.required:
        due = request.received_on + timedelta(days=emergency.days or 0)
        if ctx.clock.today() > due:
            raise RuleViolation(
                f"approval needs the court order confirmed by {court}: an emergency may start "
                f"first only until its order is due, {due} ({emergency.days} days after the "
                f"request was received), {emergency.citation}"
            )
        return due
    state = order.state.value if order is not None else "not on file"
    raise RuleViolation(
        f"approval needs the court order confirmed by {court}: it is {state}, "
        f"{confirmation.citation}"
    )


def _named_court(document: RequestDocument) -> str:
    process = document.legal_process
    return process.court if process is not None and process.court else "the issuing court"


def order_in_time(*, session: Session, request: Request) -> bool:
    """Whether an emergency request's order was confirmed by its ``order_due`` day
    (True when none is due)."""
    if request.order_due is None:
        return True
    order = order_of(session=session, request=request)
    return (
        order is not None
        and order.state is OrderState.CONFIRMED
        and order.decided_on is not None
        and order.decided_on <= request.order_due
    )
