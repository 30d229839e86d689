"""The record of every sign-in attempt, and the lockout it drives.

Each attempt, success or failure, is written to ``sign_in_events`` in the caller's
transaction, so an auditor sees it; the lockout counts recent failures there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.errors import CovergateError, TooManyAttempts
from covergate.signin.models import SignInEvent
from covergate.signin.schemas import (
    ADDRESS_FAILURES,
    LOCKOUT_FAILURES,
    LOCKOUT_WINDOW,
    SignInMethod,
    SignInOutcome,
)
from covergate.users.models import User

E = TypeVar("E", bound=CovergateError)


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


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt being checked: who typed what, how, from where.

    ``attempt.refused(error, why)`` records the failure and gives back the error to
    raise, so a refusal is never raised unrecorded:

        raise attempt.refused(AuthenticationFailed("the password is wrong"), "wrong password")
    """

    session: Session
    clock: Clock
    email: str
    method: SignInMethod
    address: str
    user: User | None = None

    def record(self, outcome: SignInOutcome, detail: str) -> None:
        record(
            session=self.session,
            clock=self.clock,
            email=self.email,
            method=self.method,
            outcome=outcome,
            address=self.address,
            detail=detail,
            user=self.user,
        )

    def refused(self, error: E, detail: str, outcome: SignInOutcome = SignInOutcome.FAILED) -> E:
        self.record(outcome, detail)
        return error


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
    attempt = Attempt(session, clock, email, method, address, user)
    since = clock.now() - LOCKOUT_WINDOW
    minutes = int(LOCKOUT_WINDOW.total_seconds() // 60)
    if _failures_since(session, since, address=address) >= ADDRESS_FAILURES:
        raise attempt.refused(
            TooManyAttempts(
                f"too many failed sign-ins from this address; try again in {minutes} minutes"
            ),
            "address slowed",
            SignInOutcome.LOCKED,
        )
    if user is not None and _failures_since(session, since, user_id=user.id) >= LOCKOUT_FAILURES:
        raise attempt.refused(
            TooManyAttempts(
                f"this account is locked after {LOCKOUT_FAILURES} failed sign-ins; try again "
                f"in {minutes} minutes, or ask an admin for a sign-in link"
            ),
            "account locked",
            SignInOutcome.LOCKED,
        )
