"""Passwords and the first factor of a sign-in.

A password is kept as an argon2id hash. After the password (or single sign-on), a
user with a passkey owes it as the second factor; a user whose role needs one and
has none is refused, and told to ask an admin for a one-time link to enrol one.
Every function takes ``*, session`` and flushes; the caller commits.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.errors import AuthenticationFailed, InvalidInput
from covergate.signin.models import Passkey, Password
from covergate.signin.record import Attempt, check_not_locked
from covergate.signin.schemas import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    PASSKEY_ROLES,
    SessionStage,
    SignInMethod,
    SignInOutcome,
)
from covergate.signin.sessions import Opened, open_session
from covergate.users.models import User

# argon2id with the library's defaults (RFC 9106's second recommended option).
_hasher = PasswordHasher()
# Checked against when the account does not exist, so both cost the same time.
_DUMMY_HASH = _hasher.hash("covergate: no such account")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password must have at least {MIN_PASSWORD} characters", field="password"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            f"the password must have at most {MAX_PASSWORD} characters", field="password"
        )


def set_password(*, session: Session, clock: Clock, user: User, password: str) -> None:
    check_password_rules(password)
    row = session.get(Password, user.id)
    hashed = _hasher.hash(password)
    if row is None:
        session.add(Password(user_id=user.id, hash=hashed, set_at=clock.now()))
    else:
        row.hash, row.set_at = hashed, clock.now()
    session.flush()


def has_password(*, session: Session, user: User) -> bool:
    return session.get(Password, user.id) is not None


def _password_matches(row: Password | None, password: str) -> bool:
    try:
        return _hasher.verify(row.hash if row else _DUMMY_HASH, password) and row is not None
    except (VerificationError, InvalidHashError):
        return False


def passkeys_of(*, session: Session, user: User) -> list[Passkey]:
    return list(
        session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
    )


def needs_passkey(user: User, *, required: bool) -> bool:
    """Whether ``user``'s role must use a passkey (COVERGATE_REQUIRE_PASSKEY on)."""
    return required and user.role in PASSKEY_ROLES


def sign_in_with_password(
    *,
    session: Session,
    clock: Clock,
    email: str,
    password: str,
    address: str,
    require_passkey: bool,
) -> Opened:
    """Check the password; open a session (or one that still owes its passkey).

    Refused, with one message for an unknown account and a wrong password, when
    either is wrong; TooManyAttempts when locked.
    """
    email = email.strip().lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    method = SignInMethod.PASSWORD
    check_not_locked(
        session=session, clock=clock, user=user, email=email, address=address, method=method
    )
    row = session.get(Password, user.id) if user else None
    if user is None or not _password_matches(row, password):
        attempt = Attempt(session, clock, email, method, address, user)
        raise attempt.refused(
            AuthenticationFailed("the email or the password is wrong"), "wrong email or password"
        )
    return first_factor_passed(
        session=session,
        clock=clock,
        user=user,
        method=method,
        address=address,
        require_passkey=require_passkey,
    )


def first_factor_passed(
    *,
    session: Session,
    clock: Clock,
    user: User,
    method: SignInMethod,
    address: str,
    require_passkey: bool,
) -> Opened:
    """After a password or single sign-on: a session, or the passkey step first."""
    attempt = Attempt(session, clock, user.email, method, address, user)
    if user.disabled_at is not None:
        raise attempt.refused(
            AuthenticationFailed(f"the account {user.email} is disabled"), "account disabled"
        )
    keys = passkeys_of(session=session, user=user)
    if not keys and needs_passkey(user, required=require_passkey):
        raise attempt.refused(
            AuthenticationFailed(
                f"{user.role.value}s must sign in with a passkey and this account has none; "
                "ask an admin for a one-time sign-in link to enrol one"
            ),
            "passkey required, none enrolled",
        )
    stage = SessionStage.SECOND_FACTOR if keys else SessionStage.ACTIVE
    opened = open_session(session=session, clock=clock, user=user, method=method, stage=stage)
    if stage is SessionStage.ACTIVE:
        attempt.record(SignInOutcome.SUCCEEDED, "signed in")
    return opened
