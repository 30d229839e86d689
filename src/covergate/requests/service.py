"""The request domain's steps: intake, review, extension, close, and their history.

Every function takes ``*, session`` and a :class:`ServiceContext` and only flushes:
the caller owns the transaction. Each step checks who may take it and what the law
allows, then calls :func:`covergate.lifecycle.advance.advance` (or
:func:`~covergate.lifecycle.advance.record_event`), which moves the request, writes
its history row and appends its log entry in that same transaction.

The decision (approve, modify, deny) is in :mod:`covergate.requests.decisions`; the
redacted rows for ``policy simulate`` in :mod:`covergate.requests.simulation`;
the period a cover runs in, in :mod:`covergate.lifecycle.period`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.context import ServiceContext
from covergate.courts.filing import check_filing, order_filing
from covergate.errors import Forbidden, IdempotencyConflict, InvalidInput, RuleViolation
from covergate.lifecycle.access import record_access, require_role
from covergate.lifecycle.advance import (
    PendingEvent,
    advance,
    insert_row,
    record_events,
    recorded_here,
    remember_here,
    this_transaction,
)
from covergate.lifecycle.documents import (
    PRIVATE_LABEL,
    decrypt_document,
    document_digest,
    public_document,
    split_private,
)
from covergate.lifecycle.events import EventType
from covergate.lifecycle.keys import new_data_key
from covergate.lifecycle.models import AccessKind, Request, RequestEvent
from covergate.lifecycle.period import refresh_state
from covergate.lifecycle.sealing import new_details_key
from covergate.lifecycle.states import Action, CloseReason, PersonCloseReason, RequestState
from covergate.requests.models import Decision
from covergate.requests.notes import seal_note
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import RequestKind

# The request views import this module too: the document's models and the policy
# engine (pydantic, YAML) are imported by what submits.
if TYPE_CHECKING:
    from covergate.document import RequestDocument

# --- intake ---


@dataclass(frozen=True)
class Submission:
    request: Request
    created: bool  # False when an Idempotency-Key replayed an earlier submission


def submit(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    document: RequestDocument,
    idempotency_key: str | None = None,
    parent: Request | None = None,
) -> Submission:
    """Take in a request document: check who may submit, run the policy, store, log."""
    require_role(actor, Role.REQUESTER, doing="submit requests")
    agency = _check_agency(session=session, actor=actor, document=document)
    dumped = document.model_dump(mode="json")  # digested here, split below
    digest = bytes.fromhex(document_digest(document, dumped=dumped))
    if idempotency_key is not None:
        idempotency_key = _check_idempotency_key(idempotency_key)
        existing = session.scalar(
            select(Request).where(
                Request.agency_id == agency.id, Request.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            if existing.body_digest != digest:
                raise IdempotencyConflict(
                    f"Idempotency-Key {idempotency_key!r} was used for a different request"
                )
            return Submission(existing, created=False)

    # The court order it relies on, checked before anything is written (courts.filing).
    filing = check_filing(session=session, ctx=ctx, document=document)
    from covergate.policy import evaluate

    evaluation = evaluate(document, ctx.policy)
    public, private = split_private(document, dumped=dumped)
    now = ctx.clock.now()
    public_id = ctx.new_public_id()
    data_key, cipher = new_data_key(ctx.cipher, public_id)
    request = Request(
        public_id=public_id,
        kind=document.kind,
        state=RequestState.SUBMITTED,
        agency_id=agency.id,
        submitter_id=actor.id,
        parent_id=parent.id if parent else None,
        ground=document.purpose.ground,
        legal_process=document.legal_process.type if document.legal_process else None,
        received_on=document.received.date,
        start=document.scope.start,
        days_requested=document.scope.days,
        public_document=public,
        private_ct=cipher.encrypt_json(private, label=PRIVATE_LABEL),
        data_key_ct=data_key,
        idempotency_key=idempotency_key,
        body_digest=digest,
        policy_name=evaluation.policy,
        policy_version=evaluation.policy_version,
        evaluation=evaluation.to_json(),
        admissible=evaluation.admissible,
        refused_observations=0,
        # Known now, so in the INSERT (no UPDATE after): its order's court, its sealing key.
        court_id=filing.court.id if filing is not None else None,
        details_key=new_details_key(),
        created_at=now,
        updated_at=now,
    )
    request.agency = agency
    try:
        # One Core INSERT, no unit-of-work flush (lifecycle.advance.insert_row).
        insert_row(session, request)
    except IntegrityError as exc:
        raise IdempotencyConflict(
            f"Idempotency-Key {idempotency_key!r} is being used by a concurrent submission"
        ) from exc
    detail = {"parent": parent.public_id if parent else None, "admissible": evaluation.admissible}
    events = [
        PendingEvent(EventType.EXTENDED if parent else EventType.SUBMITTED, actor, detail=detail)
    ]
    if filing is not None:
        _order, filed = order_filing(
            session=session, ctx=ctx, actor=actor, request=request, filing=filing
        )
        events.append(filed)
    # Both entries in one append, in this order: the submission, then its order.
    record_events(session=session, ctx=ctx, request=request, events=events)
    remember_here(session, _CREATED, request.id, True)
    return Submission(request, created=True)


_CREATED = "covergate.requests.created"


def created_here(session: Session, request: Request) -> bool:
    """Whether ``request`` was submitted in this session's transaction (outside any
    savepoint) and has not moved since. Then no other transaction sees the row and no
    later step ran: no observations, refusals, decisions or notice; its history is
    what this transaction recorded (``lifecycle.advance.recorded_here``), its order
    the one filed with it (``courts.filing.filed_here``). Views skip asking."""
    return (
        request.state is RequestState.SUBMITTED
        and session.in_transaction()
        and request.id in this_transaction(session, _CREATED)
        and recorded_here(session, request) is not None
    )


def _check_idempotency_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 printable characters", field="Idempotency-Key"
        )
    return key


def _check_agency(*, session: Session, actor: User, document: RequestDocument) -> Agency:
    agency = session.get(Agency, actor.agency_id) if actor.agency_id is not None else None
    if agency is None:
        raise Forbidden("your account belongs to no agency")
    if document.agency.name != agency.name:
        raise Forbidden(
            f"agency.name is {document.agency.name!r} but you submit for {agency.name!r}"
        )
    if document.agency.jurisdiction is not agency.jurisdiction:
        raise RuleViolation(
            f"agency.jurisdiction: {agency.name} is registered as "
            f"{agency.jurisdiction.value}, not {document.agency.jurisdiction.value}",
            field="agency.jurisdiction",
        )
    unregistered = [f.value for f in document.agency.functions if f.value not in agency.functions]
    if unregistered:
        raise RuleViolation(
            f"agency.functions: {', '.join(unregistered)} is not a registered function of "
            f"{agency.name} (registered: {', '.join(agency.functions)})",
            field="agency.functions",
        )
    return agency


# --- review and decision ---


def review(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, note: str
) -> Request:
    """A reviewer's annotation; the request moves to ``in_review``."""
    require_role(actor, Role.REVIEWER, doing="review requests")
    if actor.id == request.submitter_id:
        raise Forbidden("the submitter of a request cannot review it")
    request.reviewer_id = actor.id
    # The note often names the subject: it is kept only encrypted (lifecycle.notes).
    request.review_note_ct = seal_note(ctx, request, note.strip())
    advance(
        session=session,
        ctx=ctx,
        request=request,
        action=Action.REVIEW,
        event=EventType.REVIEWED,
        actor=actor,
    )
    return request


# --- extensions ---


def extend(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    parent: Request,
    document: RequestDocument,
    idempotency_key: str | None = None,
) -> Submission:
    """An extension is a new request continuous with the cover it extends.

    Its days are limited by ``authority.extension`` of the policy in force (none for
    a cover that limit exempts). It carries the cover's own subject (name, address,
    attorneys): any subject the document gives is replaced before the policy check,
    the digest and storage, so the answer never depends on a guess about the covered
    address. That use of the cover's subject data is written to the access log.
    """
    require_role(actor, Role.REQUESTER, doing="ask for extensions")
    if parent.kind is not RequestKind.MAIL_COVER:
        raise RuleViolation("only mail covers are extended; ask for records in a new request")
    if parent.state not in {RequestState.APPROVED, RequestState.ACTIVE}:
        raise RuleViolation(
            f"only an approved or active cover can be extended; this one is {parent.state.value}"
        )
    if parent.active_until is None or parent.authorised_days is None:
        raise RuleViolation("the cover has no authorised period to extend")
    if document.kind is not parent.kind:
        raise InvalidInput("kind: an extension has the kind of the cover it extends", field="kind")
    expected_start = parent.active_until + timedelta(days=1)
    if document.scope.start != expected_start:
        raise InvalidInput(
            f"scope.start: an extension starts the day after the cover ends, {expected_start}",
            field="scope.start",
        )
    parent_doc = public_document(parent)
    expected_prior = parent_doc.scope.prior_days + parent.authorised_days
    if document.scope.prior_days != expected_prior:
        raise InvalidInput(
            f"scope.prior_days: the cover has run {expected_prior} days so far, "
            f"not {document.scope.prior_days}",
            field="scope.prior_days",
        )
    if document.purpose.ground is not parent.ground:
        raise InvalidInput(
            "purpose.ground: an extension keeps the cover's ground", field="purpose.ground"
        )
    limit = ctx.policy.extension_limit(document)
    if limit is not None and document.scope.days > limit.days:
        raise RuleViolation(
            f"scope.days: an extension is for at most {limit.days} days, {limit.citation}",
            field="scope.days",
        )
    # The subject is the cover's, never the requester's guess (no probing the address).
    subject = decrypt_document(ctx, parent).subject
    document = document.model_copy(update={"subject": subject})
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=parent,
        what=AccessKind.SUBJECT,
        reason=f"extension carries the subject of cover {parent.public_id}",
    )
    return submit(
        session=session,
        ctx=ctx,
        actor=actor,
        document=document,
        idempotency_key=idempotency_key,
        parent=parent,
    )


# --- close ---


def close(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    reason: PersonCloseReason | CloseReason,
) -> Request:
    """A person ends a cover: on request, on indictment, or after it expired.

    The other close reasons are covergate's own (:func:`_person_reason`): InvalidInput
    naming ``reason``, nothing written.
    """
    require_role(actor, Role.REQUESTER, Role.REVIEWER, Role.APPROVER, doing="close requests")
    why = _person_reason(reason)
    refresh_state(session=session, ctx=ctx, request=request)
    if why is CloseReason.EXPIRED and request.state is not RequestState.EXPIRED:
        raise InvalidInput(
            f"reason: the request is {request.state.value}, not expired", field="reason"
        )
    end(session=session, ctx=ctx, request=request, reason=why, actor=actor)
    return request


def _person_reason(reason: PersonCloseReason | CloseReason) -> CloseReason:
    if reason.value not in {r.value for r in PersonCloseReason}:
        raise InvalidInput(
            f"reason: {reason.value} is set only by covergate itself (no_timely_order and "
            "order_refused by the maintenance sweep, improper by the Inspection Service's "
            "finding, `covergate retention destroy`); close with "
            f"{', '.join(r.value for r in PersonCloseReason)}",
            field="reason",
        )
    return CloseReason(reason.value)


def end(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    reason: CloseReason,
    actor: User | None,
) -> None:
    """Close ``request`` today for ``reason``: no role check (callers check who acts).

    The one way a request is closed: by :func:`close`, and by the software
    (``retention``: emergencies without a timely order, refused orders, improper
    orders, expired covers at the end of their retention). Closing early shortens
    the window: nothing may be recorded after today.
    """
    refresh_state(session=session, ctx=ctx, request=request)
    today = ctx.clock.today()
    advance(
        session=session,
        ctx=ctx,
        request=request,
        action=Action.CLOSE,
        event=EventType.CLOSED,
        actor=actor,
        day=today,
        outcome=reason.value,
    )
    request.closed_on = today
    request.close_reason = reason
    if request.active_until is not None and today <= request.active_until:
        request.active_until = max(today, request.active_from or today)


# --- history ---


def history(*, session: Session, request: Request) -> list[RequestEvent]:
    return list(
        session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.id)
        )
    )


def decisions(*, session: Session, request: Request) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(Decision.request_id == request.id).order_by(Decision.id)
        )
    )
