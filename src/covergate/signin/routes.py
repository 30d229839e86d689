"""The sign-in pages: password, one-time link, sign-out (passkeys: ``passkey_routes``).

``GET /sign-in`` shows the form; ``POST /sign-in`` checks the email and password
and sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS), then
sends the browser to its passkey step or its work. The form carries a token that
must match a cookie set with the page (a sign-in from another site is refused).
A one-time link opens a confirmation page first; only its button spends the
link, so a mail scanner that follows links cannot use it up.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from covergate.errors import AuthenticationFailed, CovergateError, Forbidden, TooManyAttempts
from covergate.runtime import Runtime
from covergate.signin import links, service, sessions
from covergate.signin.schemas import (
    MAX_AGE,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_REASONS,
    SessionStage,
)
from covergate.web.render import render
from covergate.web.staff import StaffForm, client_address, home_of

router = APIRouter(include_in_schema=False)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


def safe_next(value: str | None) -> str | None:
    """Only a path of the staff app: never another site (an open redirect)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/app") or "\\" in value:
        return None
    return value


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(MAX_AGE.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def sign_in_page(
    request: Request,
    runtime: Runtime,
    *,
    status: int = 200,
    error: str | None = None,
    email: str = "",
    next_path: str | None = None,
    why: str | None = None,
) -> HTMLResponse:
    presign = request.cookies.get(PRESESSION_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        "sign_in.html",
        status=status,
        staff=True,
        error=error,
        email=email,
        next_path=next_path or "",
        why=why,
        presign=presign,
        oidc=runtime.settings.oidc is not None,
    )
    response.set_cookie(
        PRESESSION_COOKIE,
        presign,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/sign-in",
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request, runtime: RuntimeDep, next: str | None = None, why: str | None = None
) -> HTMLResponse:
    reason = SIGN_IN_REASONS.get(why or "")
    return sign_in_page(request, runtime, next_path=safe_next(next), why=reason)


@router.post("/sign-in")
def sign_in(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    presign: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cookie = request.cookies.get(PRESESSION_COOKIE) or ""
    if not presign or not hmac.compare_digest(cookie, presign):
        raise Forbidden("the sign-in form is stale or came from another site; reload it")
    if not email.strip() or not password:
        return sign_in_page(
            request,
            runtime,
            status=422,
            email=email,
            next_path=safe_next(next),
            error="enter your email and your password",
        )
    failure: CovergateError | None = None
    # A failure is recorded (and counts towards the lockout): commit, then answer.
    with runtime.transaction() as session:
        try:
            opened = service.sign_in_with_password(
                session=session,
                clock=runtime.clock,
                email=email,
                password=password,
                address=client_address(request),
                require_passkey=runtime.settings.require_passkey,
            )
            stage, role = opened.row.stage, opened.row.user.role
        except (AuthenticationFailed, TooManyAttempts) as exc:
            failure = exc
    if failure is not None:
        return sign_in_page(
            request,
            runtime,
            status=failure.status,
            email=email,
            next_path=safe_next(next),
            error=failure.message,
        )
    back = safe_next(next)
    if stage is SessionStage.SECOND_FACTOR:  # the page asked for waits for the passkey
        target = "/sign-in/passkey" + (f"?next={quote(back, safe='')}" if back else "")
    else:
        target = back or home_of(role)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.get("/sign-in/link/{token}", response_class=HTMLResponse)
def link_page(token: str) -> HTMLResponse:
    return render("sign_in_link.html", staff=True, token=token[:200])


@router.post("/sign-in/link/{token}")
def use_link(request: Request, token: str, runtime: RuntimeDep) -> Response:
    failure: CovergateError | None = None
    with runtime.transaction() as session:
        try:
            opened = links.use_link(
                session=session,
                clock=runtime.clock,
                token=token[:200],
                address=client_address(request),
            )
            role = opened.row.user.role
            needs = service.needs_passkey(
                opened.row.user, required=runtime.settings.require_passkey
            )
        except (AuthenticationFailed, TooManyAttempts) as exc:
            failure = exc
    if failure is not None:
        return sign_in_page(request, runtime, status=failure.status, error=failure.message)
    response = RedirectResponse("/app/account" if needs else home_of(role), status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.post("/sign-out")
def sign_out(form: StaffForm) -> Response:
    sessions.sign_out(
        session=form.session, clock=form.runtime.clock, row=form.web, address=form.address
    )
    response = RedirectResponse("/sign-in?why=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
