"""The decision on a request: approve, modify (narrow) or deny, by whom the law allows.

Enforced here, by the software, not left to people:

- the approver is never the submitter or the reviewer, and holds a delegation that
  allows the decision (39 CFR 233.3(d)(1)-(3), (g)(4)), as the ``authority`` section
  of the policy in force says (who may order, national security, emergencies only,
  more than the continuous-days cap);
- nothing is approved past a ``fail`` finding; each ``review`` finding needs a
  written justification; no more days than the policy's ``max_days``;
- an approval can narrow (days, categories) but never widen what was asked;
- under a policy that requires court confirmation, an approval needs the court
  order confirmed by its court, save an emergency, whose order then falls due
  (``courts.gate``);
- the window never starts before the day of the decision (39 CFR 233.3(d), (g):
  nothing is recorded before a cover is ordered); when the start asked for has
  passed, the window starts on the decision day and the decision says so.

Reasons and justifications are sealed (``requests.notes``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.gate import approval_gate
from covergate.document import DataCategory, Ground, RequestDocument
from covergate.errors import Forbidden, InvalidInput, RuleViolation
from covergate.lifecycle.access import require_role
from covergate.lifecycle.advance import advance
from covergate.lifecycle.documents import public_document
from covergate.lifecycle.events import EventType
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import Request
from covergate.lifecycle.period import authorised_window, refresh_state
from covergate.lifecycle.states import Action, next_state
from covergate.policy import Evaluation, Policy
from covergate.requests.models import Decision
from covergate.requests.notes import seal_decision_notes
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.users.models import User
from covergate.users.schemas import Delegation, Role

MIN_JUSTIFICATION = 10

#: How messages name a delegation ("the Chief Postal Inspector or a headquarters designee").
_TITLES = {
    Delegation.CHIEF_POSTAL_INSPECTOR.value: "the Chief Postal Inspector",
    Delegation.HEADQUARTERS_DESIGNEE.value: "a headquarters designee",
    Delegation.OPERATIONS_SUPPORT_GROUP_MANAGER.value: "an Operations Support Group manager",
    Delegation.INSPECTOR_IN_CHARGE.value: "an Inspector in Charge",
}


def stored_evaluation(request: Request) -> Evaluation:
    return Evaluation.from_json(request.evaluation)


def _who(names: tuple[str, ...]) -> str:
    titles = [_TITLES.get(n, n) for n in names]
    if not titles:
        return "no one"
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " or " + titles[-1]


def check_delegation(
    actor: User, document: RequestDocument, *, total_days: int, policy: Policy
) -> Delegation:
    """Whose written delegation allows this decision under ``policy.authority``; returns it.

    ``policy`` is the policy in force at the decision (``ctx.policy``).
    """
    authority = policy.authority
    delegation = actor.delegation
    order = authority.order
    if delegation is None:
        raise Forbidden(f"you hold no written delegation to order covers, {order.citation}")
    if delegation.value not in order.allowed:
        raise Forbidden(
            f"only {_who(order.allowed)} may order a cover, {order.citation}; "
            f"you are {delegation.value}"
        )
    ns = authority.national_security
    if document.purpose.ground is Ground.NATIONAL_SECURITY and delegation.value not in ns.allowed:
        raise Forbidden(
            f"national security requests are decided only by {_who(ns.allowed)}, "
            f"{ns.citation}; you are {delegation.value}"
        )
    emergency_only = authority.emergency_only
    if delegation.value in emergency_only.allowed and document.emergency is None:
        raise Forbidden(
            f"{_TITLES.get(delegation.value, delegation.value)} may order a cover only in an "
            f"emergency, {emergency_only.citation}"
        )
    cap = authority.continuous
    if total_days > cap.days and delegation.value not in cap.exceeded_by:
        raise Forbidden(
            f"more than {cap.days} continuous days needs {_who(cap.exceeded_by)} "
            f"personally, {cap.citation}; you are {delegation.value}"
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
    require_role(actor, Role.APPROVER, doing="decide requests")
    if actor.id == request.submitter_id:
        raise Forbidden("the approver is never the submitter of the request")
    if actor.id == request.reviewer_id:
        raise Forbidden("the approver is never the reviewer of the request")
    document = public_document(request)
    prior = document.scope.prior_days
    deny = decision.outcome is DecisionOutcome.DENY
    delegation = check_delegation(
        actor,
        document,
        total_days=prior + (0 if deny else request.days_requested),
        policy=ctx.policy,
    )
    action = Action.DENY if deny else Action.APPROVE
    next_state(request.state, action)  # fail early, before any check that might mislead

    evaluation = stored_evaluation(request)
    days: int | None = None
    categories: list[DataCategory] | None = None
    order_due = None
    if deny:
        if not (decision.reasons or "").strip():
            raise InvalidInput("a denial must give its reasons", field="reasons")
        if decision.days is not None or decision.categories is not None:
            raise InvalidInput("a denial authorises no days or categories", field="outcome")
    else:
        # Authorised days never exceed the days asked for, so the delegation checked
        # above against the days asked for covers them too.
        days, categories = _authorised_scope(request, document, evaluation, decision)
        # Judge first: last of the checks, so that every other reason is given first.
        order_due = approval_gate(session=session, ctx=ctx, request=request, document=document)

    today = ctx.clock.today()
    window = None
    if not deny and days is not None:
        window = authorised_window(asked_start=request.start, days=days, decided_on=today)
    reasons = (decision.reasons or "").strip() or None
    justifications = dict(decision.justifications)
    row = Decision(
        request_id=request.id,
        approver_id=actor.id,
        outcome=decision.outcome,
        days=days,
        categories=[c.value for c in categories] if categories else None,
        reasons=None,
        justifications={},
        notes_ct=seal_decision_notes(
            request_cipher(ctx, request), reasons=reasons, justifications=justifications
        ),
        delegation=delegation,
        policy_version=evaluation.policy_version,
        decided_at=ctx.clock.now(),
    )
    session.add(row)
    if window is not None and categories is not None:
        request.authorised_days = days
        request.authorised_categories = [c.value for c in categories]
        request.ordered_on = today
        request.active_from = window.start
        request.active_until = window.end
        if order_due is not None:
            request.order_due = order_due  # an emergency: the confirmed order follows
    outcome = {
        DecisionOutcome.APPROVE: "approved",
        DecisionOutcome.MODIFY: "modified",
        DecisionOutcome.DENY: "denied",
    }[decision.outcome]
    advance(
        session=session,
        ctx=ctx,
        request=request,
        action=action,
        event=EventType.DECIDED,
        actor=actor,
        day=today,
        outcome=outcome,
        detail={
            "days": days,
            "categories": row.categories,
            "reasons": reasons,
            "justifications": justifications,
            "window_note": window.note if window else None,
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
