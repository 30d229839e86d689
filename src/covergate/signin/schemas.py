"""The fixed terms of staff sign-in: methods, outcomes, stages and limits."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from covergate.users.schemas import Role


class SignInMethod(StrEnum):
    """How a user proved who they are (recorded with every attempt)."""

    PASSWORD = "password"  # noqa: S105 (a method name, not a secret)
    PASSKEY = "passkey"  # the second factor, after a password or single sign-on
    LINK = "link"  # a one-time sign-in link from `covergate user sign-in-link`
    OIDC = "oidc"  # single sign-on through the configured OpenID Connect provider


class SignInOutcome(StrEnum):
    SUCCEEDED = "succeeded"  # a session was opened (or a second factor passed)
    FAILED = "failed"  # wrong password, unknown account, bad link, bad passkey
    LOCKED = "locked"  # refused without checking: too many recent failures
    SIGNED_OUT = "signed_out"
    REVOKED = "revoked"  # an admin ended the user's sessions
    PASSKEY_ADDED = "passkey_added"  # a credential changed: auditors see it with the rest
    PASSKEY_REMOVED = "passkey_removed"


class SessionStage(StrEnum):
    """How far a browser session has got."""

    SECOND_FACTOR = "second_factor"  # first factor passed; the passkey is still owed
    ACTIVE = "active"


#: Roles that must sign in with a passkey once COVERGATE_REQUIRE_PASSKEY is on.
PASSKEY_ROLES = frozenset({Role.APPROVER, Role.AUDITOR, Role.ADMIN, Role.COURT})

#: A session ends after this long without a request, and after MAX_AGE in any case.
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
#: The second factor must follow the first within this time.
SECOND_FACTOR_TIMEOUT = timedelta(minutes=5)
#: A one-time sign-in link works once, within this time.
LINK_LIFETIME = timedelta(minutes=15)

#: An account is locked after this many failures within LOCKOUT_WINDOW ...
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
#: ... and one address is slowed (429) after this many, whatever the accounts.
ADDRESS_FAILURES = 20

MIN_PASSWORD = 12
MAX_PASSWORD = 256

SESSION_COOKIE = "covergate_session"
PRESESSION_COOKIE = "covergate_presign"


#: Why the browser was sent to the sign-in page: ``/sign-in?why=CODE`` shows the
#: text. Only these codes: a link cannot make the sign-in page say anything else.
SIGN_IN_REASONS = {
    "sign-in": "please sign in",
    "expired": "your session expired; please sign in again",
    "ended": "your session was ended; please sign in again",
    "signed-out": "you are signed out",
    "passkey": "finish signing in with your passkey",
    "passkey-first": "to use your passkey, sign in first (password or single sign-on)",
}


def reason_code(message: str) -> str:
    """The code of a sign-in reason's text (``sign-in`` for any other text)."""
    return next((code for code, text in SIGN_IN_REASONS.items() if text == message), "sign-in")
