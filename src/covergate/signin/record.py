"""The record of every sign-in attempt, and the lockout it drives.

Each attempt, success or failure, is written to ``sign_in_events`` in the caller's
transaction, so an auditor sees it; the lockout counts recent failures there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.errors import TooManyAttempts
from covergate.signin.models import SignInEvent
from covergate.signin.schemas import (
    ADDRESS_FAILURES,
    LOCKOUT_FAILURES,
    LOCKOUT_WINDOW,
    SignInMethod,
    SignInOutcome,
)
from covergate.users.models import User


def record(
    *,
    session: Session,
    clock: Clock,
    email: str,
    method: SignInMethod,
    outcome: SignInOutcome,
    address: str,
    detail: str,
    user: User | None = None,
) -> None:
    session.add(
        SignInEvent(
            at=clock.now(),
            user_id=user.id if user else None,
            email=email[:300],
            method=method,
            outcome=outcome,
            address=address[:64],
            detail=detail[:300],
        )
    )
    session.flush()


def _failures_since(session: Session, since: datetime, **where: object) -> int:
    query = select(func.count(SignInEvent.id)).where(
        SignInEvent.at >= since, SignInEvent.outcome == SignInOutcome.FAILED
    )
    for column, value in where.items():
        query = query.where(getattr(SignInEvent, column) == value)
    return session.scalar(query) or 0


def check_not_locked(
    *,
    session: Session,
    clock: Clock,
    user: User | None,
    email: str,
    address: str,
    method: SignInMethod,
) -> None:
    """TooManyAttempts when the account or the address failed too often lately."""
    since = clock.now() - LOCKOUT_WINDOW
    minutes = int(LOCKOUT_WINDOW.total_seconds() // 60)
    if _failures_since(session, since, address=address) >= ADDRESS_FAILURES:
        record(
            session=session,
            clock=clock,
            email=email,
            method=method,
            address=address,
            outcome=SignInOutcome.LOCKED,
            detail="address slowed",
            user=user,
        )
        raise TooManyAttempts(
            f"too many failed sign-ins from this address; try again in {minutes} minutes"
        )
    if user is not None and _failures_since(session, since, user_id=user.id) >= LOCKOUT_FAILURES:
        record(
            session=session,
            clock=clock,
            email=email,
            method=method,
            address=address,
            outcome=SignInOutcome.LOCKED,
            detail="account locked",
            user=user,
        )
        raise TooManyAttempts(
            f"this account is locked after {LOCKOUT_FAILURES} failed sign-ins; try again in "
            f"{minutes} minutes, or ask an admin for a sign-in link"
        )
