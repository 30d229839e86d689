"""One user's page for admins: disable or enable, end sessions, tokens, a sign-in
link for recovery, passkeys.

Every action is the API's or the CLI's service call (``users.service``,
``signin.sessions``, ``signin.links``) with the same checks and errors. A token's
secret and a sign-in link are shown once, on the answer to the POST that made them
(a no-store page): only their digests are stored, so no page can show them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.errors import CovergateError, InvalidInput, NotFound
from covergate.signin import links, sessions
from covergate.signin import service as signin
from covergate.signin.models import Passkey, WebSession
from covergate.signin.passkey_routes import credential_changed
from covergate.signin.schemas import IDLE_TIMEOUT, LINK_LIFETIME, MAX_AGE, SignInOutcome
from covergate.users import service
from covergate.users.models import ApiToken, User
from covergate.users.schemas import TokenId, TokenStatus
from covergate.web.admin_common import require_admin
from covergate.web.staff import StaffContext, StaffForm, StaffPage

router = APIRouter(include_in_schema=False)

TOKEN_FIELDS = ("label", "expires")
MAX_LABEL = 100  # as the API's TokenInput


@dataclass(frozen=True)
class TokenRow:
    id: TokenId
    row: ApiToken
    status: TokenStatus


def _account(page: StaffContext, user_id: int) -> User:
    """The user the page is about (admins only; the role is checked first)."""
    require_admin(page.user)
    return sessions.get_user(session=page.session, user_id=user_id)


def _path(user: User) -> str:
    return f"/app/admin/users/{user.id}"


def open_sessions(session: Session, clock: Clock, user: User) -> int:
    """Sessions of ``user`` that still work (as ``signin.sessions.find_session`` decides)."""
    now = clock.now()
    query = select(func.count(WebSession.id)).where(
        WebSession.user_id == user.id,
        WebSession.revoked_at.is_(None),
        WebSession.last_seen_at > now - IDLE_TIMEOUT,
        WebSession.created_at > now - MAX_AGE,
    )
    return session.scalar(query) or 0


def _user_page(
    page: StaffContext,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    clock = page.runtime.clock
    tokens = service.list_tokens(session=page.session, user=user, clock=clock)
    return page.render(
        "admin_user.html",
        status=status,
        here="users",
        account=user,
        is_self=user.id == page.user.id,
        tokens=[
            TokenRow(service.token_id(t), t, service.token_status(t, clock=clock)) for t in tokens
        ],
        passkeys=signin.passkeys_of(session=page.session, user=user),
        has_password=signin.has_password(session=page.session, user=user),
        open_sessions=0 if user.disabled_at else open_sessions(page.session, clock, user),
        values=values or {"label": "api", "expires": ""},
        errors=errors or {},
        link_minutes=int(LINK_LIFETIME.total_seconds() // 60),
    )


@router.get("/app/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(user_id: int, page: StaffPage) -> HTMLResponse:
    return _user_page(page, _account(page, user_id))


@router.post("/app/admin/users/{user_id}/disable")
def disable(user_id: int, form: StaffForm) -> Response:
    user = _account(form, user_id)
    if user.id == form.user.id:
        raise InvalidInput("you cannot disable your own account: another admin can")
    clock = form.runtime.clock
    service.disable_user(session=form.session, clock=clock, user=user)
    # Disabled, sessions already stop working; ending them keeps them ended on enabling.
    ended = sessions.revoke_sessions(
        session=form.session, clock=clock, user=user, by=form.user.email
    )
    return form.done(
        _path(user),
        f"{user.email} is disabled: every token of theirs is refused and {ended} session(s) ended.",
    )


@router.post("/app/admin/users/{user_id}/enable")
def enable(user_id: int, form: StaffForm) -> Response:
    user = _account(form, user_id)
    service.enable_user(session=form.session, user=user)
    return form.done(
        _path(user),
        f"{user.email} is enabled: their tokens that are neither revoked nor expired work "
        "again, and they can sign in.",
    )


@router.post("/app/admin/users/{user_id}/end-sessions")
def end_sessions(user_id: int, form: StaffForm) -> Response:
    user = _account(form, user_id)
    ended = sessions.revoke_sessions(
        session=form.session, clock=form.runtime.clock, user=user, by=form.user.email
    )
    return form.done(_path(user), f"{ended} session(s) of {user.email} ended.")


@router.post("/app/admin/users/{user_id}/tokens")
def issue_token(user_id: int, form: StaffForm) -> Response:
    user = _account(form, user_id)
    values = {name: form.field(name).strip() for name in TOKEN_FIELDS}
    clock = form.runtime.clock
    try:
        if not 1 <= len(values["label"]) <= MAX_LABEL:
            raise InvalidInput(f"a label has 1 to {MAX_LABEL} characters", field="label")
        expires_at = (
            service.parse_expiry(values["expires"], clock=clock) if values["expires"] else None
        )
        row, secret = service.issue_token(
            session=form.session,
            clock=clock,
            user=user,
            label=values["label"],
            expires_at=expires_at,
        )
    except CovergateError as exc:
        errors = {exc.field if exc.field in TOKEN_FIELDS else "expires": exc.message}
        return _user_page(form, user, values=values, errors=errors, status=exc.status)
    return form.render(
        "admin_issued.html",
        here="users",
        account=user,
        kind="token",
        secret=secret,
        token=TokenRow(service.token_id(row), row, service.token_status(row, clock=clock)),
        link_minutes=0,
    )


@router.post("/app/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke_token(user_id: int, token_id: str, form: StaffForm) -> Response:
    user = _account(form, user_id)
    row = service.get_token(session=form.session, token_id=token_id)
    if row.user_id != user.id:
        raise NotFound(f"{user.email} has no token {token_id}")
    service.revoke_token(session=form.session, clock=form.runtime.clock, token_id=token_id)
    return form.done(_path(user), f"Token {token_id} of {user.email} is revoked.")


@router.post("/app/admin/users/{user_id}/sign-in-link")
def sign_in_link(user_id: int, form: StaffForm) -> Response:
    user = _account(form, user_id)
    url = links.issue_link(
        session=form.session,
        clock=form.runtime.clock,
        user=user,
        base_url=form.runtime.settings.public_url,
    )
    return form.render(
        "admin_issued.html",
        here="users",
        account=user,
        kind="link",
        secret=url,
        token=None,
        link_minutes=int(LINK_LIFETIME.total_seconds() // 60),
    )


@router.post("/app/admin/users/{user_id}/passkeys/{passkey_id}/remove")
def remove_passkey(user_id: int, passkey_id: int, form: StaffForm) -> Response:
    user = _account(form, user_id)
    key = form.session.scalar(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)
    )
    if key is None:
        raise NotFound(f"{user.email} has no passkey {passkey_id}")
    label = key.label
    form.session.delete(key)
    form.session.flush()
    credential_changed(form, user, SignInOutcome.PASSKEY_REMOVED, f"passkey “{label}” removed")
    return form.done(_path(user), f"Passkey “{label}” of {user.email} is removed.")
