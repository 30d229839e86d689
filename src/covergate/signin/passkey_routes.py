"""Passkey pages: enrolment on the account page, and the second factor at sign-in.

Enrolment (an active session, through StaffForm's CSRF and Origin checks):
``POST /app/account/passkeys/options`` answers the JSON for
navigator.credentials.create() and keeps its challenge on the session row;
``POST /app/account/passkeys`` (fields ``label``, ``credential``) verifies the
browser's answer and enrols it; ``POST /app/account/passkeys/{id}/remove``.

Second factor (a session in the SECOND_FACTOR stage, after the password):
``GET /sign-in/passkey`` shows the button; ``POST /sign-in/passkey/options`` answers
the JSON for navigator.credentials.get(); ``POST /sign-in/passkey`` (``credential``)
checks it, then sends the browser to its work. Both POSTs carry the session's CSRF
token, embedded in the page. /static/passkey.js runs both ceremonies and submits
the forms; without it the pages say that a passkey needs JavaScript.
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from covergate.errors import (
    AuthenticationFailed,
    CovergateError,
    Forbidden,
    InvalidInput,
    TooManyAttempts,
)
from covergate.runtime import Runtime
from covergate.signin import passkeys, sessions
from covergate.signin.models import WebSession
from covergate.signin.record import record
from covergate.signin.routes import safe_next, set_session_cookie
from covergate.signin.schemas import (
    SECOND_FACTOR_TIMEOUT,
    SESSION_COOKIE,
    SIGN_IN_REASONS,
    SessionStage,
    SignInMethod,
    SignInOutcome,
)
from covergate.users.models import User
from covergate.web.home import account_page
from covergate.web.render import STAFF_CACHE, render
from covergate.web.staff import StaffContext, StaffForm, client_address, home_of

router = APIRouter(include_in_schema=False)

SIGN_IN_FIRST = SIGN_IN_REASONS["passkey-first"]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


def _rp(runtime: Runtime) -> passkeys.RelyingParty:
    return passkeys.RelyingParty.of(runtime.settings.public_url)


def _json(body: str, status: int = 200) -> Response:
    headers = {"Cache-Control": STAFF_CACHE, "X-Content-Type-Options": "nosniff"}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _json_error(exc: CovergateError) -> Response:
    """What passkey.js shows next to the form: the message (and the field it names)."""
    return _json(json.dumps({"error": exc.message, "field": exc.field}), exc.status)


def _check_origin(request: Request) -> None:
    """As StaffForm: a browser's Origin, when sent, must be this site."""
    origin = request.headers.get("origin")
    expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != expected:
        raise Forbidden(f"this form was sent from another site ({origin[:100]}); refused")


# ---- enrolment on the account page ---------------------------------------------------


@router.post("/app/account/passkeys/options")
def enrol_options(form: StaffForm) -> Response:
    try:
        passkeys.check_label(session=form.session, user=form.user, label=form.field("label"))
        options = passkeys.registration_options(
            session=form.session, clock=form.runtime.clock, rp=_rp(form.runtime), row=form.web
        )
    except InvalidInput as exc:
        return _json_error(exc)
    return _json(options)


@router.post("/app/account/passkeys")
def enrol(form: StaffForm) -> Response:
    label = form.field("label")
    try:
        key = passkeys.register(
            session=form.session,
            clock=form.runtime.clock,
            rp=_rp(form.runtime),
            row=form.web,
            label=label,
            credential=form.field("credential"),
        )
    except InvalidInput as exc:  # the spent challenge is committed all the same
        return account_page(form, error=exc, label=label)
    credential_changed(form, form.user, SignInOutcome.PASSKEY_ADDED, f"passkey “{key.label}” added")
    return form.done("/app/account", f"Passkey “{key.label}” added.")


def credential_changed(page: StaffContext, user: User, outcome: SignInOutcome, what: str) -> None:
    """Record a passkey added or removed in the sign-in record, with who did it."""
    by = "" if page.user.id == user.id else f" by {page.user.email}"
    record(
        session=page.session,
        clock=page.runtime.clock,
        email=user.email,
        method=SignInMethod.PASSKEY,
        outcome=outcome,
        address=page.address,
        detail=what + by,
        user=user,
    )


@router.post("/app/account/passkeys/{passkey_id}/remove")
def remove(passkey_id: int, form: StaffForm) -> Response:
    try:
        key = passkeys.remove(
            session=form.session,
            user=form.user,
            passkey_id=passkey_id,
            require_passkey=form.runtime.settings.require_passkey,
        )
    except InvalidInput as exc:
        return account_page(form, error=exc, remove_id=passkey_id)
    credential_changed(
        form, form.user, SignInOutcome.PASSKEY_REMOVED, f"passkey “{key.label}” removed"
    )
    return form.done("/app/account", f"Passkey “{key.label}” removed.")


# ---- the second factor at sign-in -----------------------------------------------------


def _pending(request: Request, runtime: Runtime, session: Session) -> WebSession | None:
    """The browser's session if it still owes its passkey (within the time allowed)."""
    row = sessions.find_session(
        session=session, clock=runtime.clock, token=request.cookies.get(SESSION_COOKIE)
    )
    return row if row is not None and row.stage is SessionStage.SECOND_FACTOR else None


def _restart() -> RedirectResponse:
    return RedirectResponse("/sign-in?why=passkey-first", status_code=303)


def _use_page(
    *, email: str, csrf: str, next_path: str | None, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        "passkey_sign_in.html",
        status=status,
        scripts=True,
        staff=True,
        email=email,
        csrf=csrf,
        next_path=next_path or "",
        error=error,
        minutes=int(SECOND_FACTOR_TIMEOUT.total_seconds() // 60),
    )


def _csrf_ok(row: WebSession, submitted: str) -> bool:
    return bool(submitted) and hmac.compare_digest(row.csrf, submitted)


@router.get("/sign-in/passkey", response_class=HTMLResponse)
def use_page(request: Request, runtime: RuntimeDep, next: str | None = None) -> Response:
    with runtime.transaction() as session:
        row = _pending(request, runtime, session)
        if row is None:
            return _restart()
        return _use_page(email=row.user.email, csrf=row.csrf, next_path=safe_next(next))


@router.post("/sign-in/passkey/options")
def use_options(
    request: Request, runtime: RuntimeDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    _check_origin(request)
    with runtime.transaction() as session:
        row = _pending(request, runtime, session)
        if row is None:
            return _json_error(AuthenticationFailed(SIGN_IN_FIRST))
        if not _csrf_ok(row, csrf):
            return _json_error(Forbidden("the page is stale; reload it and try again"))
        try:
            rp = _rp(runtime)
        except InvalidInput as exc:
            return _json_error(exc)
        return _json(
            passkeys.authentication_options(session=session, clock=runtime.clock, rp=rp, row=row)
        )


@router.post("/sign-in/passkey")
def use_passkey(
    request: Request,
    runtime: RuntimeDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    credential: Annotated[str, Form()] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _check_origin(request)
    failure: CovergateError | None = None
    # A failure is recorded (and counts towards the lockout): commit, then answer.
    with runtime.transaction() as session:
        row = _pending(request, runtime, session)
        if row is None:
            return _restart()
        if not _csrf_ok(row, csrf):
            raise Forbidden("the passkey form is stale or came from another site; reload it")
        email, page_csrf, role = row.user.email, row.csrf, row.user.role
        try:
            token = passkeys.second_factor(
                session=session,
                clock=runtime.clock,
                rp=_rp(runtime),
                row=row,
                credential=credential,
                address=client_address(request),
            )
        except (AuthenticationFailed, TooManyAttempts) as exc:
            failure = exc
    if failure is not None:
        return _use_page(
            email=email,
            csrf=page_csrf,
            next_path=safe_next(next),
            error=failure.message,
            status=failure.status,
        )
    response = RedirectResponse(safe_next(next) or home_of(role), status_code=303)
    set_session_cookie(request, response, token)
    return response
