"""The request lifecycle: intake, review, decision, active period, extension, close.

Every function takes ``*, session`` and a :class:`ServiceContext` and only flushes:
the caller owns the transaction. Every state change appends its transparency-log
entry through :func:`covergate.transparency.service.append_event` in that same
transaction, so a state change cannot commit without its entry.

The rules below are enforced here, by the software, not left to people:

- only a requester of the agency named in the document submits for it, and only
  with functions the agency is registered for;
- the approver is never the submitter or the reviewer, and holds a delegation that
  allows the decision (39 CFR 233.3(d)(1)-(3), (g)(4));
- nothing is approved past a ``fail`` finding; each ``review`` finding needs a
  written justification; no more days than the policy's ``max_days``;
- an approval can narrow (days, categories) but never widen what was asked;
- the active window is computed from start and authorised days and expires by itself;
- extensions are new requests for at most 30 days, continuous with the cover.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.audit.schemas import AccessKind
from covergate.audit.service import record_access
from covergate.context import ServiceContext
from covergate.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from covergate.policy import Evaluation, evaluate
from covergate.policy.redaction import redact
from covergate.policy.simulate import DecisionOutcome as SimOutcome
from covergate.policy.simulate import StoredRequest
from covergate.requests.models import Decision, Request, RequestEvent
from covergate.requests.schemas import (
    CloseReason,
    DataCategory,
    DecisionInput,
    DecisionOutcome,
    Ground,
    RequestDocument,
    RequestKind,
    request_document_from_data,
)
from covergate.requests.states import Action, RequestState, next_state
from covergate.transparency.schemas import EventType, PublicEvent
from covergate.transparency.service import append_event
from covergate.users.models import User
from covergate.users.schemas import STAFF_ROLES, Delegation, Role, with_article

PRIVATE_LABEL = b"request.private"
EXTENSION_MAX_DAYS = 30  # 39 CFR 233.3(g)(5)
CONTINUOUS_CAP_DAYS = 120  # 39 CFR 233.3(g)(6)
MIN_JUSTIFICATION = 10

#: Free-text fields that could identify a subject or an investigation. They are
#: kept only encrypted; the stored public document has them redacted.
PRIVATE_PATHS: tuple[tuple[str, ...], ...] = (
    ("subject",),
    ("purpose", "reasonable_grounds"),
    ("emergency", "description"),
    ("scope", "longer_period_justification"),
    ("scope", "extension_benefit"),
)

APPROVED_STATES = frozenset(
    {
        RequestState.APPROVED,
        RequestState.ACTIVE,
        RequestState.EXPIRED,
        RequestState.CLOSED,
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
    }
)


# --- documents: split into a redacted public part and an encrypted private part ---


def split_private(document: RequestDocument) -> tuple[dict[str, Any], dict[str, Any]]:
    """(redacted public document, private fields) as JSON-ready dicts."""
    full = document.model_dump(mode="json")
    private: dict[str, Any] = {}
    for path in PRIVATE_PATHS:
        node: Any = full
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(path[-1]) is not None:
            private[".".join(path)] = node[path[-1]]
    public = redact(document).model_dump(mode="json")
    return public, private


def merge_private(public: dict[str, Any], private: dict[str, Any]) -> RequestDocument:
    """The full request document from its two stored parts."""
    full = copy.deepcopy(public)
    for dotted, value in private.items():
        node = full
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return request_document_from_data(full)


def document_digest(document: RequestDocument) -> str:
    canonical = json.dumps(document.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def public_document(request: Request) -> RequestDocument:
    """The redacted document (no subject data): what the policy and statistics use."""
    return request_document_from_data(request.public_document)


def full_document(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> RequestDocument:
    """The whole document including subject data. Every call is written to the access log."""
    _require_can_read_subject(actor, request)
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.SUBJECT,
        reason=reason,
    )
    document = decrypt_document(ctx, request)
    if actor.role is Role.OBSERVER:
        # Least privilege: an observer needs the covered address and the attorneys
        # to leave out, not the facts of the investigation.
        return merge_private(
            request.public_document, {"subject": document.subject.model_dump(mode="json")}
        )
    return document


def decrypt_document(ctx: ServiceContext, request: Request) -> RequestDocument:
    private = ctx.cipher.decrypt_json(request.private_ct, label=PRIVATE_LABEL)
    if not isinstance(private, dict):
        raise InvalidInput(f"stored private part of request {request.public_id} is malformed")
    return merge_private(request.public_document, private)


# --- visibility and roles ---


def can_see(actor: User, request: Request) -> bool:
    """Agency users see only their agency's requests; staff see all; admins see none."""
    if actor.role is Role.REQUESTER:
        return actor.agency_id is not None and actor.agency_id == request.agency_id
    return actor.role in STAFF_ROLES


def _require_role(actor: User, *roles: Role, doing: str) -> None:
    if actor.role not in roles:
        names = " or ".join(with_article(r) for r in roles)
        raise Forbidden(f"only {names} may {doing}; you are {with_article(actor.role)}")


def _require_can_read_subject(actor: User, request: Request) -> None:
    # Every role that can see a request may read its subject data (observers only
    # the covered address, see full_document); admins see no request at all.
    if not can_see(actor, request):
        raise NotFound(f"no request {request.public_id}")


def get_visible(
    *, session: Session, ctx: ServiceContext, actor: User, public_id: str, refresh: bool = True
) -> Request:
    """The request if ``actor`` may see it (else NotFound, so others' ids leak nothing)."""
    request = session.scalar(select(Request).where(Request.public_id == public_id))
    if request is None or not can_see(actor, request):
        raise NotFound(f"no request {public_id}")
    if refresh:
        refresh_state(session=session, ctx=ctx, request=request)
    return request


def list_visible(
    *,
    session: Session,
    actor: User,
    state: RequestState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Request]:
    """Requests the actor may see, newest first. There is no search by subject."""
    if limit < 1 or limit > 1000:
        raise InvalidInput("limit must be between 1 and 1000", field="limit")
    if offset < 0:
        raise InvalidInput("offset must not be negative", field="offset")
    query = select(Request).order_by(Request.id.desc()).limit(limit).offset(offset)
    if actor.role is Role.REQUESTER:
        query = query.where(Request.agency_id == actor.agency_id)
    elif actor.role not in STAFF_ROLES:
        return []
    if state is not None:
        query = query.where(Request.state == state)
    return list(session.scalars(query))


# --- the transparency log: one entry per state change, same transaction ---


def log_event(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    event: EventType,
    actor: User | None,
    day: date,
    outcome: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    private_record: dict[str, Any] = {
        "request": request.public_id,
        "event": event.value,
        "state": request.state.value,
        "day": day.isoformat(),
        "actor": actor.email if actor else None,
        "delegation": actor.delegation.value if actor and actor.delegation else None,
        "document_sha256": request.body_digest.hex() if request.body_digest else None,
        "detail": detail or {},
    }
    index = append_event(
        session=session,
        event=PublicEvent(
            event=event,
            request_id=request.public_id,
            day=day,
            agency=request.agency.name,
            kind=request.kind,
            ground=request.ground,
            legal_process=request.legal_process,
            policy=request.policy_name,
            policy_version=request.policy_version,
            outcome=outcome,
            state=request.state.value,
        ),
        private_record=private_record,
        cipher=ctx.cipher,
    )
    # A Core insert on the same connection: same transaction, no unit-of-work pass.
    session.connection().execute(
        insert(cast(Table, RequestEvent.__table__)),
        {
            "request_id": request.id,
            "event": event.value,
            "state": request.state,
            "day": day,
            "actor_id": actor.id if actor else None,
            "entry_index": index,
            "at": ctx.clock.now(),
        },
    )
    return index


def transition(request: Request, action: Action, ctx: ServiceContext) -> None:
    """Move ``request`` by ``action`` (InvalidTransition if not allowed), stamped now."""
    request.state = next_state(request.state, action)
    request.updated_at = ctx.clock.now()


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
    _require_role(actor, Role.REQUESTER, doing="submit requests")
    agency = _check_agency(session=session, actor=actor, document=document)
    digest = bytes.fromhex(document_digest(document))
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

    evaluation = evaluate(document, ctx.policy)
    public, private = split_private(document)
    now = ctx.clock.now()
    request = Request(
        public_id=ctx.new_public_id(),
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
        private_ct=ctx.cipher.encrypt_json(private, label=PRIVATE_LABEL),
        idempotency_key=idempotency_key,
        body_digest=digest,
        policy_name=evaluation.policy,
        policy_version=evaluation.policy_version,
        evaluation=evaluation.to_json(),
        admissible=evaluation.admissible,
        refused_observations=0,
        created_at=now,
        updated_at=now,
    )
    request.agency = agency
    session.add(request)
    try:
        session.flush()
    except IntegrityError as exc:
        raise IdempotencyConflict(
            f"Idempotency-Key {idempotency_key!r} is being used by a concurrent submission"
        ) from exc
    log_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.EXTENDED if parent else EventType.SUBMITTED,
        actor=actor,
        day=ctx.clock.today(),
        detail={
            "parent": parent.public_id if parent else None,
            "admissible": evaluation.admissible,
        },
    )
    return Submission(request, created=True)


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
    _require_role(actor, Role.REVIEWER, doing="review requests")
    if actor.id == request.submitter_id:
        raise Forbidden("the submitter of a request cannot review it")
    transition(request, Action.REVIEW, ctx)
    request.reviewer_id = actor.id
    request.review_note = note.strip()
    log_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.REVIEWED,
        actor=actor,
        day=ctx.clock.today(),
    )
    return request


def stored_evaluation(request: Request) -> Evaluation:
    return Evaluation.from_json(request.evaluation)


def check_delegation(actor: User, document: RequestDocument, *, total_days: int) -> Delegation:
    """39 CFR 233.3(d): whose written delegation allows this decision; returns it."""
    delegation = actor.delegation
    if delegation is None:
        raise Forbidden("you hold no written delegation to order covers, 39 CFR 233.3(d), (g)(4)")
    top = {Delegation.CHIEF_POSTAL_INSPECTOR, Delegation.HEADQUARTERS_DESIGNEE}
    if document.purpose.ground is Ground.NATIONAL_SECURITY and delegation not in top:
        raise Forbidden(
            "national security requests are decided only by the Chief Postal Inspector or a "
            f"headquarters designee, 39 CFR 233.3(d)(1)-(2); you are {delegation.value}"
        )
    if delegation is Delegation.INSPECTOR_IN_CHARGE and document.emergency is None:
        raise Forbidden(
            "an Inspector in Charge may order a cover only in an emergency, 39 CFR 233.3(d)(3)"
        )
    if total_days > CONTINUOUS_CAP_DAYS and delegation not in top:
        raise Forbidden(
            f"more than {CONTINUOUS_CAP_DAYS} continuous days needs the Chief Postal Inspector "
            f"or a headquarters designee personally, 39 CFR 233.3(g)(6); you are {delegation.value}"
        )
    return delegation


def decide(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    decision: DecisionInput,
) -> Decision:
    """Approve, modify (narrow) or deny, within what the policy's findings allow."""
    _require_role(actor, Role.APPROVER, doing="decide requests")
    if actor.id == request.submitter_id:
        raise Forbidden("the approver is never the submitter of the request")
    if actor.id == request.reviewer_id:
        raise Forbidden("the approver is never the reviewer of the request")
    document = public_document(request)
    prior = document.scope.prior_days
    deny = decision.outcome is DecisionOutcome.DENY
    delegation = check_delegation(
        actor, document, total_days=prior + (0 if deny else request.days_requested)
    )
    action = Action.DENY if deny else Action.APPROVE
    next_state(request.state, action)  # fail early, before any check that might mislead

    evaluation = stored_evaluation(request)
    days: int | None = None
    categories: list[DataCategory] | None = None
    if deny:
        if not (decision.reasons or "").strip():
            raise InvalidInput("a denial must give its reasons", field="reasons")
        if decision.days is not None or decision.categories is not None:
            raise InvalidInput("a denial authorises no days or categories", field="outcome")
    else:
        # Authorised days never exceed the days asked for, so the delegation checked
        # above against the days asked for covers them too.
        days, categories = _authorised_scope(request, document, evaluation, decision)

    transition(request, action, ctx)
    row = Decision(
        request_id=request.id,
        approver_id=actor.id,
        outcome=decision.outcome,
        days=days,
        categories=[c.value for c in categories] if categories else None,
        reasons=(decision.reasons or "").strip() or None,
        justifications=dict(decision.justifications),
        delegation=delegation,
        policy_version=evaluation.policy_version,
        decided_at=ctx.clock.now(),
    )
    session.add(row)
    if not deny and days is not None and categories is not None:
        request.authorised_days = days
        request.authorised_categories = [c.value for c in categories]
        request.active_from = request.start
        request.active_until = request.start + timedelta(days=days - 1)
    outcome = {
        DecisionOutcome.APPROVE: "approved",
        DecisionOutcome.MODIFY: "modified",
        DecisionOutcome.DENY: "denied",
    }[decision.outcome]
    log_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.DECIDED,
        actor=actor,
        day=ctx.clock.today(),
        outcome=outcome,
        detail={
            "days": days,
            "categories": row.categories,
            "reasons": row.reasons,
            "justifications": row.justifications,
        },
    )
    refresh_state(session=session, ctx=ctx, request=request)
    return row


def _authorised_scope(
    request: Request,
    document: RequestDocument,
    evaluation: Evaluation,
    decision: DecisionInput,
) -> tuple[int, list[DataCategory]]:
    if evaluation.failed:
        listed = "; ".join(f"{f.rule} ({f.citation})" for f in evaluation.failed)
        raise RuleViolation(f"cannot approve past failed findings: {listed}")
    for finding in evaluation.to_review:
        text = decision.justifications.get(finding.rule, "").strip()
        if len(text) < MIN_JUSTIFICATION:
            raise RuleViolation(
                f"justifications.{finding.rule}: finding {finding.rule!r} needs a written "
                f"justification of at least {MIN_JUSTIFICATION} characters "
                f"({finding.citation}: {finding.message})",
                field=f"justifications.{finding.rule}",
            )
    known = {f.rule for f in evaluation.to_review}
    stray = sorted(set(decision.justifications) - known)
    if stray:
        raise InvalidInput(
            f"justifications.{stray[0]}: no review finding has that rule id",
            field=f"justifications.{stray[0]}",
        )
    requested = list(document.scope.data_categories)
    if decision.outcome is DecisionOutcome.APPROVE:
        if decision.days is not None or decision.categories is not None:
            raise InvalidInput(
                "approve grants what was asked; use modify to change days or categories",
                field="outcome",
            )
        days, categories = request.days_requested, requested
    else:
        days = decision.days if decision.days is not None else request.days_requested
        categories = list(decision.categories) if decision.categories is not None else requested
        if days > request.days_requested:
            raise RuleViolation(
                f"days: an approval can narrow but never widen: {days} > the "
                f"{request.days_requested} days asked for",
                field="days",
            )
        wider = [c.value for c in categories if c not in requested]
        if wider:
            raise RuleViolation(
                f"categories: an approval can narrow but never widen: {', '.join(wider)} "
                "was not asked for",
                field="categories",
            )
        if len(set(categories)) != len(categories):
            raise InvalidInput("categories: a category is listed twice", field="categories")
        if days == request.days_requested and set(categories) == set(requested):
            raise InvalidInput(
                "modify must narrow days or categories; use approve otherwise", field="outcome"
            )
    if evaluation.max_days is not None and days > evaluation.max_days:
        raise RuleViolation(
            f"days: the policy {evaluation.policy} allows at most {evaluation.max_days} days "
            f"for this request, not {days}; modify to {evaluation.max_days} or fewer",
            field="days",
        )
    return days, categories


# --- the active period: computed, and it ends by itself ---


def refresh_state(*, session: Session, ctx: ServiceContext, request: Request) -> Request:
    """Start an approved cover on its start date and expire it after its last day.

    Called on every read and step, and by :func:`sweep`, so that no cover runs past
    its end whether or not anyone remembers it.
    """
    today = ctx.clock.today()
    if (
        request.state is RequestState.APPROVED
        and request.active_from is not None
        and request.active_until is not None
        and today >= request.active_from
    ):
        transition(request, Action.START, ctx)
        log_event(
            session=session,
            ctx=ctx,
            request=request,
            event=EventType.STARTED,
            actor=None,
            day=today,  # the log records when it happened; the window is in the record
            detail={"active_from": request.active_from.isoformat()},
        )
    if (
        request.state is RequestState.ACTIVE
        and request.active_until is not None
        and today > request.active_until
    ):
        transition(request, Action.EXPIRE, ctx)
        log_event(
            session=session,
            ctx=ctx,
            request=request,
            event=EventType.EXPIRED,
            actor=None,
            day=today,
            detail={"active_until": request.active_until.isoformat()},
        )
    return request


def sweep(*, session: Session, ctx: ServiceContext, limit: int = 10_000) -> int:
    """Start and expire every request whose date has come; returns how many changed."""
    today = ctx.clock.today()
    due = session.scalars(
        select(Request)
        .where(
            ((Request.state == RequestState.APPROVED) & (Request.active_from <= today))
            | ((Request.state == RequestState.ACTIVE) & (Request.active_until < today))
        )
        .order_by(Request.id)
        .limit(limit)
    ).all()
    for request in due:
        refresh_state(session=session, ctx=ctx, request=request)
    return len(due)


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
    """An extension is a new request for at most 30 more days, continuous with the cover."""
    _require_role(actor, Role.REQUESTER, doing="ask for extensions")
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
    if document.scope.days > EXTENSION_MAX_DAYS:
        raise RuleViolation(
            f"scope.days: an extension is for at most {EXTENSION_MAX_DAYS} days, "
            "39 CFR 233.3(g)(5)",
            field="scope.days",
        )
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
    parent_full = decrypt_document(ctx, parent)
    if document.subject.address != parent_full.subject.address:
        raise InvalidInput(
            "subject.address: an extension covers the same address", field="subject.address"
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
    reason: CloseReason,
) -> Request:
    """End a cover: on request, on indictment, or after it expired."""
    _require_role(actor, Role.REQUESTER, Role.REVIEWER, Role.APPROVER, doing="close requests")
    refresh_state(session=session, ctx=ctx, request=request)
    if reason is CloseReason.EXPIRED and request.state is not RequestState.EXPIRED:
        raise InvalidInput(
            f"reason: the request is {request.state.value}, not expired", field="reason"
        )
    transition(request, Action.CLOSE, ctx)
    today = ctx.clock.today()
    request.closed_on = today
    request.close_reason = reason
    if request.active_until is not None and today <= request.active_until:
        # Closing early shortens the window: nothing may be recorded after today.
        request.active_until = max(today, request.active_from or today)
    log_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.CLOSED,
        actor=actor,
        day=today,
        outcome=reason.value,
    )
    return request


# --- history, statistics input ---


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


def simulation_rows(*, session: Session, since: date | None = None) -> Iterator[StoredRequest]:
    """Every stored request, redacted, for ``covergate policy simulate``.

    Reads only the public (redacted) document: simulating a reform reads no subject
    data, so it needs no access-log entries.
    """
    query = (
        select(
            Request.public_id,
            Agency.name,
            Request.kind,
            Request.ground,
            Request.state,
            Request.public_document,
        )
        .join(Agency, Agency.id == Request.agency_id)
        .order_by(Request.id)
    )
    if since is not None:
        query = query.where(Request.received_on >= since)
    for public_id, agency, kind, ground, state, public in session.execute(
        query.execution_options(yield_per=2000)
    ):
        outcome: SimOutcome | None
        if state in APPROVED_STATES:
            outcome = SimOutcome.APPROVED
        elif state is RequestState.DENIED:
            outcome = SimOutcome.DENIED
        else:
            outcome = None
        yield StoredRequest(
            public_id=public_id,
            agency=agency,
            kind=kind,
            ground=ground,
            outcome=outcome,
            document=request_document_from_data(public),
        )
