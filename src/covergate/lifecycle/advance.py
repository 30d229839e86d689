"""One function performs every step: :func:`advance`.

A step of any domain calls it once, in the caller's transaction, after its own
checks and writes. It moves the request (if the step is a transition), writes the
history row and appends the transparency-log entry, so that a state change and its
entry commit together or not at all. :func:`record_event` is the same without a
transition (an event that changes no state, such as an extension's submission).

Example (the whole of a simple step)::

    def review(*, session, ctx, actor, request, note):
        require_role(actor, Role.REVIEWER, doing="review requests")
        request.reviewer_id = actor.id
        advance(session=session, ctx=ctx, request=request, action=Action.REVIEW,
                event=EventType.REVIEWED, actor=actor)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.errors import InvalidInput
from covergate.lifecycle.events import DisclosureEvent, EventType, OrderEvent, PublicEvent
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.sealing import SealedEvent, new_details_key, seal_fields
from covergate.lifecycle.states import Action, next_state
from covergate.transparency.schemas import PublicRecord, check_public_fields
from covergate.transparency.service import append_event
from covergate.users.models import User

__all__ = ["advance", "record_event"]


def advance(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    action: Action,
    event: EventType,
    actor: User | None,
    day: date | None = None,
    outcome: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> int:
    """Move ``request`` by ``action``, record it and log it; returns the log index.

    InvalidTransition (nothing written) when ``action`` is not allowed from the
    request's state. ``day`` defaults to today; ``detail`` goes into the private
    record only (committed to, never published).
    """
    request.state = next_state(request.state, action)
    request.updated_at = ctx.clock.now()
    return record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=event,
        actor=actor,
        day=day,
        outcome=outcome,
        detail=detail,
    )


def record_event(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    event: EventType,
    actor: User | None,
    day: date | None = None,
    outcome: str | None = None,
    detail: Mapping[str, object] | None = None,
    public: OrderEvent | DisclosureEvent | None = None,
) -> int:
    """Write the history row and the log entry of ``event``, in the caller's transaction.

    ``public`` is the entry's public record when the event's schema is not the
    request's own :class:`PublicEvent` (a court order's :class:`OrderEvent`); it
    must be of the same event and request.
    """
    day = day or ctx.clock.today()
    if public is not None and (public.event is not event or public.request_id != request.public_id):
        raise InvalidInput("the public record names another event or request")
    private_record: dict[str, object] = {
        "request": request.public_id,
        "event": event.value,
        "state": request.state.value,
        "day": day.isoformat(),
        "actor": actor.email if actor else None,
        "delegation": actor.delegation.value if actor and actor.delegation else None,
        "document_sha256": request.body_digest.hex() if request.body_digest else None,
        "detail": dict(detail or {}),
    }
    record: PublicRecord = public or PublicEvent(
        event=event,
        request_id=request.public_id,
        day=day,
        agency=request.agency.name,
        kind=request.kind,
        ground=request.ground,
        legal_process=request.legal_process,
        policy=request.policy_name,
        policy_version=request.policy_version,
        outcome=outcome,
        state=request.state.value,
    )
    if request.disclosed_on is None:
        # The publication rule: until the request is disclosed its entries are sealed.
        if request.details_key is None:
            request.details_key = new_details_key()
        record = SealedEvent(
            seal_fields(
                check_public_fields(record),
                key=request.details_key,
                level=request.agency.jurisdiction.value,
            )
        )
    index = append_event(
        session=session, event=record, private_record=private_record, cipher=ctx.cipher
    )
    # A Core insert on the same connection: same transaction, no unit-of-work pass.
    session.connection().execute(
        insert(cast(Table, RequestEvent.__table__)),
        {
            "request_id": request.id,
            "event": event.value,
            "state": request.state,
            "day": day,
            "actor_id": actor.id if actor else None,
            "entry_index": index,
            "at": ctx.clock.now(),
        },
    )
    return index
