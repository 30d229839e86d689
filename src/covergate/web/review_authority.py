"""What an approver may decide and what an approval still waits for, in words.

The decision service (``requests.decisions``) is the judge: these helpers ask it
the same questions before the approver fills in the form (``check_delegation``,
``courts.gate.approval_gate``), so the page says in advance what will be refused,
with the service's own message, and the refusal itself still comes from the
service.

    standing = decision_standing(page, request)
    standing.approve_refused  # None, or the message an approval would get
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.filing import order_of
from covergate.courts.gate import approval_gate, owes_order
from covergate.courts.models import CourtOrder
from covergate.document import RequestDocument
from covergate.errors import Forbidden, RuleViolation
from covergate.lifecycle.documents import public_document
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import OrderState
from covergate.policy import Policy
from covergate.requests.decisions import check_delegation, stored_evaluation
from covergate.users.models import User


@dataclass(frozen=True)
class AuthorityLine:
    """One thing a delegation may or may not do, with the rule that says so."""

    what: str
    allowed: bool
    citation: str


@dataclass(frozen=True)
class CourtStatus:
    """The court order an approval waits for, as the page shows it."""

    summary: str  # the order's state in words
    needed: bool  # whether the policy in force gates approval on it
    refusal: str | None  # the service's message if an approval is refused now
    due: date | None  # an emergency's order: confirmed by this day


@dataclass(frozen=True)
class Standing:
    """Whether this approver may approve or deny this request now, and why not."""

    approve_refused: str | None
    deny_refused: str | None
    failed: tuple[str, ...]  # failed findings: nothing can be approved past them
    court: CourtStatus


def delegation_lines(user: User, policy: Policy) -> list[AuthorityLine]:
    """What ``user``'s written delegation allows under ``policy.authority``."""
    authority = policy.authority
    held = user.delegation.value if user.delegation else None
    cap = authority.continuous
    return [
        AuthorityLine(
            "Order mail covers and records requests",
            held in authority.order.allowed,
            authority.order.citation,
        ),
        AuthorityLine(
            "Decide national security requests",
            held in authority.order.allowed and held in authority.national_security.allowed,
            authority.national_security.citation,
        ),
        AuthorityLine(
            "Order without an emergency",
            held in authority.order.allowed and held not in authority.emergency_only.allowed,
            authority.emergency_only.citation,
        ),
        AuthorityLine(
            f"Order more than {cap.days} continuous days",
            held in authority.order.allowed and held in cap.exceeded_by,
            cap.citation,
        ),
    ]


def delegation_refusal(
    user: User, document: RequestDocument, *, total_days: int, policy: Policy
) -> str | None:
    """The service's message if ``user``'s delegation cannot decide this, else None."""
    try:
        check_delegation(user, document, total_days=total_days, policy=policy)
    except Forbidden as exc:
        return str(exc)
    return None


def approval_days(request: Request, document: RequestDocument) -> int:
    """The continuous days an approval (or a modification) is checked against."""
    return document.scope.prior_days + request.days_requested


def court_status(
    *, session: Session, ctx: ServiceContext, request: Request, document: RequestDocument
) -> CourtStatus:
    order = order_of(session=session, request=request)
    confirmation = ctx.policy.authority.court_confirmation
    needed = confirmation.required and owes_order(document, order)
    summary = _order_summary(order, document)
    try:
        due = approval_gate(session=session, ctx=ctx, request=request, document=document)
    except RuleViolation as exc:
        return CourtStatus(summary, needed, str(exc), None)
    return CourtStatus(summary, needed, None, due)


def _order_summary(order: CourtOrder | None, document: RequestDocument) -> str:
    if order is None:
        process = document.legal_process
        if process is None:
            return "No legal process is given, so no court order is on file."
        return f"No court order is on file (the legal process is a {process.type.value})."
    court = order.court.name
    if order.state is OrderState.CONFIRMED:
        return f"Confirmed by {court} on {order.decided_on}."
    if order.state is OrderState.REFUSED:
        return f"Refused by {court} on {order.decided_on}."
    return f"Filed with {court} on {order.filed_on}; the court has not acted yet."


def decision_standing(
    *, session: Session, ctx: ServiceContext, user: User, request: Request
) -> Standing:
    """Ask the service's own checks what a decision by ``user`` would meet now."""
    document = public_document(request)
    policy = ctx.policy
    deny_refused = delegation_refusal(
        user, document, total_days=document.scope.prior_days, policy=policy
    )
    approve_refused = delegation_refusal(
        user, document, total_days=approval_days(request, document), policy=policy
    )
    evaluation = stored_evaluation(request)
    failed = tuple(f"{f.rule} ({f.citation})" for f in evaluation.failed)
    court = court_status(session=session, ctx=ctx, request=request, document=document)
    if approve_refused is None and failed:
        approve_refused = f"cannot approve past failed findings: {'; '.join(failed)}"
    if approve_refused is None and court.refusal is not None:
        approve_refused = court.refusal
    return Standing(approve_refused, deny_refused, failed, court)


def orders_of(session: Session, requests: list[Request]) -> dict[int, CourtOrder]:
    """The court order of each request that has one (one query for a list)."""
    if not requests:
        return {}
    rows = session.scalars(
        select(CourtOrder).where(CourtOrder.request_id.in_([r.id for r in requests]))
    )
    return {row.request_id: row for row in rows}


def policy_summary(request: Request) -> str:
    evaluation = stored_evaluation(request)
    failed, review = len(evaluation.failed), len(evaluation.to_review)
    if failed:
        return f"Not admissible: {failed} failed, {review} to review"
    if review:
        return f"Admissible: {review} finding{'s' if review != 1 else ''} to review"
    return "Admissible: every finding passes"
