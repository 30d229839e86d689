"""Browser sessions: opened, found from the cookie, ended.

The cookie holds a random token, the row its SHA-256 digest. A session ends after
IDLE_TIMEOUT without a request, after MAX_AGE in any case, at sign-out, and when
an admin revokes the user's sessions or disables the account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.errors import Forbidden, NotFound
from covergate.signin.models import SignInEvent, WebSession
from covergate.signin.record import record
from covergate.signin.schemas import (
    IDLE_TIMEOUT,
    MAX_AGE,
    SECOND_FACTOR_TIMEOUT,
    SIGN_IN_REASONS,
    SessionStage,
    SignInMethod,
    SignInOutcome,
)
from covergate.users.models import User


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Opened:
    """A new browser session and the cookie token that names it (shown once)."""

    row: WebSession
    token: str


def open_session(
    *,
    session: Session,
    clock: Clock,
    user: User,
    method: SignInMethod,
    stage: SessionStage,
    passkey_verified: bool = False,
) -> Opened:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = WebSession(
        user_id=user.id,
        digest=digest(token),
        csrf=secrets.token_urlsafe(32),
        stage=stage,
        method=method,
        passkey_verified=passkey_verified,
        challenge=None,
        flash=None,
        created_at=now,
        last_seen_at=now,
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return Opened(row=row, token=token)


def find_session(*, session: Session, clock: Clock, token: str | None) -> WebSession | None:
    """The live session the cookie names (touched), or None if none or ended."""
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.digest == digest(token)))
    if row is None or row.revoked_at is not None or row.user.disabled_at is not None:
        return None
    now = clock.now()
    limit = SECOND_FACTOR_TIMEOUT if row.stage is SessionStage.SECOND_FACTOR else IDLE_TIMEOUT
    if now - row.last_seen_at >= limit or now - row.created_at >= MAX_AGE:
        return None
    row.last_seen_at = now
    session.flush()
    return row


def why_ended(*, session: Session, clock: Clock, token: str | None) -> str:
    """For the sign-in page: why the cookie's session no longer works."""
    row = session.scalar(select(WebSession).where(WebSession.digest == digest(token or "")))
    if row is None:
        return SIGN_IN_REASONS["sign-in"]
    if row.revoked_at is not None:
        return SIGN_IN_REASONS["ended"]
    return SIGN_IN_REASONS["expired"]


def check_csrf(row: WebSession, submitted: str | None) -> None:
    """Forbidden (403) unless the form carries this session's token."""
    if not submitted or not hmac.compare_digest(row.csrf, submitted):
        raise Forbidden(
            "the form's security token is missing or stale; reload the page and try again"
        )


def passkey_passed(*, session: Session, clock: Clock, row: WebSession, address: str) -> None:
    """The second factor passed: the session becomes active and passkey-verified."""
    row.stage = SessionStage.ACTIVE
    row.passkey_verified = True
    row.challenge = None
    record(
        session=session,
        clock=clock,
        email=row.user.email,
        method=SignInMethod.PASSKEY,
        address=address,
        outcome=SignInOutcome.SUCCEEDED,
        detail="signed in with a passkey",
        user=row.user,
    )


def sign_out(*, session: Session, clock: Clock, row: WebSession, address: str) -> None:
    row.revoked_at = clock.now()
    record(
        session=session,
        clock=clock,
        email=row.user.email,
        method=row.method,
        address=address,
        outcome=SignInOutcome.SIGNED_OUT,
        detail="signed out",
        user=row.user,
    )


def revoke_sessions(*, session: Session, clock: Clock, user: User, by: str) -> int:
    """End every live session of ``user`` (an admin's revocation, or a disabling)."""
    rows = list(
        session.scalars(
            select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
        )
    )
    for row in rows:
        row.revoked_at = clock.now()
    record(
        session=session,
        clock=clock,
        email=user.email,
        method=SignInMethod.PASSWORD,
        address="-",
        outcome=SignInOutcome.REVOKED,
        detail=f"{len(rows)} session(s) ended by {by}"[:300],
        user=user,
    )
    return len(rows)


def list_events(
    *,
    session: Session,
    limit: int = 100,
    offset: int = 0,
    user_id: int | None = None,
) -> list[SignInEvent]:
    query = select(SignInEvent).order_by(SignInEvent.id.desc()).limit(limit).offset(offset)
    if user_id is not None:
        query = query.where(SignInEvent.user_id == user_id)
    return list(session.scalars(query))


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user
