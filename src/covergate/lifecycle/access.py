"""Who may do what, who may see which request, and the record of every read.

One role check (:func:`require_role`), one visibility rule (:func:`can_see`) and
one access record (:func:`record_access`) for every step of every domain.

Visibility, least privilege first:

- a requester sees only their own agency's requests;
- an observer (postal staff running covers) sees only mail covers and records
  requests that are active, or approved and starting within
  :data:`OBSERVER_LEAD_DAYS` days: nothing of submitted, denied or ended ones;
- a court's user sees exactly the requests whose order names that court
  (``Request.court_id``), in any state;
- reviewers, approvers and auditors see every request;
- an admin sees none.

Everyone else gets NotFound, so another agency's ids leak nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.errors import Forbidden, InvalidInput, NotFound
from covergate.lifecycle.models import AccessKind, AccessRecord, Request
from covergate.lifecycle.period import refresh_state
from covergate.lifecycle.states import RequestState
from covergate.textchecks import no_control
from covergate.users.models import User
from covergate.users.schemas import Role, with_article

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MIN_REASON",
    "OBSERVER_LEAD_DAYS",
    "can_see",
    "check_reason",
    "get_visible",
    "list_visible",
    "record_access",
    "require_role",
]

MIN_REASON = 5
#: Bounds of one page of a list: beyond them databases overflow their integers.
MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000
#: An observer sees an approved cover this many days before it starts, to prepare.
OBSERVER_LEAD_DAYS = 7
#: Roles that see every request.
_SEE_ALL = frozenset({Role.REVIEWER, Role.APPROVER, Role.AUDITOR})


def require_role(actor: User, *roles: Role, doing: str) -> None:
    """Forbidden unless ``actor`` holds one of ``roles``; the message says who may."""
    if actor.role not in roles:
        names = " or ".join(with_article(r) for r in roles)
        raise Forbidden(f"only {names} may {doing}; you are {with_article(actor.role)}")


def can_see(actor: User, request: Request, *, ctx: ServiceContext) -> bool:
    """Whether ``actor`` may know that ``request`` exists (see the module docstring)."""
    if actor.role is Role.REQUESTER:
        return actor.agency_id is not None and actor.agency_id == request.agency_id
    if actor.role is Role.OBSERVER:
        return _observer_may_see(request, ctx)
    if actor.role is Role.COURT:
        return actor.court_id is not None and actor.court_id == request.court_id
    return actor.role in _SEE_ALL


def _observer_may_see(request: Request, ctx: ServiceContext) -> bool:
    if request.state is RequestState.ACTIVE:
        return True
    if request.state is RequestState.APPROVED and request.active_from is not None:
        return request.active_from <= ctx.clock.today() + timedelta(days=OBSERVER_LEAD_DAYS)
    return False


def visible_query(actor: User, ctx: ServiceContext) -> Select[Request] | None:
    """The requests ``actor`` may see, as a query; None when they may see none."""
    query = select(Request)
    if actor.role is Role.REQUESTER:
        return query.where(Request.agency_id == actor.agency_id)
    if actor.role is Role.OBSERVER:
        lead = ctx.clock.today() + timedelta(days=OBSERVER_LEAD_DAYS)
        return query.where(
            (Request.state == RequestState.ACTIVE)
            | ((Request.state == RequestState.APPROVED) & (Request.active_from <= lead))
        )
    if actor.role is Role.COURT:
        return None if actor.court_id is None else query.where(Request.court_id == actor.court_id)
    if actor.role in _SEE_ALL:
        return query
    return None


def get_visible(
    *, session: Session, ctx: ServiceContext, actor: User, public_id: str, refresh: bool = True
) -> Request:
    """The request if ``actor`` may see it (else NotFound, so others' ids leak nothing).

    ``refresh`` first starts or expires it if its date has come (a read must never
    show a cover as active past its end), then checks visibility on the result.
    """
    request = session.scalar(select(Request).where(Request.public_id == public_id))
    if request is None:
        raise NotFound(f"no request {public_id}")
    if refresh:
        refresh_state(session=session, ctx=ctx, request=request)
    if not can_see(actor, request, ctx=ctx):
        raise NotFound(f"no request {public_id}")
    return request


def list_visible(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    state: RequestState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Request]:
    """Requests the actor may see, newest first. There is no search by subject."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}", field="offset")
    query = visible_query(actor, ctx)
    if query is None:
        return []
    if state is not None:
        query = query.where(Request.state == state)
    return list(session.scalars(query.order_by(Request.id.desc()).limit(limit).offset(offset)))


def check_reason(reason: str | None) -> str:
    """A read of subject data needs a stated reason (who, when, which request, *why*)."""
    text = (reason or "").strip()
    try:
        # One line, as it is shown in the access log (a NUL would not even store).
        no_control(text)
    except ValueError as exc:
        raise InvalidInput(f"reason: {exc}", field="reason") from None
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
