"""The report's building blocks, and its national tables, exact over every request.

What every table module shares: the :class:`Scope` of a period (which months
count, and the last month "at period end" means), :func:`label` for enum values,
:func:`band` for small cells, and how a request's receipt and events are read.

The national tables here need only what a sealed entry shows (level, month,
event, a decision's outcome), so they count sealed and disclosed requests alike
and are exact: anyone recounts them from the log, so banding them would hide
nothing. Every count is by the *month* of the event that it counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from covergate import labels
from covergate.lifecycle.events import EventType
from covergate.report.schemas import BAND, Cell, EventFact, LogFacts, Period, RequestFacts, Table

__all__ = [
    "APPROVING",
    "BANDED_NOTE",
    "ENDS",
    "LEVELS",
    "RECEIPT",
    "Row",
    "Scope",
    "active_table",
    "band",
    "banded_rows",
    "destruction_table",
    "event_table",
    "first",
    "label",
    "level_keys",
    "level_label",
    "log_months",
    "outcomes_table",
    "program_table",
    "receipt",
    "received_table",
    "share",
]

Row = tuple[Cell, ...]

#: The levels every by-level table shows, in this order, even when zero.
LEVELS = ("federal", "state", "local")
#: A request arrives with one of these: a new request, or an extension of one.
RECEIPT = frozenset({EventType.SUBMITTED, EventType.EXTENDED})
#: The events that end a running cover.
ENDS = frozenset({EventType.EXPIRED, EventType.CLOSED})
#: A decision's outcomes that let a request go ahead (in full, or narrowed).
APPROVING = frozenset({"approved", "modified"})
BANDED_NOTE = " Cells from 1 to 9 are shown as 1-9."


def label(value: str | None) -> str:
    """Human words for an enum value (:func:`covergate.labels.label`, the staff pages' words).

    >>> label("national_security"), label("usc_title_18"), label("modified"), label(None)
    ('National security', '18 U.S.C.', 'Narrowed', 'Not stated')
    """
    return labels.label(value)


def level_label(level: str | None) -> str:
    """A level's row label; None is a request logged before entries carried a level."""
    return "Unknown" if level is None else label(level)


def band(cell: Cell) -> Cell:
    """A count from 1 to 9 becomes :data:`BAND`; 0, 10 and more, and non-counts stay.

    >>> band(0), band(1), band(9), band(10), band(2.5), band("x")
    (0, '1-9', '1-9', 10, 2.5, 'x')
    """
    if type(cell) is int and 1 <= cell <= 9:
        return BAND
    return cell


def banded_rows(rows: Iterable[Row]) -> tuple[Row, ...]:
    """Every count cell of every row banded (the first cell names the row: never)."""
    return tuple((row[0], *(band(cell) for cell in row[1:])) for row in rows)


def share(approved: int, decided: int) -> float | None:
    """The share approved (in full or narrowed), to 4 places; None when nothing was decided."""
    return round(approved / decided, 4) if decided else None


def _month_end(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    following = date(year + mon // 12, mon % 12 + 1, 1)
    return following - timedelta(days=1)


def log_months(facts: LogFacts) -> list[str]:
    """Every month the log's entries fall in (requests' events, disclosures, the program)."""
    months = [event.month for request in facts.requests for event in request.events]
    months += [r.disclosure.day.isoformat()[:7] for r in facts.requests if r.disclosure]
    months += [fact.day.isoformat()[:7] for fact in facts.program]
    return months


@dataclass(frozen=True)
class Scope:
    """What a period counts: its months, and the last month and day of "period end".

    For ``all`` the end is the last month the log reaches (there is no clock in
    the figures: a recount of the same log gives the same end). ``end_month`` is
    None only for an empty log.
    """

    period: Period
    end_month: str | None
    end_day: date | None

    @classmethod
    def of(cls, facts: LogFacts, period: Period) -> Scope:
        if period.last is not None:
            return cls(period, period.last.isoformat()[:7], period.last)
        months = log_months(facts)
        if not months:
            return cls(period, None, None)
        last = max(months)
        return cls(period, last, _month_end(last))

    def within(self, month: str) -> bool:
        return self.period.contains_month(month)

    def on(self, day: date) -> bool:
        return self.period.contains(day)

    def by_end(self, month: str) -> bool:
        """Whether ``month`` is on or before the period's end."""
        return self.end_month is None or month <= self.end_month


def first(request: RequestFacts, kinds: Iterable[EventType]) -> EventFact | None:
    """The request's first event of one of ``kinds`` (log order), or None."""
    wanted = frozenset(kinds)
    return next((event for event in request.events if event.event in wanted), None)


def receipt(request: RequestFacts) -> EventFact | None:
    """The entry that received the request: ``submitted``, or ``extended`` for an extension."""
    return first(request, RECEIPT)


def level_keys(requests: Sequence[RequestFacts]) -> list[str | None]:
    """The three levels, then any other level seen (sorted), then None if seen."""
    seen = {request.level for request in requests}
    others = sorted(level for level in seen if level is not None and level not in LEVELS)
    return [*LEVELS, *others, *([None] if None in seen else [])]


def received_table(facts: LogFacts, scope: Scope) -> Table:
    new: Counter[str | None] = Counter()
    extensions: Counter[str | None] = Counter()
    for request in facts.requests:
        event = receipt(request)
        if event is not None and scope.within(event.month):
            target = new if event.event is EventType.SUBMITTED else extensions
            target[request.level] += 1
    rows = [
        (level_label(level), new[level] + extensions[level], new[level], extensions[level])
        for level in level_keys(facts.requests)
    ]
    return Table(
        id="received",
        title="Requests received, by level",
        note=(
            "Every request, sealed or disclosed, counted by the month of its submitted "
            "entry (extended for an extension)."
        ),
        columns=("Level", "Received", "New requests", "Extensions"),
        rows=tuple(rows),
        chart="bar",
    )


def _withdrawn(request: RequestFacts, scope: Scope) -> bool:
    approved = any(
        event.event is EventType.DECIDED and event.outcome in APPROVING for event in request.events
    )
    closed = first(request, [EventType.CLOSED])
    started = first(request, [EventType.STARTED])
    return approved and started is None and closed is not None and scope.within(closed.month)


def _pending(request: RequestFacts, scope: Scope) -> bool:
    arrived = receipt(request)
    if arrived is None or not scope.by_end(arrived.month):
        return False
    return not any(
        event.event is EventType.DECIDED and scope.by_end(event.month) for event in request.events
    )


def outcomes_table(facts: LogFacts, scope: Scope) -> Table:
    decided: dict[str | None, Counter[str]] = {}
    for request in facts.requests:
        counts = decided.setdefault(request.level, Counter())
        for event in request.events:
            if (
                event.event is EventType.DECIDED
                and scope.within(event.month)
                and event.outcome in ("approved", "modified", "denied")
            ):
                counts[event.outcome] += 1
        counts["withdrawn"] += _withdrawn(request, scope)
        counts["pending"] += _pending(request, scope)
    rows = []
    for level in level_keys(facts.requests):
        counts = decided.get(level, Counter())
        approved, modified, denied = counts["approved"], counts["modified"], counts["denied"]
        total = approved + modified + denied
        rows.append(
            (
                level_label(level),
                total,
                approved,
                modified,
                denied,
                counts["withdrawn"],
                counts["pending"],
                share(approved + modified, total),
            )
        )
    return Table(
        id="outcomes",
        title="Decisions, by level",
        note=(
            "Every request: decisions by the month of the decided entry; withdrawn = approved, "
            "then closed (in the period) without ever starting, covergate's only withdrawal; "
            "pending = received by the "
            "period's end and not decided by then; share = (in full + narrowed) / decided."
        ),
        columns=(
            "Level",
            "Decided",
            "Approved in full",
            "Narrowed",
            "Denied",
            "Withdrawn",
            "Pending",
            "Share approved",
        ),
        rows=tuple(rows),
        chart="bar",
    )


def _active_at_end(request: RequestFacts, scope: Scope) -> bool:
    started = any(
        event.event is EventType.STARTED and scope.by_end(event.month) for event in request.events
    )
    ended = any(event.event in ENDS and scope.by_end(event.month) for event in request.events)
    return started and not ended


def active_table(facts: LogFacts, scope: Scope) -> Table:
    active = Counter(r.level for r in facts.requests if _active_at_end(r, scope))
    rows = [(level_label(level), active[level]) for level in level_keys(facts.requests)]
    return Table(
        id="active",
        title="Covers active at the period's end, by level",
        note=(
            "Every request with a started entry in or before the period's last month and no "
            "expired or closed entry by then (for all: the last month of the log)."
        ),
        columns=("Level", "Active"),
        rows=tuple(rows),
        chart="bar",
    )


def event_table(
    facts: LogFacts,
    scope: Scope,
    *,
    table_id: str,
    title: str,
    kinds: Sequence[EventType],
) -> Table:
    """How many entries of each kind fall in the period (every request, by month)."""
    counts = Counter(
        event.event
        for request in facts.requests
        for event in request.events
        if event.event in kinds and scope.within(event.month)
    )
    return Table(
        id=table_id,
        title=title,
        note="Every request, sealed or disclosed: entries of each kind, by the month of the entry.",
        columns=("Entry", "Entries"),
        rows=tuple((label(kind.value), counts[kind]) for kind in kinds),
        chart="bar",
    )


def destruction_table(facts: LogFacts, scope: Scope) -> Table:
    destroyed = sum(
        event.event is EventType.DATA_DESTROYED and scope.within(event.month)
        for request in facts.requests
        for event in request.events
    )
    runs = [f for f in facts.program if f.event is EventType.DESTRUCTION_RUN and scope.on(f.day)]
    rows: list[Row] = [
        ("Requests whose data was destroyed", destroyed),
        ("Destruction runs", len(runs)),
        ("Records destroyed by the runs", sum(f.count for f in runs)),
    ]
    return Table(
        id="destruction",
        title="Data destroyed",
        note=(
            "Every request's data_destroyed entries by month; the program's destruction_run "
            "entries by day."
        ),
        columns=("Item", "Count"),
        rows=tuple(rows),
    )


def program_table(facts: LogFacts, scope: Scope) -> Table:
    days: dict[str, Counter[EventType]] = {}
    for fact in facts.program:
        if scope.on(fact.day):
            days.setdefault(fact.day.isoformat(), Counter())[fact.event] += fact.count
    rows = [
        (day, days[day][EventType.DESTRUCTION_RUN], days[day][EventType.NOTICES_OVERDUE])
        for day in sorted(days)
    ]
    return Table(
        id="program",
        title="The program's daily checks",
        note=(
            "The program's own entries, by day: records destroyed by destruction_run, notices "
            "found overdue by notices_overdue."
        ),
        columns=("Day", "Records destroyed", "Notices found overdue"),
        rows=tuple(rows),
    )
