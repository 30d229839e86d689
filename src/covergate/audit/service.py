"""Reading the access log (it is written by ``lifecycle.access.record_access``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.lifecycle.access import require_role
from covergate.lifecycle.models import AccessRecord, Request
from covergate.users.models import User
from covergate.users.schemas import Role


def require_auditor(user: User) -> None:
    """The access log is for auditors (Inspector General, Congress) only."""
    require_role(user, Role.AUDITOR, doing="read the access log")


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
