"""The authorised period: computed from the decision, and it ends by itself.

39 CFR 233.3(d), (g): nothing may be recorded before a cover is ordered, so the
window never starts before the day of the decision (:func:`authorised_window`).
:func:`refresh_state` starts an approved cover on its first day and expires it
after its last; it runs on every read and step and in :func:`sweep`, so that no
cover runs past its end whether or not anyone remembers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.errors import InvalidInput
from covergate.lifecycle.advance import advance
from covergate.lifecycle.due import covers_to_move
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import Action, RequestState

__all__ = ["Window", "authorised_window", "refresh_state", "sweep"]


@dataclass(frozen=True)
class Window:
    """The first and last day on which anything may be recorded, both included."""

    start: date
    end: date
    moved_from: date | None  # the start asked for, when it was before the decision

    @property
    def note(self) -> str | None:
        if self.moved_from is None:
            return None
        return (
            f"the start asked for, {self.moved_from}, is before the decision: the window "
            f"starts on the day of the decision, {self.start}, 39 CFR 233.3(d), (g)"
        )


def authorised_window(*, asked_start: date, days: int, decided_on: date) -> Window:
    """``days`` days from the later of the start asked for and the decision day.

    InvalidInput (naming ``days``) if the last day would not be a date; the request
    document's dates are bounded, so only a caller skipping validation gets there.
    """
    start = max(asked_start, decided_on)
    try:
        end = start + timedelta(days=days - 1)
    except OverflowError:
        raise InvalidInput(
            f"days: {days} days from {start} end after the last date there is", field="days"
        ) from None
    return Window(
        start=start,
        end=end,
        moved_from=asked_start if asked_start < decided_on else None,
    )


def refresh_state(*, session: Session, ctx: ServiceContext, request: Request) -> Request:
    """Start an approved cover on its start date and expire it after its last day."""
    today = ctx.clock.today()
    if (
        request.state is RequestState.APPROVED
        and request.active_from is not None
        and request.active_until is not None
        and today >= request.active_from
    ):
        advance(
            session=session,
            ctx=ctx,
            request=request,
            action=Action.START,
            event=EventType.STARTED,
            actor=None,
            day=today,  # the log records when it happened; the window is in the record
            detail={"active_from": request.active_from.isoformat()},
        )
    if (
        request.state is RequestState.ACTIVE
        and request.active_until is not None
        and today > request.active_until
    ):
        advance(
            session=session,
            ctx=ctx,
            request=request,
            action=Action.EXPIRE,
            event=EventType.EXPIRED,
            actor=None,
            day=today,
            detail={"active_until": request.active_until.isoformat()},
        )
    return request


def sweep(*, session: Session, ctx: ServiceContext, limit: int = 10_000) -> int:
    """Start and expire every request whose date has come; returns how many changed."""
    today = ctx.clock.today()
    due = session.scalars(covers_to_move(today).order_by(Request.id).limit(limit)).all()
    for request in due:
        refresh_state(session=session, ctx=ctx, request=request)
    return len(due)
