"""The approver's decision: a panel on the request's page and the decision form.

``GET /app/requests/{id}/decide`` shows the request's facts (no subject data),
what the approver's written delegation allows under the policy in force, the court
order an approval waits for, every finding of the stored evaluation with its
citation, and the form: approve, modify (narrow days or categories) or deny, the
reasons, and a justification for each finding that needs one.

``POST /app/requests/{id}/decision`` parses the form into ``DecisionInput`` and
calls ``requests.decisions.decide`` exactly as ``POST /api/v1/requests/{id}/decision``
does. What the model or the service refuses shows the form again, with what was
typed and the message next to the field it names (the service's own words and
status); nothing of a refused decision is written (it runs in a savepoint).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from covergate.errors import Forbidden, InvalidInput, InvalidTransition, RuleViolation
from covergate.lifecycle.access import get_visible, require_role
from covergate.lifecycle.documents import public_document
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState
from covergate.policy import Outcome
from covergate.requests import decisions
from covergate.requests.decisions import MIN_JUSTIFICATION, stored_evaluation
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.users.schemas import Role
from covergate.web.panels import Panel, panel
from covergate.web.review_authority import decision_standing, delegation_lines
from covergate.web.review_forms import JUSTIFICATION, DecisionValues, field_errors
from covergate.web.staff import StaffContext, StaffForm, StaffPage

router = APIRouter(include_in_schema=False)

#: The form's fields and the id of the element each error message is tied to.
_FIELD_IDS = {
    "outcome": "decision-outcome",
    "days": "decision-days",
    "categories": "decision-categories",
    "reasons": "decision-reasons",
}
_DONE = {
    DecisionOutcome.APPROVE: "approved",
    DecisionOutcome.MODIFY: "approved as modified",
    DecisionOutcome.DENY: "denied",
}


def decide_url(public_id: str) -> str:
    return f"/app/requests/{public_id}/decide"


@panel(Role.APPROVER)
def decide_panel(page: StaffContext, request: Request) -> Panel | None:
    """A reviewed request: what a decision would meet now, and the way to the form."""
    if request.state is not RequestState.IN_REVIEW:
        return None
    standing = decision_standing(
        session=page.session, ctx=page.ctx, user=page.user, request=request
    )
    return Panel(
        "panels/decide.html",
        {
            "public_id": request.public_id,
            "url": decide_url(request.public_id),
            "standing": standing,
            "to_review": len(stored_evaluation(request).to_review),
        },
    )


def _render(
    page: StaffContext,
    request: Request,
    values: DecisionValues,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> HTMLResponse:
    document = public_document(request)
    evaluation = stored_evaluation(request)
    review_rules = [f.rule for f in evaluation.to_review]
    field_ids = dict(_FIELD_IDS)
    for index, rule in enumerate(review_rules, start=1):
        field_ids[f"{JUSTIFICATION}{rule}"] = f"justification-{index}"
    return page.render(
        "review_decide.html",
        status=status,
        here="queue",
        request=request,
        document=document,
        evaluation=evaluation,
        review=Outcome.REVIEW,
        failed=Outcome.FAIL,
        decidable=request.state is RequestState.IN_REVIEW,
        standing=decision_standing(
            session=page.session, ctx=page.ctx, user=page.user, request=request
        ),
        lines=delegation_lines(page.user, page.ctx.policy),
        delegation=page.user.delegation,
        policy=page.ctx.policy,
        values=values,
        errors=errors,
        field_ids=field_ids,
        outcomes=list(DecisionOutcome),
        min_justification=MIN_JUSTIFICATION,
        justification_prefix=JUSTIFICATION,
    )


@router.get("/app/requests/{public_id}/decide", response_class=HTMLResponse)
def decision_page(public_id: str, page: StaffPage) -> HTMLResponse:
    request = get_visible(session=page.session, ctx=page.ctx, actor=page.user, public_id=public_id)
    require_role(page.user, Role.APPROVER, doing="decide requests")
    requested = public_document(request).scope.data_categories
    return _render(page, request, DecisionValues.blank(list(requested)), {})


@router.post("/app/requests/{public_id}/decision", response_model=None)
def decide(public_id: str, form: StaffForm) -> Response:
    request = get_visible(session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id)
    # The service's first check, before reading the form: only approvers decide.
    require_role(form.user, Role.APPROVER, doing="decide requests")
    requested = list(public_document(request).scope.data_categories)
    values = DecisionValues.from_form(form, requested)
    try:
        body = DecisionInput.model_validate(values.as_input())
    except ValidationError as exc:
        return _render(form, request, values, field_errors(exc), status=422)
    try:
        # A savepoint: a refusal leaves nothing of the decision behind, while the
        # session's own row (its flash) still commits with the page.
        with form.session.begin_nested():
            decisions.decide(
                session=form.session, ctx=form.ctx, actor=form.user, request=request, decision=body
            )
    except (InvalidInput, RuleViolation, Forbidden, InvalidTransition) as exc:
        return _render(form, request, values, {exc.field or "form": str(exc)}, status=exc.status)
    return _decided(form, request, body)


def _decided(form: StaffContext, request: Request, body: DecisionInput) -> RedirectResponse:
    message = f"Request {request.public_id} is {_DONE[body.outcome]}"
    if body.outcome is not DecisionOutcome.DENY and request.active_from and request.active_until:
        message += (
            f": {request.authorised_days} days from {request.active_from} to {request.active_until}"
        )
    return form.done("/app/queue", message + ".")
