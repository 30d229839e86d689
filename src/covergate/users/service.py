"""Adding users, issuing tokens and authenticating them."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.clock import Clock
from covergate.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from covergate.users.models import ApiToken, User
from covergate.users.schemas import Delegation, Role, with_article

TOKEN_PREFIX = "cg_"  # noqa: S105 (a prefix, not a secret)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def add_user(
    *,
    session: Session,
    clock: Clock,
    email: str,
    name: str,
    role: Role,
    agency: Agency | None = None,
    delegation: Delegation | None = None,
) -> User:
    """Add a user. Requesters belong to an agency; only approvers hold a delegation."""
    if not _EMAIL.match(email):
        raise InvalidInput(f"not an email address: {email!r}", field="email")
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    if role is Role.REQUESTER and agency is None:
        raise InvalidInput("a requester must belong to an agency (--agency)", field="agency")
    if role is not Role.REQUESTER and agency is not None:
        raise InvalidInput(f"{with_article(role)} does not belong to an agency", field="agency")
    if role is Role.APPROVER and delegation is None:
        raise InvalidInput(
            "an approver needs a written delegation (--delegation), 39 CFR 233.3(d)",
            field="delegation",
        )
    if role is not Role.APPROVER and delegation is not None:
        raise InvalidInput(f"{with_article(role)} cannot hold a delegation", field="delegation")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        delegation=delegation,
        agency_id=agency.id if agency else None,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def get_by_email(*, session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user


def create_token(*, session: Session, clock: Clock, user: User, label: str = "cli") -> str:
    """Issue a new bearer token; only its digest is stored, the token is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(user_id=user.id, digest=token_digest(token), label=label, created_at=clock.now())
    )
    session.flush()
    return token


def authenticate(*, session: Session, token: str | None) -> User:
    if not token:
        raise AuthenticationFailed("a bearer token is required")
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.digest == token_digest(token.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or row.user.disabled_at is not None:
        raise AuthenticationFailed("the token is not valid")
    return row.user
