"""The agency's side of a court order: filing it with the request, and its document.

An order is filed at intake (``requests.service.submit``, extensions too) when the
request's ``legal_process`` is a ``court_order`` or ``search_warrant``:

- under a policy whose ``authority.court_confirmation`` is required, the court must
  be registered and the docket and judge given, each fit for the public log
  (:class:`~covergate.lifecycle.events.OrderIdentity`); otherwise the submission is
  refused, naming the field, and nothing is written;
- under a policy that does not require it (``usps-2017``), the order is filed when
  its court is registered and its identity is fit, and otherwise left as before.

Filing writes a :class:`CourtOrder` (``filed``), points the request at the court
(whose users then see it) and logs ``order_filed`` with only the order's salted
commitment: nothing identifies the order publicly until its court acts. The salt is
sealed under the field key, not the request's data key: it is not subject data, and
it must outlive the destruction of the request's data to open the commitment.

An emergency may start before its order exists: the agency files it later with
:func:`file_late`, and the court confirms it as any other.

The agency may then upload the order's document (:func:`attach_document`) while the
order is ``filed``; its SHA-256 is published when the order's identity is.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.models import Court, CourtOrder
from covergate.courts.registry import find_court, registered_names
from covergate.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from covergate.lifecycle.access import require_role
from covergate.lifecycle.advance import (
    PendingEvent,
    insert_row,
    record_events,
    remember_here,
    this_transaction,
)
from covergate.lifecycle.events import (
    DOCKET,
    JUDGE,
    EventType,
    OrderEvent,
    OrderIdentity,
    order_commitment,
)
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import OrderState, RequestState
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import ProcessType

# The document's models only as annotations: every request view imports this
# module, and the models are pydantic (built on import).
if TYPE_CHECKING:
    from covergate.document import LegalProcess, RequestDocument

__all__ = [
    "DOCUMENT_LABEL",
    "MAX_DOCUMENT_BYTES",
    "ORDER_TYPES",
    "Filing",
    "attach_document",
    "check_filing",
    "commitment_of",
    "file_late",
    "file_order",
    "filed_here",
    "identity_of",
    "order_event",
    "order_filing",
    "order_of",
    "seal_salt",
]

#: The legal processes a court issues: the ones filed as court orders.
ORDER_TYPES = frozenset({ProcessType.COURT_ORDER, ProcessType.SEARCH_WARRANT})
MAX_DOCUMENT_BYTES = 10 << 20
DOCUMENT_LABEL = b"court_order.document"
_SALT_LABEL = b"court_order.seal_salt:"
_SALT_BYTES = 32
_DOCKET_TEXT = "start with a letter or digit and be at most 64 letters, digits, spaces or :./()#-"
_JUDGE_TEXT = "start with a letter and be at most 100 letters, spaces or . , ' -"


@dataclass(frozen=True)
class Filing:
    """A checked order, ready to file with its request."""

    court: Court
    process: LegalProcess
    identity: OrderIdentity


def check_filing(
    *, session: Session, ctx: ServiceContext, document: RequestDocument
) -> Filing | None:
    """The order to file with ``document``, None if there is none to file.

    InvalidInput naming ``legal_process.court``, ``.docket`` or ``.judge`` when the
    policy in force requires court confirmation and the order cannot be filed. Writes
    nothing.
    """
    process = document.legal_process
    if process is None or process.type not in ORDER_TYPES:
        return None
    return _check_process(session, ctx, process, ctx.policy.authority.court_confirmation.required)


def _check_process(
    session: Session, ctx: ServiceContext, process: LegalProcess, required: bool
) -> Filing | None:
    confirmation = ctx.policy.authority.court_confirmation
    court = find_court(session=session, name=process.court) if process.court else None
    problem = _problem(session, process, court)
    if problem is None and court is not None:
        identity = OrderIdentity(
            court=court.name,
            docket=(process.docket or "").strip(),
            judge=(process.judge or "").strip(),
            issued=process.issued,
            expires=process.expires,
        )
        return Filing(court=court, process=process, identity=identity)
    if not required:
        return None  # the rule in force asks no court to confirm: as before
    message, where = problem or ("", "legal_process.court")
    raise InvalidInput(
        f"{where}: {message}; the issuing court confirms the order, {confirmation.citation}",
        field=where,
    )


def _problem(
    session: Session, process: LegalProcess, court: Court | None
) -> tuple[str, str] | None:
    kind = process.type.value.replace("_", " ")
    if not process.court:
        return (
            f"a {kind} names the court that issued it ({registered_names(session=session)})",
            "legal_process.court",
        )
    if court is None:
        return (
            f"{process.court!r} is not a registered court ({registered_names(session=session)})",
            "legal_process.court",
        )
    for where, value, pattern, allowed in (
        ("legal_process.docket", process.docket, DOCKET, _DOCKET_TEXT),
        ("legal_process.judge", process.judge, JUDGE, _JUDGE_TEXT),
    ):
        text = (value or "").strip()
        if not text:
            return f"a {kind} gives its {where.rsplit('.', 1)[1]}", where
        if not pattern.fullmatch(text):
            return f"{text!r} is published with the order: it must {allowed}", where
    return None


def file_order(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, filing: Filing
) -> CourtOrder:
    """File the checked order of a request and log ``order_filed``."""
    order, pending = order_filing(
        session=session, ctx=ctx, actor=actor, request=request, filing=filing
    )
    record_events(session=session, ctx=ctx, request=request, events=[pending])
    return order


def order_filing(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, filing: Filing
) -> tuple[CourtOrder, PendingEvent]:
    """Write the order of ``filing`` and point ``request`` at its court; the
    ``order_filed`` event the caller must record in the same transaction (intake
    records it with the submission's own, in one append: ``requests.service.submit``)."""
    salt = os.urandom(_SALT_BYTES)
    order = CourtOrder(
        request_id=request.id,
        court_id=filing.court.id,
        process_type=filing.process.type,
        standard=filing.process.standard,
        docket=filing.identity.docket,
        judge=filing.identity.judge,
        issued=filing.identity.issued,
        expires=filing.identity.expires,
        state=OrderState.FILED,
        filed_on=ctx.clock.today(),
        seal_salt_ct=ctx.cipher.encrypt(salt, label=_salt_label(request)),
    )
    order.court = filing.court
    insert_row(session, order)
    if request.court_id != filing.court.id:
        request.court_id = filing.court.id
    remember_here(session, _KNOWN, request.id, order)
    pending = PendingEvent(
        event=EventType.ORDER_FILED,
        actor=actor,
        detail={"court": filing.court.name, "docket": order.docket},
        public=order_event(ctx, request, order, EventType.ORDER_FILED, salt=salt),
    )
    return order, pending


#: The orders filed or found in this transaction (outside savepoints), by request id.
_KNOWN = "covergate.courts.known"


def filed_here(session: Session, request: Request) -> CourtOrder | None:
    """The order of ``request`` this session's transaction filed or read, outside any
    savepoint; None if none. For a request created in this transaction, whose
    history is known (``requests.service.created_here``), that is its order, if any."""
    order: CourtOrder | None = this_transaction(session, _KNOWN).get(request.id)
    return order


#: The states in which an order may still be filed after intake.
_LATE_STATES = frozenset(
    {RequestState.SUBMITTED, RequestState.IN_REVIEW, RequestState.APPROVED, RequestState.ACTIVE}
)


def file_late(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, process: LegalProcess
) -> CourtOrder:
    """File the order of a request that had none at intake (an emergency started first,
    its order following: ``authority.emergency_order``). The agency that asked does;
    the court must be registered and the docket and judge fit for the log, whatever
    the policy. The request's document is left as it was submitted."""
    require_role(actor, Role.REQUESTER, doing="file court orders")
    if actor.agency_id != request.agency_id:
        raise NotFound(f"no request {request.public_id}")
    if process.type not in ORDER_TYPES:
        raise InvalidInput(
            "legal_process.type: only a court_order or a search_warrant is filed with a court",
            field="legal_process.type",
        )
    existing = order_of(session=session, request=request)
    if existing is not None:
        raise Conflict(
            f"an order is already on file for request {request.public_id} "
            f"({existing.state.value} on {existing.decided_on or existing.filed_on})"
        )
    if request.state not in _LATE_STATES:
        raise RuleViolation(f"a request that is {request.state.value} takes no court order")
    filing = _check_process(session, ctx, process, True)
    if filing is None:  # _check_process raises when required; narrows the type
        raise InvalidInput("the order cannot be filed", field="legal_process")
    return file_order(session=session, ctx=ctx, actor=actor, request=request, filing=filing)


def order_of(*, session: Session, request: Request) -> CourtOrder | None:
    """The court order filed with ``request``, if any.

    An order found (or filed) in this session's transaction, outside a savepoint, is
    remembered for the rest of it: a request has at most one order (a unique key),
    and an order is never deleted, so only "none yet" has to be asked again.
    """
    order = filed_here(session, request)
    if order is None:
        order = session.scalar(select(CourtOrder).where(CourtOrder.request_id == request.id))
        if order is not None:
            remember_here(session, _KNOWN, request.id, order)
    return order


def identity_of(order: CourtOrder) -> OrderIdentity:
    return OrderIdentity(
        court=order.court.name,
        docket=order.docket,
        judge=order.judge,
        issued=order.issued,
        expires=order.expires,
    )


def _salt_label(request: Request) -> bytes:
    return _SALT_LABEL + request.public_id.encode()


def seal_salt(ctx: ServiceContext, request: Request, order: CourtOrder) -> bytes:
    """The 32-byte salt of the order's commitment (under the field key)."""
    if order.seal_salt_ct is None:
        raise InvalidInput(f"the order of request {request.public_id} has no commitment salt")
    return ctx.cipher.decrypt(order.seal_salt_ct, label=_salt_label(request))


def commitment_of(ctx: ServiceContext, request: Request, order: CourtOrder) -> str:
    """The order's commitment, as every one of its log entries carries it."""
    return order_commitment(seal_salt(ctx, request, order), identity_of(order))


def order_event(
    ctx: ServiceContext,
    request: Request,
    order: CourtOrder,
    event: EventType,
    *,
    opens: bool = False,
    outcome: str | None = None,
    salt: bytes | None = None,
) -> OrderEvent:
    """The public record of one event of ``order``: its commitment and seal date, and
    when ``opens`` also its identity, the salt that opens the commitment and the
    digest of its document. ``salt``: the order's, when the caller has it at hand
    (else it is decrypted)."""
    if salt is None:
        salt = seal_salt(ctx, request, order)
    identity = identity_of(order)
    return OrderEvent(
        event=event,
        request_id=request.public_id,
        day=ctx.clock.today(),
        agency=request.agency.name,
        order_commitment=order_commitment(salt, identity),
        standard=order.standard,
        identity=identity if opens else None,
        order_salt=salt if opens else None,
        sealed_until=order.sealed_until,
        document_sha256=(
            order.document_sha256.hex() if opens and order.document_sha256 is not None else None
        ),
        outcome=outcome,
    )


def attach_document(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, data: bytes
) -> CourtOrder:
    """The requesting agency uploads the order's document (any bytes, up to 10 MiB).

    Only while the order is ``filed``; a second upload replaces the first. Its
    SHA-256 is published with the order's identity (confirmation or unsealing); the
    file itself is sealed under the request's data key, destroyed with its data.
    """
    require_role(actor, Role.REQUESTER, doing="upload an order's document")
    if actor.agency_id != request.agency_id:
        raise NotFound(f"no request {request.public_id}")
    order = order_of(session=session, request=request)
    if order is None:
        raise NotFound(f"request {request.public_id} has no court order on file")
    if order.state is not OrderState.FILED:
        raise RuleViolation(
            f"the order was {order.state.value} on {order.decided_on}: its document can be "
            "uploaded only while the court has not acted"
        )
    if not data:
        raise InvalidInput("the order's document is empty", field="document")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(
            f"the order's document is larger than {MAX_DOCUMENT_BYTES >> 20} MiB",
            field="document",
        )
    order.document_sha256 = hashlib.sha256(data).digest()
    order.document_ct = request_cipher(ctx, request).encrypt(data, label=DOCUMENT_LABEL)
    session.flush()
    return order


def require_court_user(actor: User, doing: str) -> int:
    """The id of the court ``actor`` serves, or Forbidden."""
    require_role(actor, Role.COURT, doing=doing)
    if actor.court_id is None:
        raise Forbidden("your account belongs to no court")
    return actor.court_id
