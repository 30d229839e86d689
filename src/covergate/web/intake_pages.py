"""The requester's intake: a new request, its policy pre-check, and extensions.

``/app/requests/new`` first asks which kind of request (a mail cover or customer
records), then shows one form for the whole request document of that kind
(:mod:`covergate.web.request_form`). Its two buttons:

- "Check against the policy" evaluates the document under the policy in force
  (and checks the court order it would file) and shows the findings with their
  citations; nothing is written;
- "Submit the request" calls ``requests.service.submit`` as ``POST /api/v1/requests``
  does, with the form's idempotency key (made when the form was first shown), so a
  double click stores one request; then it goes to the request's page.

A field the document refuses is shown again with its message beside it (422),
keeping everything typed; so is a service error that names a field.

``/app/requests/{id}/extend`` is the same form for an extension of an approved or
active cover of the user's agency, prefilled from the cover's public document; it
asks no subject (the service carries the cover's own) and calls
``requests.service.extend`` as ``POST /api/v1/requests/{id}/extensions`` does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from covergate.courts.filing import check_filing
from covergate.document import RequestDocument, RequestKind
from covergate.errors import (
    CovergateError,
    Forbidden,
    IdempotencyConflict,
    InvalidInput,
    RuleViolation,
)
from covergate.lifecycle import access
from covergate.lifecycle.documents import public_document
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState
from covergate.policy import REDACTED, Evaluation
from covergate.policy.engine import evaluate
from covergate.requests import service
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.web.intake_view import FormView, citations, make_view
from covergate.web.panels import Panel, panel
from covergate.web.request_form import COURT, FormValues, Parsed, document_fields, parse_form
from covergate.web.staff import StaffContext, StaffForm, StaffPage

router = APIRouter(include_in_schema=False)

NEW = "/app/requests/new"
_CONTROL = frozenset({"csrf", "action", "idempotency_key"})
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: An extension continues a cover that is running or about to.
_EXTENDABLE = frozenset({RequestState.APPROVED, RequestState.ACTIVE})


class FormAction(StrEnum):
    CHECK = "check"
    SUBMIT = "submit"


# --- the form's page -------------------------------------------------------------


@dataclass(frozen=True)
class Extension:
    """The cover an extension form continues."""

    parent: str
    until: date
    start: date
    prior_days: int
    limit: int | None
    citation: str


def _page(
    page: StaffContext,
    view: FormView,
    *,
    key: str,
    status: int = 200,
    extension: Extension | None = None,
    evaluation: Evaluation | None = None,
    court: str | None = None,
    problem: str | None = None,
) -> HTMLResponse:
    policy = page.ctx.policy
    return page.render(
        "intake_form.html",
        status=status,
        here="new" if extension is None else "requests",
        v=view,
        key=key,
        action=f"/app/requests/{extension.parent}/extend" if extension else NEW,
        extension=extension,
        evaluation=evaluation,
        court=court,
        problem=problem,
        policy=policy,
        cite=citations(policy),
        confirmation=policy.authority.court_confirmation,
    )


def _values(page: StaffContext) -> FormValues:
    if page.form is None:
        return {}
    return {k: page.fields(k) for k in page.form if k not in _CONTROL}


def _key(page: StaffContext) -> str:
    key = page.field("idempotency_key")
    return key if _KEY.match(key) else secrets.token_urlsafe(24)


def _action(page: StaffContext) -> FormAction:
    try:
        return FormAction(page.field("action"))
    except ValueError:
        raise InvalidInput("action: press Check or Submit", field="action") from None


def _kind(text: str) -> RequestKind:
    try:
        return RequestKind(text)
    except ValueError:
        choices = " or ".join(k.value for k in RequestKind)
        raise InvalidInput(f"kind: a request is a {choices}", field="kind") from None


def _requester(user: User) -> None:
    access.require_role(user, Role.REQUESTER, doing="submit requests")
    if user.agency is None:
        raise Forbidden("your account belongs to no agency")


def _own_message(exc: CovergateError) -> str:
    """A service message without the field it starts with (shown beside that field)."""
    prefix = f"{exc.field}: "
    return exc.message[len(prefix) :] if exc.message.startswith(prefix) else exc.message


def _checked(
    page: StaffContext, parsed: Parsed, document: RequestDocument
) -> tuple[Evaluation, str | None]:
    """The policy's findings, and the court the order would be filed with; writes nothing."""
    court = None
    try:
        filing = check_filing(session=page.session, ctx=page.ctx, document=document)
        court = filing.court.name if filing else None
    except InvalidInput as exc:
        parsed.errors[exc.field or COURT] = _own_message(exc)
    return evaluate(document, page.ctx.policy), court


def _answer(
    page: StaffContext,
    parsed: Parsed,
    kind: RequestKind,
    store: Callable[[RequestDocument, str], service.Submission],
    extension: Extension | None = None,
) -> Response:
    """Check or submit a parsed form; the form again (with why) unless submitted."""
    key = _key(page)
    action = _action(page)

    def again(status: int, **extra: Any) -> HTMLResponse:
        view = make_view(page.session, parsed.echo, parsed.errors, kind)
        return _page(page, view, key=key, status=status, extension=extension, **extra)

    document = parsed.document
    if document is None:
        return again(422)
    if action is FormAction.CHECK:
        evaluation, court = _checked(page, parsed, document)
        return again(422 if parsed.errors else 200, evaluation=evaluation, court=court)
    try:
        with page.session.begin_nested():  # a refused submission leaves nothing behind
            result = store(document, key)
    except IdempotencyConflict:
        key = secrets.token_urlsafe(24)
        problem = (
            "This form was already used to submit a different request, which is saved. "
            "To submit this one as a new request, check it and press Submit again."
        )
        return again(409, problem=problem)
    except CovergateError as exc:
        if exc.field is None:
            raise
        parsed.errors[exc.field] = _own_message(exc)
        return again(exc.status)
    rid = result.request.public_id
    if not result.created:
        return page.done(f"/app/requests/{rid}", f"Request {rid} was already submitted.")
    what = "Extension" if extension else "Request"
    verdict = (
        ""
        if result.request.admissible
        else " It does not pass the policy check: see the findings on its page."
    )
    return page.done(f"/app/requests/{rid}", f"{what} {rid} submitted.{verdict}")


# --- a new request ---------------------------------------------------------------


@router.get(NEW)
def new_request(page: StaffPage, kind: str | None = None) -> HTMLResponse:
    _requester(page.user)
    if kind is None:
        policy = page.ctx.policy
        return page.render(
            "intake_kind.html",
            here="new",
            policy=policy,
            confirmation=policy.authority.court_confirmation,
        )
    chosen = _kind(kind)
    agency = page.user.agency
    if agency is None:  # _requester refused it; narrows the type
        raise Forbidden("your account belongs to no agency")
    start = {
        "kind": chosen.value,
        "agency": {
            "name": agency.name,
            "jurisdiction": agency.jurisdiction.value,
            "functions": list(agency.functions),
        },
        "requester": {"name": page.user.name, "email": page.user.email},
        "received": {"via": "written", "date": page.ctx.clock.today().isoformat()},
    }
    view = make_view(page.session, document_fields(start), {}, chosen)
    return _page(page, view, key=secrets.token_urlsafe(24))


@router.post(NEW)
def submit_request(form: StaffForm) -> Response:
    _requester(form.user)
    kind = _kind(form.field("kind"))

    def store(document: RequestDocument, key: str) -> service.Submission:
        return service.submit(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            document=document,
            idempotency_key=key,
        )

    return _answer(form, parse_form(_values(form)), kind, store)


# --- an extension ----------------------------------------------------------------


def why_not_extendable(user: User, request: Request) -> str | None:
    """Why ``user`` cannot ask to extend ``request`` (the service's rules), or None."""
    if user.role is not Role.REQUESTER or user.agency_id != request.agency_id:
        return "only the agency that asked for the cover can extend it"
    if request.kind is not RequestKind.MAIL_COVER:
        return "only mail covers are extended; ask for records in a new request"
    if request.state not in _EXTENDABLE:
        return (
            f"only an approved or active cover can be extended; this one is {request.state.value}"
        )
    if request.active_until is None or request.authorised_days is None:
        return "the cover has no authorised period to extend"
    return None


def _extension(page: StaffContext, parent: Request) -> Extension:
    why = why_not_extendable(page.user, parent)
    if why is not None:
        raise RuleViolation(why)
    document = public_document(parent)
    limit = page.ctx.policy.extension_limit(document)
    until = parent.active_until or page.ctx.clock.today()  # set: why_not_extendable
    return Extension(
        parent=parent.public_id,
        until=until,
        start=until + timedelta(days=1),
        prior_days=document.scope.prior_days + (parent.authorised_days or 0),
        limit=limit.days if limit else None,
        citation=page.ctx.policy.authority.extension.citation,
    )


def extension_values(page: StaffContext, parent: Request, extension: Extension) -> FormValues:
    """The form prefilled from the cover's public document: its sealed free text is
    left blank to write again, the period follows the cover's."""
    data = public_document(parent).model_dump(mode="json")
    data["received"] = {"via": "written", "date": page.ctx.clock.today().isoformat()}
    data["emergency"] = None
    days = extension.limit or parent.authorised_days
    data["scope"].update(
        start=extension.start.isoformat(),
        days=days,
        prior_days=extension.prior_days,
        longer_period_justification=None,
        extension_benefit=None,
    )
    values = document_fields(data, subject=False)
    return {k: [""] if v == [REDACTED] else v for k, v in values.items()}


def _parent(page: StaffContext, public_id: str) -> Request:
    access.require_role(page.user, Role.REQUESTER, doing="ask for extensions")
    return access.get_visible(
        session=page.session, ctx=page.ctx, actor=page.user, public_id=public_id
    )


@router.get("/app/requests/{public_id}/extend")
def extend_form(public_id: str, page: StaffPage) -> HTMLResponse:
    parent = _parent(page, public_id)
    extension = _extension(page, parent)
    values = extension_values(page, parent, extension)
    view = make_view(page.session, values, {}, RequestKind.MAIL_COVER)
    return _page(page, view, key=secrets.token_urlsafe(24), extension=extension)


@router.post("/app/requests/{public_id}/extend")
def extend_request(public_id: str, form: StaffForm) -> Response:
    parent = _parent(form, public_id)
    extension = _extension(form, parent)
    # The service puts the cover's own subject in its place; the public one validates.
    subject = public_document(parent).subject.model_dump(mode="json")

    def store(document: RequestDocument, key: str) -> service.Submission:
        return service.extend(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            parent=parent,
            document=document,
            idempotency_key=key,
        )

    parsed = parse_form(_values(form), subject=subject)
    return _answer(form, parsed, RequestKind.MAIL_COVER, store, extension)


@panel(Role.REQUESTER)
def extend_panel(page: StaffContext, request: Request) -> Panel | None:
    """A link to the extension form, on a cover the user's agency may extend."""
    if why_not_extendable(page.user, request) is not None:
        return None
    return Panel("panels/extend.html", {"extension": _extension(page, request)})
