"""Every case file at once, for the compliance audit: a few set-based reads.

The audit looks at every request; reading each one's history, order and notice
one by one would be a query per request. :func:`load` reads each table once and
keeps dictionaries by request id instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from covergate.courts.models import CourtOrder
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.states import RequestState
from covergate.notices.models import Notice

__all__ = ["ENDED_STATES", "CaseFiles", "EventRow", "add_years", "load"]

#: The states of a cover or records request that has ended.
ENDED_STATES = frozenset(
    {
        RequestState.EXPIRED,
        RequestState.CLOSED,
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
    }
)
_ENDING_EVENTS = frozenset({EventType.EXPIRED, EventType.CLOSED})


@dataclass(frozen=True, slots=True)
class EventRow:
    """One line of a request's history, as stored (``request_events``)."""

    request_id: int
    event: EventType
    state: RequestState
    day: date
    entry_index: int


@dataclass
class CaseFiles:
    requests: dict[int, Request]
    events: dict[int, list[EventRow]]  # by request id, in log order
    orders: dict[int, CourtOrder]  # by request id
    notices: dict[int, Notice]  # by request id

    def all_events(self) -> list[EventRow]:
        return [e for rows in self.events.values() for e in rows]

    def ended_on(self, request: Request) -> date | None:
        """The day the request ended: its cover's first expiry or close, as logged (a
        denied request: the day of its decision); None while it is open."""
        rows = self.events.get(request.id, ())
        if request.state is RequestState.DENIED:
            decided = [row.day for row in rows if row.event is EventType.DECIDED]
            return decided[-1] if decided else None
        for row in rows:
            if row.event in _ENDING_EVENTS:
                return row.day
        return request.closed_on

    def started(self, request: Request) -> bool:
        return any(row.event is EventType.STARTED for row in self.events.get(request.id, ()))


def load(session: Session) -> CaseFiles:
    """Requests, their histories, orders and notices: one query per table."""
    # The joined agency and submitter are not needed here: leave them unloaded.
    query = select(Request).options(lazyload(Request.agency), lazyload(Request.submitter))
    requests = {r.id: r for r in session.scalars(query.order_by(Request.id))}
    events: dict[int, list[EventRow]] = defaultdict(list)
    rows = session.execute(
        select(
            RequestEvent.request_id,
            RequestEvent.event,
            RequestEvent.state,
            RequestEvent.day,
            RequestEvent.entry_index,
        ).order_by(RequestEvent.entry_index)
    )
    for request_id, event, state, day, entry_index in rows:
        events[request_id].append(EventRow(request_id, event, state, day, entry_index))
    orders = {o.request_id: o for o in session.scalars(select(CourtOrder))}
    notices = {n.request_id: n for n in session.scalars(select(Notice))}
    return CaseFiles(requests, dict(events), orders, notices)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
