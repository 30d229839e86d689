"""The reviewer's panels on a request's page: annotate it, produce its package.

Each form posts to a route that calls the service exactly as the API does
(``POST /api/v1/requests/{id}/review``, ``POST /api/v1/requests/{id}/production``).
A note that cannot be taken (blank, control characters) shows the request page
again (422, ``request_view.show_again``) with the note as typed and the message
next to it; the services' refusals are the app's error pages.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from covergate.covers.service import observation_count
from covergate.document import RequestKind
from covergate.errors import InvalidInput
from covergate.lifecycle.access import get_visible, require_role
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState
from covergate.productions import service as productions
from covergate.requests import service
from covergate.requests.schemas import ReviewInput
from covergate.users.schemas import Role
from covergate.web.panels import Panel, panel
from covergate.web.request_view import show_again
from covergate.web.review_authority import policy_summary
from covergate.web.review_forms import field_errors
from covergate.web.staff import StaffContext, StaffForm

router = APIRouter(include_in_schema=False)

#: The annotate panel's name, by which the request page shows it again with an error.
ANNOTATE = "annotate"


def _annotate_context(request: Request, note: str = "", error: str | None = None) -> dict[str, Any]:
    return {
        "form": ANNOTATE,
        "public_id": request.public_id,
        "policy": policy_summary(request),
        "note": note,
        "error": error,
    }


@panel(Role.REVIEWER)
def annotate(page: StaffContext, request: Request) -> Panel | None:
    """A submitted request: write the reviewer's note; it then awaits a decision."""
    if request.state is not RequestState.SUBMITTED or request.submitter_id == page.user.id:
        return None
    return Panel("panels/annotate.html", _annotate_context(request))


@panel(Role.REVIEWER)
def produce_panel(page: StaffContext, request: Request) -> Panel | None:
    """A closed request (cover or records) not yet produced: package it for the agency."""
    if request.state is not RequestState.CLOSED:
        return None
    return Panel(
        "panels/produce.html",
        {
            "public_id": request.public_id,
            "agency": request.agency.name,
            "records": request.kind is RequestKind.RECORDS,
            "items": observation_count(session=page.session, request=request),
        },
    )


@router.post("/app/requests/{public_id}/review", response_model=None)
def review(public_id: str, form: StaffForm) -> Response:
    request = get_visible(session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id)
    # The service's own first check, before the note: a requester is told "only a
    # reviewer may", not that the note was blank.
    require_role(form.user, Role.REVIEWER, doing="review requests")
    note = form.field("note")
    try:
        body = ReviewInput(note=note)
    except ValidationError as exc:
        message = field_errors(exc).get("note", "this note cannot be taken")
        return show_again(
            form,
            request,
            ANNOTATE,
            InvalidInput(f"note: {message}", field="note"),
            fields=frozenset({"note"}),
            values={"note": note},
        )
    service.review(
        session=form.session, ctx=form.ctx, actor=form.user, request=request, note=body.note
    )
    return form.done(
        "/app/queue", f"Request {request.public_id} is reviewed: it now awaits a decision."
    )


@router.post("/app/requests/{public_id}/produce")
def produce(public_id: str, form: StaffForm) -> RedirectResponse:
    request = get_visible(session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id)
    package = productions.produce(
        session=form.session, ctx=form.ctx, actor=form.user, request=request
    )
    items = package.manifest["items"]
    return form.done(
        f"/app/requests/{request.public_id}",
        f"Package produced for {request.agency.name}: {items} item"
        f"{'s' if items != 1 else ''}, manifest SHA-256 {package.manifest_sha256}.",
    )
