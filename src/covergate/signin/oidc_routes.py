"""Single sign-on pages: ``POST /sign-in/oidc`` and its callback (see ``oidc``).

``POST /sign-in/oidc`` (the sign-in page's "Sign in with your agency's account",
with the page's presign token) starts a flow and sends the browser to the
provider. ``GET /sign-in/oidc/callback`` checks the provider's answer and its ID
token, then signs in the covergate user whose email the provider has verified
(compared without case); it never creates one. Every refusal shows the sign-in
page with the reason (401) and is recorded as a failed OIDC sign-in.

Both legs answer with a short page that moves on by itself (a ``Refresh``
header, and a link), not with a redirect: the sign-in page's Content Security
Policy (``form-action 'self'``) forbids a form to redirect to the provider, and
a browser sends no SameSite=Strict cookie, the session's, along a redirect that a
cross-site page (the provider's) started.
"""

from __future__ import annotations

import hmac
from functools import cache
from typing import Annotated
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate import __version__
from covergate.config import OidcSettings
from covergate.errors import (
    AuthenticationFailed,
    CovergateError,
    Forbidden,
    NotFound,
    TooManyAttempts,
)
from covergate.runtime import Runtime
from covergate.signin import oidc, oidc_flow, service
from covergate.signin.record import check_not_locked, record
from covergate.signin.routes import RuntimeDep, safe_next, set_session_cookie, sign_in_page
from covergate.signin.schemas import PRESESSION_COOKIE, SessionStage, SignInMethod, SignInOutcome
from covergate.signin.sessions import Opened
from covergate.users.models import User
from covergate.web.render import SECURITY_HEADERS, STAFF_CACHE, templates
from covergate.web.staff import client_address, home_of

router = APIRouter(include_in_schema=False)

FLOW_PATH = "/sign-in/oidc"
METHOD = SignInMethod.OIDC

_PAGE = """{% extends "base.html" %}
{% block title %}{{ title }} · covergate{% endblock %}
{% block main %}
<h1>{{ title }}</h1>
<p class="lede">{{ lede }}</p>
<p><a class="button" id="continue" href="{{ url }}">{{ link }}</a></p>
{% endblock %}
"""


@cache
def _page() -> jinja2.Template:
    return templates().from_string(_PAGE)


def _moving_on(url: str, *, title: str, lede: str, link: str) -> HTMLResponse:
    """A page that goes on to ``url`` at once (and shows a link, if it does not)."""
    html = _page().render(version=__version__, title=title, lede=lede, url=url, link=link)
    headers = {**SECURITY_HEADERS, "Cache-Control": STAFF_CACHE, "Refresh": f"0; url={url}"}
    return HTMLResponse(html, headers=headers)


def _settings(runtime: Runtime) -> OidcSettings:
    if runtime.settings.oidc is None:
        raise NotFound("single sign-on is not set up on this covergate")
    return runtime.settings.oidc


def _secure(request: Request, runtime: Runtime) -> bool:
    return request.url.scheme == "https" or runtime.settings.public_url.startswith("https://")


def _forget_flow(request: Request, runtime: Runtime, response: Response) -> Response:
    response.delete_cookie(
        oidc.FLOW_COOKIE,
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request, runtime),
    )
    return response


def _refused(
    request: Request,
    runtime: Runtime,
    failure: CovergateError,
    *,
    next_path: str = "",
    recorded: bool = False,
) -> Response:
    """The sign-in page with the reason; the failure recorded (committed) first."""
    if not recorded:
        with runtime.transaction() as session:
            record(
                session=session,
                clock=runtime.clock,
                email="-",  # not known yet
                method=METHOD,
                outcome=SignInOutcome.FAILED,
                address=client_address(request),
                detail=f"single sign-on: {failure.message}",
            )
    page = sign_in_page(
        request, runtime, status=failure.status, error=failure.message, next_path=next_path
    )
    return _forget_flow(request, runtime, page)


@router.post(FLOW_PATH)
def start_sign_in(
    request: Request,
    runtime: RuntimeDep,
    presign: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    settings = _settings(runtime)
    cookie = request.cookies.get(PRESESSION_COOKIE) or ""
    if not presign or not hmac.compare_digest(cookie, presign):
        raise Forbidden("the sign-in form is stale or came from another site; reload it")
    flow = oidc_flow.new_flow(clock=runtime.clock, next_path=safe_next(next) or "")
    try:
        url = oidc.start(
            settings, flow, redirect_uri=oidc.callback_url(runtime.settings.public_url)
        )
    except oidc_flow.SsoFailed as exc:
        return _refused(request, runtime, exc, next_path=flow.next_path)
    response = _moving_on(
        url,
        title="Continuing to your agency's sign-in",
        lede="covergate is sending you to your agency's sign-in page; it will send you back.",
        link="Continue to your agency's sign-in",
    )
    response.set_cookie(
        oidc.FLOW_COOKIE,
        oidc_flow.seal_flow(runtime.cipher, flow),
        max_age=int(oidc_flow.FLOW_LIFETIME.total_seconds()),
        httponly=True,
        # Lax, not Strict: the provider's answer is a cross-site navigation.
        samesite="lax",
        secure=_secure(request, runtime),
        path=FLOW_PATH,
    )
    return response


def sign_in_as(*, session: Session, runtime: Runtime, who: oidc.Identity, address: str) -> Opened:
    """The covergate user with the provider's verified email, past their first factor."""
    email = who.email.lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    clock = runtime.clock
    check_not_locked(
        session=session, clock=clock, user=user, email=email, address=address, method=METHOD
    )
    if who.email_verified and user is not None:
        return service.first_factor_passed(
            session=session,
            clock=clock,
            user=user,
            method=METHOD,
            address=address,
            require_passkey=runtime.settings.require_passkey,
        )
    refusal = (
        f"your agency's account has not verified the email address {who.email}, so "
        "covergate cannot sign you in with it"
        if not who.email_verified
        else f"covergate has no account with the email address {who.email}; ask an admin "
        "to add you, or sign in another way"
    )
    record(
        session=session,
        clock=clock,
        email=email,
        method=METHOD,
        outcome=SignInOutcome.FAILED,
        address=address,
        detail=f"single sign-on: {refusal}",
        user=user,
    )
    raise AuthenticationFailed(refusal)


@router.get(oidc.CALLBACK_PATH)
def callback(request: Request, runtime: RuntimeDep) -> Response:
    settings = _settings(runtime)
    query = {key: value[:4000] for key, value in request.query_params.items()}
    next_path = ""
    try:
        flow = oidc_flow.open_flow(
            runtime.cipher, request.cookies.get(oidc.FLOW_COOKIE), clock=runtime.clock
        )
        next_path = flow.next_path
        who = oidc.finish(
            settings,
            flow,
            query,
            redirect_uri=oidc.callback_url(runtime.settings.public_url),
            clock=runtime.clock,
        )
    except oidc_flow.SsoFailed as exc:
        return _refused(request, runtime, exc, next_path=next_path)
    failure: CovergateError | None = None
    # A refusal is recorded (and counts towards the lockout): commit, then answer.
    with runtime.transaction() as session:
        try:
            opened = sign_in_as(
                session=session, runtime=runtime, who=who, address=client_address(request)
            )
            stage, role = opened.row.stage, opened.row.user.role
        except (AuthenticationFailed, TooManyAttempts) as exc:
            failure = exc
    if failure is not None:
        return _refused(request, runtime, failure, next_path=next_path, recorded=True)
    back = safe_next(next_path)
    if stage is SessionStage.SECOND_FACTOR:
        target = "/sign-in/passkey" + (f"?next={quote(back, safe='')}" if back else "")
        link = "Continue to your passkey"
    else:
        target, link = back or home_of(role), "Continue to covergate"
    response = _moving_on(
        target,
        title="Signed in with your agency's account",
        lede="Your agency's account confirmed who you are.",
        link=link,
    )
    set_session_cookie(request, response, opened.token)
    return _forget_flow(request, runtime, response)
