"""Closing a request, and the production package: download it, acknowledge receipt.

Each form calls the service exactly as the API's route does
(``requests/routes.py`` close, ``productions/routes.py`` download and acknowledge):
the same checks, the same errors. The package holds subject data, so it is
downloaded by POST with a stated reason (access-logged), as the same JSON the API
serves, as an attachment.
"""

from __future__ import annotations

import base64
from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle import access
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import (
    TRANSITIONS,
    Action,
    CloseReason,
    PersonCloseReason,
    RequestState,
)
from covergate.productions import service as productions
from covergate.requests import service
from covergate.users.schemas import Role
from covergate.web.panels import Panel, panel
from covergate.web.render import SECURITY_HEADERS, STAFF_CACHE
from covergate.web.request_view import request_url, show_again
from covergate.web.staff import StaffContext, StaffForm

__all__ = ["CLOSE_REASONS", "router"]

router = APIRouter(include_in_schema=False)

#: The reasons a person closes for (``CloseInput``), in words.
CLOSE_REASONS: dict[PersonCloseReason, tuple[str, str]] = {
    PersonCloseReason.REQUESTED: (
        "Requested",
        "The agency (or the Inspection Service) ends it: no more is needed.",
    ),
    PersonCloseReason.INDICTMENT: (
        "Indictment",
        "An indictment or information was filed (39 CFR 233.3(g)(7)).",
    ),
    PersonCloseReason.EXPIRED: (
        "Expired",
        "The authorised period has run out (only once the request is expired).",
    ),
}
#: ``requests.service.close``'s roles.
_CLOSERS = (Role.REQUESTER, Role.REVIEWER, Role.APPROVER)
#: ``productions.service.read_package``'s roles.
_PACKAGE_READERS = (Role.REQUESTER, Role.REVIEWER, Role.AUDITOR)


@panel(*_CLOSERS)
def close_panel(page: StaffContext, request: Request) -> Panel | None:
    if (request.state, Action.CLOSE) not in TRANSITIONS:
        return None
    expired = request.state is RequestState.EXPIRED
    return Panel(
        "panels/close.html",
        {
            "form": "close",
            "action": f"{request_url(request.public_id)}/close",
            "reasons": [(r.value, *CLOSE_REASONS[r]) for r in PersonCloseReason],
            "chosen": (PersonCloseReason.EXPIRED if expired else PersonCloseReason.REQUESTED).value,
            "error": None,
            "error_field": None,
        },
    )


@router.post("/app/requests/{public_id}/close", response_model=None)
def close_request(public_id: str, form: StaffForm) -> Response:
    request = access.get_visible(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    raw = form.field("reason") or PersonCloseReason.REQUESTED.value  # CloseInput's default
    try:
        try:
            reason = CloseReason(raw)
        except ValueError:
            choices = ", ".join(r.value for r in PersonCloseReason)
            raise InvalidInput(f"reason: choose one of {choices}", field="reason") from None
        service.close(
            session=form.session, ctx=form.ctx, actor=form.user, request=request, reason=reason
        )
    except InvalidInput as exc:
        return show_again(
            form, request, "close", exc, fields=frozenset({"reason"}), values={"chosen": raw}
        )
    return form.done(request_url(public_id), f"Request {public_id} is closed ({reason.value}).")


@panel(*_PACKAGE_READERS)
def package_panel(page: StaffContext, request: Request) -> Panel | None:
    if request.destroyed_on is not None or request.state not in (
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
    ):
        return None
    try:
        production = productions.get_production(session=page.session, request=request)
    except NotFound:
        return None
    acknowledged = production.acknowledged_at
    return Panel(
        "panels/package.html",
        {
            "form": "package",
            "action": f"{request_url(request.public_id)}/package",
            "acknowledge_action": f"{request_url(request.public_id)}/acknowledge",
            "manifest_sha256": production.manifest_sha256,
            "produced_on": _day(production.produced_at.date()),
            "item_count": production.manifest.get("items"),
            "files": [(f["name"], f["bytes"]) for f in production.manifest.get("files", [])],
            "acknowledged_on": _day(acknowledged.date()) if acknowledged else None,
            "may_acknowledge": page.user.role is Role.REQUESTER
            and request.state is RequestState.PRODUCED,
            "reason": "",
            "error": None,
            "error_field": None,
        },
    )


def _day(value: date) -> str:
    return value.isoformat()


@router.post("/app/requests/{public_id}/package", response_model=None)
def download_package(public_id: str, form: StaffForm) -> Response:
    request = access.get_visible(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    reason = form.field("reason")
    try:
        package = productions.read_package(
            session=form.session, ctx=form.ctx, actor=form.user, request=request, reason=reason
        )
    except InvalidInput as exc:
        return show_again(
            form, request, "package", exc, fields=frozenset({"reason"}), values={"reason": reason}
        )
    body = {
        "manifest": package.manifest,
        "manifest_sha256": package.manifest_sha256,
        "files": {name: base64.b64encode(data).decode() for name, data in package.files.items()},
    }
    filename = f"covergate-package-{request.public_id}.json"
    return JSONResponse(
        body,
        headers={
            **SECURITY_HEADERS,
            "Cache-Control": STAFF_CACHE,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@router.post("/app/requests/{public_id}/acknowledge", response_model=None)
def acknowledge_package(public_id: str, form: StaffForm) -> Response:
    request = access.get_visible(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    try:
        productions.acknowledge(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            manifest_sha256=form.field("manifest_sha256"),
        )
    except InvalidInput as exc:
        return show_again(
            form, request, "package", exc, fields=frozenset({"manifest_sha256"}), values={}
        )
    return form.done(request_url(public_id), f"Receipt of the package of {public_id} is recorded.")
