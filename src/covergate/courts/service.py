"""The court's side of an order: confirm, refuse, seal, unseal; and the registry.

A user of role ``court`` serves one court and acts only on the orders that name it:
another court's order is NotFound, as if absent. Each action is one transition of
the order (:func:`covergate.lifecycle.states.next_order_state`: the court decides
once, a second decision is InvalidTransition) and one ``OrderEvent`` in the
caller's transaction:

- ``confirm``: the order is the court's. Unsealed, the entry opens the commitment
  (court, docket, judge, dates, the salt) and gives the document's SHA-256; sealed
  until a day, it gives only the commitment and that day.
- ``refuse``: the court did not issue the order, or will not stand by it. Reasons
  (at least 10 characters) are sealed under the request's data key; the entry is
  sealed or not like a confirmation. A request not yet decided can then never be
  approved (``requests.decisions``); a cover that already runs (an emergency start)
  is ended and its data destroyed by the retention sweep, which finds refused
  orders of running covers.
- ``unseal``: a user of the court opens a sealed order before its day;
  :func:`sweep_unsealing` opens every order whose day has come (the software, no
  actor), from the maintenance sweep.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.filing import (
    DOCUMENT_LABEL,
    ORDER_TYPES,
    check_filing,
    commitment_of,
    file_order,
    identity_of,
    order_event,
    order_of,
    require_court_user,
    seal_salt,
)
from covergate.courts.models import CourtOrder
from covergate.courts.registry import (
    add_court,
    find_court,
    get_court_by_name,
    list_courts,
)
from covergate.due import seals_ended
from covergate.errors import InvalidInput, InvalidTransition, NotFound
from covergate.lifecycle.access import MAX_LIMIT, MAX_OFFSET, get_visible, record_access
from covergate.lifecycle.advance import record_event
from covergate.lifecycle.documents import full_document
from covergate.lifecycle.events import EventType
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import AccessKind, Request
from covergate.lifecycle.states import OrderAction, OrderState, next_order_state
from covergate.users.models import User

# The document's models (pydantic) only as annotations: the documents passed in
# were parsed by the caller.
if TYPE_CHECKING:
    from covergate.document import RequestDocument

__all__ = [
    "MAX_SEAL_YEARS",
    "MIN_REASONS",
    "ORDER_TYPES",
    "REASONS_LABEL",
    "add_court",
    "check_filing",
    "commitment_of",
    "confirm",
    "court_orders",
    "file_order",
    "find_court",
    "find_order",
    "get_court_by_name",
    "identity_of",
    "is_sealed",
    "list_courts",
    "order_of",
    "read_document",
    "refusal_reasons",
    "refuse",
    "seal_salt",
    "show_order",
    "sweep_unsealing",
    "unseal",
]

MIN_REASONS = 10
MAX_REASONS = 10_000
MAX_SEAL_YEARS = 10
REASONS_LABEL = b"court_order.reasons"


def is_sealed(order: CourtOrder) -> bool:
    """Whether the order's identity is still withheld from the public log by a seal."""
    return order.sealed_until is not None and order.unsealed_on is None


# --- reading -------------------------------------------------------------------------


def court_orders(
    *,
    session: Session,
    actor: User,
    state: OrderState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[CourtOrder, Request]]:
    """The orders that name the actor's court, newest first."""
    court_id = require_court_user(actor, "list a court's orders")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}", field="offset")
    query = (
        select(CourtOrder, Request)
        .join(Request, Request.id == CourtOrder.request_id)
        .where(CourtOrder.court_id == court_id)
    )
    if state is not None:
        query = query.where(CourtOrder.state == state)
    rows = session.execute(query.order_by(CourtOrder.id.desc()).limit(limit).offset(offset))
    return [(order, request) for order, request in rows]


def find_order(
    *, session: Session, ctx: ServiceContext, actor: User, public_id: str
) -> tuple[Request, CourtOrder]:
    """The request and its order, if the order names the actor's court; else NotFound."""
    court_id = require_court_user(actor, "act on court orders")
    request = get_visible(session=session, ctx=ctx, actor=actor, public_id=public_id)
    order = order_of(session=session, request=request)
    if order is None or order.court_id != court_id:
        raise NotFound(f"no court order for request {public_id}")
    return request, order


def show_order(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> RequestDocument:
    """The request's whole document, for the court deciding on its order (logged)."""
    _own_order(session, actor, request)
    return full_document(session=session, ctx=ctx, actor=actor, request=request, reason=reason)


def read_document(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> bytes:
    """The order's uploaded document, for its court (access-logged)."""
    order = _own_order(session, actor, request)
    if order.document_ct is None:
        raise NotFound(f"no document was uploaded for the order of request {request.public_id}")
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.SUBJECT,
        reason=reason,
    )
    return request_cipher(ctx, request).decrypt(order.document_ct, label=DOCUMENT_LABEL)


def _own_order(session: Session, actor: User, request: Request) -> CourtOrder:
    court_id = require_court_user(actor, "act on court orders")
    order = order_of(session=session, request=request)
    if order is None or order.court_id != court_id or request.court_id != court_id:
        raise NotFound(f"no court order for request {request.public_id}")
    return order


# --- deciding ------------------------------------------------------------------------


def _check_seal(ctx: ServiceContext, sealed_until: date | None) -> None:
    if sealed_until is None:
        return
    today = ctx.clock.today()
    try:
        latest = today.replace(year=today.year + MAX_SEAL_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + MAX_SEAL_YEARS, day=28)
    if not today < sealed_until <= latest:
        raise InvalidInput(
            f"sealed_until: a seal ends after today and at most {MAX_SEAL_YEARS} years "
            f"ahead ({latest}), not {sealed_until}",
            field="sealed_until",
        )


def _decide(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    action: OrderAction,
    sealed_until: date | None,
    reasons: str | None = None,
) -> CourtOrder:
    order = _own_order(session, actor, request)
    state = next_order_state(order.state, action)  # InvalidTransition: nothing written
    _check_seal(ctx, sealed_until)
    reasons_ct = None
    if reasons is not None:
        reasons_ct = request_cipher(ctx, request).encrypt_json(reasons, label=REASONS_LABEL)
    order.state = state
    order.decided_by = actor.id
    order.decided_on = ctx.clock.today()
    order.sealed_until = sealed_until
    order.reasons_ct = reasons_ct
    event = EventType.ORDER_CONFIRMED if action is OrderAction.CONFIRM else EventType.ORDER_REFUSED
    session.flush()
    record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=event,
        actor=actor,
        detail={
            "court": order.court.name,
            "sealed_until": sealed_until.isoformat() if sealed_until else None,
            "reasons_sealed": reasons_ct is not None,
        },
        public=order_event(ctx, request, order, event, opens=sealed_until is None),
    )
    return order


def confirm(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    sealed_until: date | None = None,
) -> CourtOrder:
    """A user of the issuing court confirms the order, sealed until a day or not."""
    return _decide(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        action=OrderAction.CONFIRM,
        sealed_until=sealed_until,
    )


def refuse(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    reasons: str,
    sealed_until: date | None = None,
) -> CourtOrder:
    """A user of the named court refuses the order, with reasons (sealed)."""
    text = reasons.strip()
    if not MIN_REASONS <= len(text) <= MAX_REASONS:
        raise InvalidInput(
            f"reasons: a refusal gives reasons of {MIN_REASONS} to {MAX_REASONS} characters",
            field="reasons",
        )
    _own_order(session, actor, request)  # NotFound before anything about the reasons
    return _decide(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        action=OrderAction.REFUSE,
        sealed_until=sealed_until,
        reasons=text,
    )


def refusal_reasons(*, ctx: ServiceContext, request: Request, order: CourtOrder) -> str | None:
    """The refusal's reasons, for the software's own use (a check); never shown."""
    if order.reasons_ct is None:
        return None
    value = request_cipher(ctx, request).decrypt_json(order.reasons_ct, label=REASONS_LABEL)
    return value if isinstance(value, str) else None


# --- unsealing -----------------------------------------------------------------------


def _open(
    session: Session,
    ctx: ServiceContext,
    request: Request,
    order: CourtOrder,
    actor: User | None,
    outcome: str,
) -> CourtOrder:
    if not is_sealed(order):
        raise InvalidTransition(
            f"the order of request {request.public_id} is not sealed"
            + (f" (unsealed on {order.unsealed_on})" if order.unsealed_on else "")
        )
    order.unsealed_on = ctx.clock.today()
    session.flush()
    record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.ORDER_UNSEALED,
        actor=actor,
        outcome=outcome,
        detail={"court": order.court.name, "sealed_until": str(order.sealed_until)},
        public=order_event(
            ctx, request, order, EventType.ORDER_UNSEALED, opens=True, outcome=outcome
        ),
    )
    return order


def unseal(*, session: Session, ctx: ServiceContext, actor: User, request: Request) -> CourtOrder:
    """A user of the court unseals its order before the seal's day (``outcome`` court)."""
    order = _own_order(session, actor, request)
    return _open(session, ctx, request, order, actor, "court")


def sweep_unsealing(*, session: Session, ctx: ServiceContext) -> int:
    """Unseal every order whose seal ended (``sealed_until`` today or before); how many.

    The software acts (no actor, ``outcome`` seal_expired). Run daily from the
    maintenance sweep, in the caller's transaction.
    """
    today = ctx.clock.today()
    rows = session.execute(seals_ended(today).order_by(CourtOrder.id)).all()
    count = 0
    for order, request in list(rows):
        _open(session, ctx, request, order, None, "seal_expired")
        count += 1
    return count
