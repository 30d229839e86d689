"""Recording and reading the access log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.audit.models import AccessRecord
from covergate.audit.schemas import AccessKind
from covergate.context import ServiceContext
from covergate.errors import Forbidden, InvalidInput
from covergate.requests.models import Request
from covergate.users.models import User
from covergate.users.schemas import Role, with_article

MIN_REASON = 5


def require_auditor(user: User) -> None:
    """The access log is for auditors (Inspector General, Congress) only."""
    if user.role is not Role.AUDITOR:
        raise Forbidden(
            f"only an auditor may read the access log; you are {with_article(user.role)}"
        )


def check_reason(reason: str | None) -> str:
    """A read of subject data needs a stated reason (who, when, which request, *why*)."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(
            f"reading subject data needs a reason of at least {MIN_REASON} characters",
            field="reason",
        )
    if len(text) > 1000:
        raise InvalidInput("the reason is longer than 1000 characters", field="reason")
    return text


def record_access(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    what: AccessKind,
    reason: str,
) -> AccessRecord:
    """Write who read what of which request, when, through which interface, and why."""
    record = AccessRecord(
        user_id=actor.id,
        request_id=request.id,
        what=what,
        reason=check_reason(reason),
        via=ctx.via,
        at=ctx.clock.now(),
    )
    session.add(record)
    return record


def list_access(
    *, session: Session, request_id: int | None = None, limit: int = 1000
) -> list[AccessRecord]:
    query = select(AccessRecord).order_by(AccessRecord.id.desc()).limit(limit)
    if request_id is not None:
        query = query.where(AccessRecord.request_id == request_id)
    return list(session.scalars(query))


def as_dict(record: AccessRecord) -> dict[str, object]:
    session = Session.object_session(record)
    user = session.get(User, record.user_id) if session else None
    request = session.get(Request, record.request_id) if session else None
    return {
        "at": record.at.isoformat(timespec="seconds"),
        "user": user.email if user else record.user_id,
        "role": user.role.value if user else None,
        "request": request.public_id if request else record.request_id,
        "what": record.what.value,
        "reason": record.reason,
        "via": record.via.value,
    }
