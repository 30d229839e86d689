"""The one error hierarchy of covergate.

Every error a user can cause is a :class:`CovergateError`. The HTTP layer maps it
to an RFC 9457 problem+json response in one handler (``covergate.api``); the CLI
prints ``error: <message>`` on one line and exits with status 2 (``covergate.cli``).

Each subclass carries the HTTP status it maps to and a short, stable ``code``
(the last part of the problem ``type`` URI), so clients can branch on it.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "CovergateError",
    "Forbidden",
    "Gone",
    "IdempotencyConflict",
    "InvalidInput",
    "InvalidTransition",
    "LogIntegrityError",
    "MalformedLogData",
    "NotFound",
    "RuleViolation",
    "TooManyAttempts",
    "VerificationFailed",
]


class CovergateError(Exception):
    """Base of every error covergate raises on purpose."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidInput(CovergateError):
    """The input is unusable: wrong type, unknown field, missing field, bad value."""

    status = 422
    code = "invalid-input"
    title = "Invalid input"


class NotFound(CovergateError):
    """The thing does not exist, or the caller may not know that it exists."""

    status = 404
    code = "not-found"
    title = "Not found"


class AuthenticationFailed(CovergateError):
    """No credentials, or credentials that match no active user."""

    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(CovergateError):
    """The caller is known but their role or delegation does not allow this."""

    status = 403
    code = "forbidden"
    title = "Forbidden"


class Conflict(CovergateError):
    """The request clashes with the current state of the resource."""

    status = 409
    code = "conflict"
    title = "Conflict"


class Gone(CovergateError):
    """The thing existed but was destroyed on purpose (data past retention, say)."""

    status = 410
    code = "gone"
    title = "Destroyed"


class InvalidTransition(Conflict):
    """A state machine transition that is not allowed from the current state."""

    code = "invalid-transition"
    title = "Invalid state transition"


class IdempotencyConflict(Conflict):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency-conflict"
    title = "Idempotency key reused"


class RuleViolation(CovergateError):
    """A rule the software enforces (law, delegation, time limits) forbids this."""

    status = 422
    code = "rule-violation"
    title = "Rule violation"


class MalformedLogData(InvalidInput):
    """A checkpoint, note, tile, bundle or proof could not be parsed."""

    code = "malformed-log-data"
    title = "Malformed log data"


class VerificationFailed(CovergateError):
    """A signature, proof or tree did not verify."""

    status = 422
    code = "verification-failed"
    title = "Verification failed"


class LogIntegrityError(CovergateError):
    """The stored log contradicts itself; the operator must investigate."""

    status = 500
    code = "log-integrity"
    title = "Transparency log integrity error"


class TooManyAttempts(CovergateError):
    """Too many failed sign-ins: the account is locked, or the address slowed, for now."""

    status = 429
    code = "too-many-attempts"
    title = "Too many attempts"
