"""One-time sign-in links: for bootstrap, the demo and an admin's recovery."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.errors import AuthenticationFailed, InvalidInput
from covergate.signin.models import SignInLink
from covergate.signin.record import Attempt, check_not_locked
from covergate.signin.schemas import LINK_LIFETIME, SessionStage, SignInMethod, SignInOutcome
from covergate.signin.sessions import Opened, digest, fmt, open_session
from covergate.users.models import User

LINK_PATH = "/sign-in/link/"


def issue_link(*, session: Session, clock: Clock, user: User, base_url: str) -> str:
    """A sign-in link for ``user``, valid LINK_LIFETIME, usable once. Shown once."""
    if user.disabled_at is not None:
        raise InvalidInput(f"the account {user.email} is disabled; enable it first")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        SignInLink(
            user_id=user.id,
            digest=digest(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
            used_at=None,
        )
    )
    session.flush()
    return f"{base_url.rstrip('/')}{LINK_PATH}{token}"


def use_link(*, session: Session, clock: Clock, token: str, address: str) -> Opened:
    """Spend a link: a session, or AuthenticationFailed saying why not."""
    method = SignInMethod.LINK
    check_not_locked(
        session=session, clock=clock, user=None, email="(link)", address=address, method=method
    )
    row = session.scalar(select(SignInLink).where(SignInLink.digest == digest(token)))
    now = clock.now()
    problem = (
        "the sign-in link is not valid"
        if row is None
        else f"the sign-in link was already used on {fmt(row.used_at)}"
        if row.used_at
        else f"the sign-in link expired on {fmt(row.expires_at)}"
        if now >= row.expires_at
        else f"the account {row.user.email} is disabled"
        if row.user.disabled_at
        else None
    )
    if problem is not None or row is None:
        problem = problem or "the sign-in link is not valid"
        who = row.user if row else None
        attempt = Attempt(session, clock, who.email if who else "(link)", method, address, who)
        raise attempt.refused(AuthenticationFailed(problem), problem)
    # Spent in the same statement that checks it was not: two tabs cannot both use it.
    spent = session.execute(
        update(SignInLink)
        .where(SignInLink.id == row.id, SignInLink.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(spent, "rowcount", 1) != 1:
        raise AuthenticationFailed("the sign-in link was already used")
    Attempt(session, clock, row.user.email, method, address, row.user).record(
        SignInOutcome.SUCCEEDED, "signed in with a one-time link"
    )
    return open_session(
        session=session, clock=clock, user=row.user, method=method, stage=SessionStage.ACTIVE
    )
