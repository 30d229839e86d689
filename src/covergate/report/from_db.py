"""The report's facts from the database's own tables: what the server publishes.

:func:`facts_from_db` finds the same :class:`LogFacts` that a recount of the
public log finds (``report.from_log``), but from the case files (requests, their
history rows, decisions, orders, notices, observations), not from the log's
entries: two independent paths, so that a test can show they agree and a reader
can trust that the page's figures are the log's.

The publication rule (``lifecycle.sealing``, ``report.disclosure``) decides what
each request contributes, as of the log's first ``log_size`` entries:

- disclosed (its ``disclosed`` entry is among them): every event open, with its
  exact day, its outcome as the entry states it, an order's seal date, and the
  :class:`Disclosure` that entry published;
- not disclosed but sealed (it has a details key): each event's month and a
  decision's outcome only;
- from before sealing (no details key, never disclosed): its entries were
  written open, so every event is open, and no level is known.

Every figure the entries state is rederived here from the row that caused it:
a decision's outcome from ``Decision``, a close's reason from the request, a
notice's ``on_time``/``late`` from ``Notice``, an unsealing's outcome from who
acted, a seal date from ``CourtOrder``. The one exception is the program's
events (destruction runs, notices found overdue): the database keeps no row for
them besides their log entry, so their public JSON is read from ``LogEntry``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from covergate.agencies.models import Agency
from covergate.courts.models import CourtOrder
from covergate.covers.models import Observation, RefusedObservation
from covergate.errors import InvalidInput, MalformedLogData
from covergate.lifecycle.disclosed import statute_class
from covergate.lifecycle.events import ORDER_EVENTS, EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.states import DecisionOutcome
from covergate.notices.models import Notice
from covergate.report.schemas import Disclosure, EventFact, LogFacts, ProgramFact, RequestFacts
from covergate.requests.models import Decision
from covergate.transparency.models import LogEntry

__all__ = ["facts_from_db"]

#: A decision's outcome as its ``decided`` entry (and the disclosure) states it.
DECIDED = {
    DecisionOutcome.APPROVE: "approved",
    DecisionOutcome.MODIFY: "modified",
    DecisionOutcome.DENY: "denied",
}
_PROGRAM = frozenset({EventType.DESTRUCTION_RUN, EventType.NOTICES_OVERDUE})


@dataclass(frozen=True)
class _Event:
    request_id: int
    event: EventType
    day: date
    index: int
    by_someone: bool  # an actor acted (not the software's sweep)


@dataclass
class _Related:
    """The rows besides a request's own that its facts are derived from."""

    decisions: list[tuple[DecisionOutcome, str]]  # (outcome, delegation), in order
    notice: tuple[date, date | None] | None = None  # (due_on, mailed_on)
    order_sealed_until: date | None = None
    observations: int = 0
    refused: list[tuple[str, date]] | None = None  # (reason, refused_on)


def facts_from_db(session: Session, *, log_size: int | None = None) -> LogFacts:
    """The facts of the log's first ``log_size`` entries, from the database's tables.

    ``log_size`` defaults to every sequenced entry (the log's size including the
    entries still waiting to be integrated); the server passes the size of its
    last signed checkpoint. InvalidInput when it is negative or beyond the log.
    A handful of queries, none per request.
    """
    sequenced = int(session.scalar(select(func.coalesce(func.max(LogEntry.idx) + 1, 0))) or 0)
    if log_size is None:
        size = sequenced
    elif type(log_size) is not int or not 0 <= log_size <= sequenced:
        raise InvalidInput(
            f"log_size {log_size!r} is not between 0 and the log's {sequenced} entries",
            field="log_size",
        )
    else:
        size = log_size
    events = _events(session, size)
    related = _related(session, size)
    requests = [
        _request_facts(row, events[row["id"]], related[row["id"]])
        for row in _requests(session, size)
    ]
    requests.sort(key=lambda facts: facts.request)
    return LogFacts(log_size=size, requests=tuple(requests), program=_program(session, size))


# --- queries -------------------------------------------------------------------------


def _in_log(size: int) -> Select[int]:
    """The ids of the requests with an entry among the first ``size``."""
    return select(RequestEvent.request_id).where(RequestEvent.entry_index < size)


def _events(session: Session, size: int) -> dict[int, list[_Event]]:
    rows = session.execute(
        select(
            RequestEvent.request_id,
            RequestEvent.event,
            RequestEvent.day,
            RequestEvent.entry_index,
            RequestEvent.actor_id.is_not(None),
        )
        .where(RequestEvent.entry_index < size)
        .order_by(RequestEvent.entry_index)
    )
    found: dict[int, list[_Event]] = defaultdict(list)
    for request_id, event, day, index, by_someone in rows:
        found[request_id].append(_Event(request_id, event, day, index, bool(by_someone)))
    return found


def _requests(session: Session, size: int) -> list[dict[str, Any]]:
    parent = aliased(Request)
    rows = session.execute(
        select(
            Request.id,
            Request.public_id,
            Request.kind,
            Request.ground,
            Request.legal_process,
            Request.public_document,
            Request.order_due,
            Request.days_requested,
            Request.authorised_days,
            Request.authorised_categories,
            Request.close_reason,
            Request.observations_destroyed,
            Request.destruction_reason,
            Request.details_key.is_not(None).label("sealed"),
            Request.disclosed_on,
            Agency.name.label("agency"),
            Agency.jurisdiction,
            parent.public_id.label("extends"),
        )
        .join(Agency, Agency.id == Request.agency_id)
        .outerjoin(parent, parent.id == Request.parent_id)
        .where(Request.id.in_(_in_log(size)))
    )
    return [dict(row._mapping) for row in rows]


def _related(session: Session, size: int) -> dict[int, _Related]:
    """Decisions, notices, orders, observations and refusals of the requests in the log."""
    in_log = _in_log(size)
    related: dict[int, _Related] = defaultdict(lambda: _Related(decisions=[]))
    for request_id, outcome, delegation in session.execute(
        select(Decision.request_id, Decision.outcome, Decision.delegation)
        .where(Decision.request_id.in_(in_log))
        .order_by(Decision.id)
    ):
        related[request_id].decisions.append((outcome, delegation.value))
    for request_id, due_on, mailed_on in session.execute(
        select(Notice.request_id, Notice.due_on, Notice.mailed_on).where(
            Notice.request_id.in_(in_log)
        )
    ):
        related[request_id].notice = (due_on, mailed_on)
    for request_id, sealed_until in session.execute(
        select(CourtOrder.request_id, CourtOrder.sealed_until).where(
            CourtOrder.request_id.in_(in_log)
        )
    ):
        related[request_id].order_sealed_until = sealed_until
    for request_id, count in session.execute(
        select(Observation.request_id, func.count())
        .where(Observation.request_id.in_(in_log))
        .group_by(Observation.request_id)
    ):
        related[request_id].observations = int(count)
    for request_id, reason, refused_on in session.execute(
        select(
            RefusedObservation.request_id, RefusedObservation.reason, RefusedObservation.refused_on
        ).where(RefusedObservation.request_id.in_(in_log))
    ):
        found = related[request_id]
        found.refused = [*(found.refused or []), (reason.value, refused_on)]
    return related


def _program(session: Session, size: int) -> tuple[ProgramFact, ...]:
    """The program's events among the first ``size`` entries.

    The one read of ``LogEntry``: a destruction run or a sweep's overdue notices
    leave no row of their own (the count and the requests are only in the entry
    and its committed private record). Only entries no history row names are read.
    """
    rows = session.execute(
        select(LogEntry.idx, LogEntry.data)
        .where(
            LogEntry.idx < size,
            ~exists().where(RequestEvent.entry_index == LogEntry.idx),
        )
        .order_by(LogEntry.idx)
    )
    facts = []
    for index, data in rows:
        try:
            fields = json.loads(bytes(data))
        except ValueError as exc:
            raise MalformedLogData(f"log entry {index} is not JSON") from exc
        if not isinstance(fields, dict) or fields.get("event") not in _PROGRAM:
            continue  # not a program event (nothing else is logged without a history row)
        day, count = fields.get("date"), fields.get("count")
        if not isinstance(day, str) or type(count) is not int:
            raise MalformedLogData(f"log entry {index} is a program event without date or count")
        try:
            parsed = date.fromisoformat(day)
        except ValueError as exc:
            raise MalformedLogData(f"log entry {index} has a malformed date") from exc
        facts.append(ProgramFact(int(index), EventType(fields["event"]), parsed, count))
    return tuple(facts)


# --- derivations ---------------------------------------------------------------------


def _request_facts(row: dict[str, Any], events: list[_Event], related: _Related) -> RequestFacts:
    disclosed = next((e for e in events if e.event is EventType.DISCLOSED), None)
    legacy = not row["sealed"] and row["disclosed_on"] is None
    is_open = disclosed is not None or legacy
    facts = []
    decisions = iter(related.decisions)
    for event in events:
        if event.event is EventType.DISCLOSED:
            continue
        decided = next(decisions, None) if event.event is EventType.DECIDED else None
        outcome = DECIDED[decided[0]] if decided is not None else None
        if not is_open:
            facts.append(EventFact(event.index, event.event, _month(event.day), outcome=outcome))
            continue
        facts.append(
            EventFact(
                event.index,
                event.event,
                _month(event.day),
                day=event.day,
                outcome=outcome or _open_outcome(event, row, related),
                sealed_until=_sealed_until(event, related),
            )
        )
    return RequestFacts(
        request=row["public_id"],
        level=None if legacy else row["jurisdiction"].value,
        events=tuple(facts),
        disclosure=None if disclosed is None else _disclosure(row, disclosed, events, related),
    )


def _month(day: date) -> str:
    return day.isoformat()[:7]


def _open_outcome(event: _Event, row: dict[str, Any], related: _Related) -> str | None:
    """The outcome an open entry of ``event`` states (a decision's is handled apart)."""
    kind = event.event
    if kind is EventType.CLOSED and row["close_reason"] is not None:
        return str(row["close_reason"].value)
    if kind is EventType.DATA_DESTROYED:
        return _destruction_reason(row)
    if kind is EventType.NOTICE_SERVED and related.notice is not None:
        due_on, mailed_on = related.notice
        return "late" if mailed_on is not None and mailed_on > due_on else "on_time"
    if kind is EventType.ORDER_UNSEALED:
        # A user of the court unseals (``court``); the daily sweep, no actor, when
        # the seal's day comes (``seal_expired``): courts.service.unseal/sweep_unsealing.
        return "court" if event.by_someone else "seal_expired"
    return None


def _destruction_reason(row: dict[str, Any]) -> str | None:
    reason = row["destruction_reason"]
    return None if reason is None else str(reason.value)


def _sealed_until(event: _Event, related: _Related) -> date | None:
    """An order event's seal date: none when filed (the court has not acted yet)."""
    if event.event not in ORDER_EVENTS or event.event is EventType.ORDER_FILED:
        return None
    return related.order_sealed_until


def _disclosure(
    row: dict[str, Any], disclosed: _Event, events: list[_Event], related: _Related
) -> Disclosure:
    """The facts the ``disclosed`` entry published, as ``report.disclosure.disclose`` took
    them on that day: what changed since (a close by the retention sweep, a refusal
    recorded later) is left out."""
    document = row["public_document"] or {}
    emergency = document.get("emergency")
    purpose = document.get("purpose")
    decision = related.decisions[-1] if related.decisions else None
    closed_before = any(e.event is EventType.CLOSED and e.index < disclosed.index for e in events)
    # A refusal has only its day: one attempted on the disclosure's own day, after the
    # sweep, would be counted here and not in the entry (an ended cover's late attempt).
    refused: dict[str, int] = defaultdict(int)
    for reason, refused_on in related.refused or []:
        if refused_on <= disclosed.day:
            refused[reason] += 1
    return Disclosure(
        index=disclosed.index,
        day=disclosed.day,
        agency=row["agency"],
        level=row["jurisdiction"].value,
        kind=row["kind"].value,
        ground=row["ground"].value,
        statute_class=statute_class(purpose.get("statute") if isinstance(purpose, dict) else None),
        legal_process=None if row["legal_process"] is None else row["legal_process"].value,
        delegation=None if decision is None else decision[1],
        emergency=emergency.get("kind") if isinstance(emergency, dict) else None,
        order_due=row["order_due"],
        outcome=None if decision is None else DECIDED[decision[0]],
        days_requested=row["days_requested"],
        days_authorised=row["authorised_days"],
        extends=row["extends"],
        pieces_recorded=related.observations + (row["observations_destroyed"] or 0),
        refused=tuple(sorted((reason, n) for reason, n in refused.items() if n)),
        categories=tuple(sorted(row["authorised_categories"] or [])),
        close_reason=(row["close_reason"].value if closed_before and row["close_reason"] else None),
    )
