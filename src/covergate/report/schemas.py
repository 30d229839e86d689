"""What the transparency report is computed from, and what it is.

Pure data, no database. Two sources give the same :class:`LogFacts`: the
database (``report.from_db``, what the server publishes) and the public log
(``report.from_log``, what anyone recounts). :func:`report.figures.compute` turns
facts into a :class:`Report`; the page, the CSV and JSON downloads, the API and
``covergate report`` all show that one object.

The facts respect the publication rule (``lifecycle.sealing``): for a request not
yet disclosed only what its sealed entries show (level, month, event, a decision's
outcome); for a disclosed one, the exact day of every event and its
:class:`Disclosure`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from covergate.errors import InvalidInput
from covergate.lifecycle.events import EventType

__all__ = [
    "BAND",
    "Cell",
    "Disclosure",
    "EventFact",
    "LogFacts",
    "Period",
    "PeriodKind",
    "ProgramFact",
    "Report",
    "RequestFacts",
    "Table",
]


class PeriodKind(StrEnum):
    HALF = "half"  # January-June or July-December
    YEAR = "year"
    ALL = "all"


_PERIOD = re.compile(r"(?P<year>\d{4})(-H(?P<half>[12]))?")


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: ``2026-H1``, ``2026`` or ``all``; month-aligned.

    >>> Period.parse("2026-H2").first, Period.parse("2026-H2").last
    (datetime.date(2026, 7, 1), datetime.date(2026, 12, 31))
    >>> Period.parse("2026").contains_month("2026-11")
    True
    """

    kind: PeriodKind
    year: int | None = None
    half: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        if text == "all":
            return cls(PeriodKind.ALL)
        match = _PERIOD.fullmatch(text)
        if match is None or not 1900 <= int(match["year"]) <= 9999:
            raise InvalidInput(
                f"period {text[:40]!r} is not 'all', a year (2026) or a half-year (2026-H1)",
                field="period",
            )
        year = int(match["year"])
        if match["half"]:
            return cls(PeriodKind.HALF, year, int(match["half"]))
        return cls(PeriodKind.YEAR, year)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.ALL:
            return "all"
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        return f"{self.year}-H{self.half}"

    @property
    def first(self) -> date | None:
        if self.year is None:
            return None
        return date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def last(self) -> date | None:
        if self.year is None:
            return None
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def contains_month(self, month: str) -> bool:
        """Whether ``YYYY-MM`` falls in the period."""
        if self.year is None:
            return True
        year, mon = int(month[:4]), int(month[5:7])
        if year != self.year:
            return False
        return self.half is None or (mon <= 6) == (self.half == 1)

    def contains(self, day: date) -> bool:
        return self.contains_month(day.isoformat()[:7])


@dataclass(frozen=True)
class EventFact:
    """One log entry of a request, as far as the publication rule lets it be read.

    ``day`` is None while the request is sealed (only ``month`` is public).
    ``outcome`` is a decision's outcome (public even while sealed), and once
    opened any event's outcome (a notice mailed ``on_time``/``late``, an order's).
    ``sealed_until`` is an order's seal date (opened order events only).
    """

    index: int  # the entry's index in the log
    event: EventType
    month: str  # YYYY-MM
    day: date | None = None
    outcome: str | None = None
    sealed_until: date | None = None


@dataclass(frozen=True)
class Disclosure:
    """The ``disclosed`` entry of a request: see ``lifecycle.events.DisclosureEvent``."""

    index: int
    day: date
    agency: str
    level: str
    kind: str
    ground: str
    statute_class: str
    legal_process: str | None
    delegation: str | None
    emergency: str | None
    order_due: date | None
    outcome: str | None  # approved, modified, denied; None: never decided
    days_requested: int
    days_authorised: int | None
    extends: str | None  # the public id of the request this one extends
    pieces_recorded: int
    refused: tuple[tuple[str, int], ...]  # (reason, count), sorted by reason, counts > 0
    categories: tuple[str, ...]  # the categories authorised, sorted
    close_reason: str | None


@dataclass(frozen=True)
class RequestFacts:
    """Everything the report may count about one request."""

    request: str  # the random public id
    level: str | None  # federal, state, local; None only for entries older than sealing
    events: tuple[EventFact, ...]  # in log order (excluding the disclosed entry)
    disclosure: Disclosure | None = None


@dataclass(frozen=True)
class ProgramFact:
    """An event of the program (a destruction run, notices found overdue)."""

    index: int
    event: EventType
    day: date
    count: int


@dataclass(frozen=True)
class LogFacts:
    """The facts of a whole log of ``log_size`` entries."""

    log_size: int
    requests: tuple[RequestFacts, ...]  # sorted by request id
    program: tuple[ProgramFact, ...] = field(default=())


#: A cross-tabulated count below 10 (and above 0) is shown as this band.
BAND = "1-9"
Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One table of the report: the page shows it, ``/report/<id>.csv`` downloads it.

    ``columns[0]`` names the rows; each row is a label then one cell per other
    column. ``note`` says in one line how it is counted (which date, which
    requests). ``chart`` is how the page draws it: ``bar`` (the first numeric
    column per row), ``trend`` (one point per row, rows are half-years) or None.
    """

    id: str  # slug, stable: part of the download URL
    title: str
    note: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: str | None = None
    banded: bool = False  # small cells are bands (BAND), not exact


@dataclass(frozen=True)
class Report:
    period: Period
    log_size: int  # the figures are those of the log's first ``log_size`` entries
    headline: tuple[tuple[str, Cell], ...]  # (label, value): national totals, exact
    tables: tuple[Table, ...]

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)
