"""The transparency report's figures: :func:`compute` turns the log's facts into a Report.

Pure and deterministic: no database, no clock, rows in a fixed order, so a
recount from the public log (``report.from_log``) gives byte for byte the JSON
the server publishes (``report.from_db``). What each table counts, and by the
date of which entry, is in its ``note``; docs/REPORT.md has the whole list.

Two kinds of figure, after the publication rule (``lifecycle.sealing``):

- exact over every request (sealed or not): what a sealed entry shows, its
  level, month, event and a decision's outcome (``report.tables``);
- disclosed requests only, for what only a disclosure says (agency, ground, days,
  pieces ...; ``report.durations``); counts of requests by category are banded.

>>> from covergate.report.schemas import LogFacts, Period
>>> report = compute(LogFacts(log_size=0, requests=()), Period.parse("2026"))
>>> report.headline[0], report.table("trend").rows
(('Requests received', 0), ())
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from covergate.lifecycle.events import EventType
from covergate.report import durations
from covergate.report.durations import BREAKDOWNS, days_active, disclosed_on
from covergate.report.schemas import Cell, LogFacts, Period, Report, RequestFacts, Table
from covergate.report.tables import (
    BANDED_NOTE,
    Row,
    Scope,
    active_table,
    banded_rows,
    destruction_table,
    event_table,
    label,
    level_keys,
    level_label,
    log_months,
    outcomes_table,
    program_table,
    receipt,
    received_table,
    share,
)

__all__ = ["compute"]


def _half(month: str) -> tuple[int, int]:
    return int(month[:4]), 1 if int(month[5:7]) <= 6 else 2


def trend_table(facts: LogFacts, scope: Scope) -> Table:
    months = log_months(facts)
    counts: dict[tuple[int, int], Counter[str]] = {}
    for request in facts.requests:
        for event in request.events:
            key = _half(event.month)
            if event.event is EventType.DECIDED and event.outcome is not None:
                counts.setdefault(key, Counter())[event.outcome] += 1
            elif event.event is EventType.CLOSED:
                counts.setdefault(key, Counter())["closed"] += 1
        arrived = receipt(request)
        if arrived is not None:
            counts.setdefault(_half(arrived.month), Counter())["received"] += 1
    rows: list[Row] = []
    if months and scope.end_month is not None:
        half, last = _half(min(months)), _half(scope.end_month)
        while half <= last:
            c = counts.get(half, Counter())
            rows.append(
                (
                    f"{half[0]}-H{half[1]}",
                    c["received"],
                    c["approved"],
                    c["modified"],
                    c["denied"],
                    c["closed"],
                )
            )
            half = (half[0], 2) if half[1] == 1 else (half[0] + 1, 1)
    return Table(
        id="trend",
        title="Requests by half-year",
        note=(
            "Every request, each figure by the month of its entry (submitted or extended, "
            "decided, closed), from the log's first half-year to the period's last."
        ),
        columns=("Half-year", "Received", "Approved in full", "Narrowed", "Denied", "Closed"),
        rows=tuple(rows),
        chart="trend",
    )


def not_disclosed_table(facts: LogFacts, scope: Scope) -> Table:
    levels = level_keys(facts.requests)
    counts: dict[str, Counter[str | None]] = {}
    for request in facts.requests:
        arrived = receipt(request)
        if request.disclosure is None and arrived is not None and scope.within(arrived.month):
            counts.setdefault(arrived.month, Counter())[request.level] += 1
    rows: list[Row] = [
        (month, *(counts[month][level] for level in levels)) for month in sorted(counts)
    ]
    return Table(
        id="not_disclosed",
        title="Requests not yet disclosed, by month received and level",
        note=(
            "Requests still sealed: all the log shows of them is level, month and event; by "
            "the month of the submitted entry." + BANDED_NOTE
        ),
        columns=("Month", *(level_label(level) for level in levels)),
        rows=banded_rows(rows),
        banded=True,
    )


def _seal_overdue(request: RequestFacts, scope: Scope) -> bool:
    if scope.end_day is None:
        return False
    unsealed = any(
        event.event is EventType.ORDER_UNSEALED and scope.by_end(event.month)
        for event in request.events
    )
    return not unsealed and any(
        event.event is EventType.ORDER_FILED
        and event.sealed_until is not None
        and scope.by_end(event.month)
        and event.sealed_until < scope.end_day
        for event in request.events
    )


def sealed_orders_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    events = [(event.event, event) for request in requests for event in request.events]
    filed = sum(
        kind is EventType.ORDER_FILED and e.sealed_until is not None and scope.within(e.month)
        for kind, e in events
    )
    unsealed = sum(
        kind is EventType.ORDER_UNSEALED and e.day is not None and scope.within(e.month)
        for kind, e in events
    )
    overdue = sum(_seal_overdue(request, scope) for request in requests)
    rows = [
        ("Filed under seal", filed),
        ("Unsealed", unsealed),
        ("Seal overdue at the period's end", overdue),
    ]
    return Table(
        id="sealed_orders",
        title="Court orders filed under seal",
        note=(
            "Opened order entries only (disclosed requests), by the month of the entry; "
            "overdue = sealed until before the period's last day and not unsealed by its end."
            + BANDED_NOTE
        ),
        columns=("Orders", "Count"),
        rows=banded_rows(rows),
        banded=True,
    )


def notices_mailed_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    counts = Counter(
        event.outcome
        for request in requests
        for event in request.events
        if event.event is EventType.NOTICE_SERVED and scope.within(event.month)
    )
    rows = [("Mailed on time", counts["on_time"]), ("Mailed late", counts["late"])]
    return Table(
        id="notices_mailed",
        title="Notices to subjects mailed on time and late",
        note=(
            "Opened notice_served entries only (disclosed requests), by the month of the "
            "entry." + BANDED_NOTE
        ),
        columns=("Notices", "Count"),
        rows=banded_rows(rows),
        banded=True,
    )


_APPENDIX = (
    "Request",
    "Agency",
    "Level",
    "Kind",
    "Ground",
    "Statute class",
    "Legal process",
    "Delegation",
    "Emergency",
    "Outcome",
    "Days requested",
    "Days authorised",
    "Days active",
    "Extensions",
    "Pieces recorded",
    "Refused",
    "Close reason",
    "Submitted",
    "Disclosed",
)


def _word(value: str | None) -> str | None:
    return None if value is None else label(value)


def appendix_table(facts: LogFacts, scope: Scope) -> Table:
    extensions = Counter(
        r.disclosure.extends for r in facts.requests if r.disclosure and r.disclosure.extends
    )
    rows = []
    found = disclosed_on(facts.requests, scope)
    for request, d in sorted(found, key=lambda pair: (pair[1].day, pair[0].request)):
        arrived = receipt(request)
        submitted = arrived.day if arrived is not None else None
        rows.append(
            (
                request.request,
                d.agency,
                label(d.level),
                label(d.kind),
                label(d.ground),
                label(d.statute_class),
                _word(d.legal_process),
                _word(d.delegation),
                _word(d.emergency),
                _word(d.outcome),
                d.days_requested,
                d.days_authorised,
                days_active(request),
                extensions[request.request],
                d.pieces_recorded,
                sum(count for _, count in d.refused),
                _word(d.close_reason),
                None if submitted is None else submitted.isoformat(),
                d.day.isoformat(),
            )
        )
    return Table(
        id="appendix",
        title="Every request disclosed in the period",
        note=(
            "One row per request whose disclosed entry falls in the period, by its day; "
            "extensions = disclosed requests that extend it directly. Exact, not banded."
        ),
        columns=_APPENDIX,
        rows=tuple(rows),
    )


def _column(table: Table, name: str) -> int:
    index = table.columns.index(name)
    return sum(cell for row in table.rows if type(cell := row[index]) is int)


def headline(
    facts: LogFacts, scope: Scope, tables: Sequence[Table]
) -> tuple[tuple[str, Cell], ...]:
    """The national totals: sums of the exact by-level tables, so the two always agree."""
    by_id = {table.id: table for table in tables}
    outcomes = by_id["outcomes"]
    decided = _column(outcomes, "Decided")
    approved = _column(outcomes, "Approved in full")
    narrowed = _column(outcomes, "Narrowed")
    found = disclosed_on(facts.requests, scope)
    return (
        ("Requests received", _column(by_id["received"], "Received")),
        ("Requests decided", decided),
        ("Approved in full", approved),
        ("Narrowed", narrowed),
        ("Denied", _column(outcomes, "Denied")),
        ("Share approved", share(approved + narrowed, decided)),
        ("Covers active at the period's end", _column(by_id["active"], "Active")),
        ("Requests disclosed", len(found)),
        ("Mail pieces recorded (disclosed requests)", sum(d.pieces_recorded for _, d in found)),
        ("Log entries counted", facts.log_size),
    )


def _request_tables(requests: Sequence[RequestFacts], scope: Scope) -> list[Table]:
    return [
        durations.agency_table(requests, scope),
        *(durations.breakdown_table(requests, scope, spec) for spec in BREAKDOWNS),
        durations.days_table(requests, scope),
        durations.days_bands_table(requests, scope),
        durations.extensions_table(requests, scope),
        durations.emergencies_table(requests, scope),
    ]


def compute(facts: LogFacts, period: Period) -> Report:
    """The report of ``period`` from ``facts``: the same facts always give the same Report."""
    scope = Scope.of(facts, period)
    requests = facts.requests
    tables = [
        received_table(facts, scope),
        outcomes_table(facts, scope),
        active_table(facts, scope),
        trend_table(facts, scope),
        *_request_tables(requests, scope),
        event_table(
            facts,
            scope,
            table_id="orders",
            title="Court order entries",
            kinds=(
                EventType.ORDER_FILED,
                EventType.ORDER_CONFIRMED,
                EventType.ORDER_REFUSED,
                EventType.ORDER_UNSEALED,
            ),
        ),
        sealed_orders_table(requests, scope),
        event_table(
            facts,
            scope,
            table_id="notices",
            title="Notice entries",
            kinds=(
                EventType.NOTICE_SERVED,
                EventType.NOTICE_DELAYED,
                EventType.NOTICE_RESUMED,
                EventType.NOTICE_OVERDUE,
            ),
        ),
        notices_mailed_table(requests, scope),
        durations.produced_table(requests, scope),
        durations.pieces_table(requests, scope),
        destruction_table(facts, scope),
        program_table(facts, scope),
        not_disclosed_table(facts, scope),
        appendix_table(facts, scope),
    ]
    return Report(
        period=period,
        log_size=facts.log_size,
        headline=headline(facts, scope, tables),
        tables=tuple(tables),
    )
