"""The figures only a disclosure gives: breakdowns, durations, extensions, emergencies.

A sealed request shows its level, months and events, nothing more; these tables
need its agency, ground, the days asked for and authorised, the exact day of its
events... so they count *disclosed* requests only, and each note says so. Figures
for a past period can grow as more of its requests are disclosed.

Counts of requests by category are banded (:func:`tables.band`); statistics of
days (median, quartiles, maximum) and totals of pieces are not counts of
requests and are exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from covergate.lifecycle.events import EventType
from covergate.report.schemas import Disclosure, RequestFacts, Table
from covergate.report.tables import (
    BANDED_NOTE,
    ENDS,
    Row,
    Scope,
    banded_rows,
    first,
    label,
    receipt,
)

__all__ = [
    "BREAKDOWNS",
    "DAY_BANDS",
    "Breakdown",
    "agency_table",
    "breakdown_table",
    "days_active",
    "days_bands_table",
    "days_table",
    "disclosed_on",
    "disclosed_received",
    "emergencies_table",
    "extension_counts",
    "extensions_table",
    "pieces_table",
    "produced_table",
    "quantile",
]

Disclosed = tuple[RequestFacts, Disclosure]


def disclosed_received(requests: Sequence[RequestFacts], scope: Scope) -> list[Disclosed]:
    """The disclosed requests received in the period (by the month of their receipt)."""
    found = []
    for request in requests:
        arrived = receipt(request)
        if request.disclosure is not None and arrived is not None and scope.within(arrived.month):
            found.append((request, request.disclosure))
    return found


def disclosed_on(requests: Sequence[RequestFacts], scope: Scope) -> list[Disclosed]:
    """The requests whose disclosed entry falls in the period (by its day)."""
    found = []
    for request in requests:
        if request.disclosure is not None and scope.on(request.disclosure.day):
            found.append((request, request.disclosure))
    return found


@dataclass(frozen=True)
class Breakdown:
    """One breakdown of disclosed requests by a field of their disclosure."""

    id: str
    title: str
    heading: str
    value: Callable[[Disclosure], str | None]


BREAKDOWNS = (
    Breakdown("by_ground", "Disclosed requests, by ground", "Ground", lambda d: d.ground),
    Breakdown(
        "by_statute", "Disclosed requests, by statute", "Statute class", lambda d: d.statute_class
    ),
    Breakdown("by_kind", "Disclosed requests, by kind", "Kind", lambda d: d.kind),
    Breakdown(
        "by_process",
        "Disclosed requests, by legal process",
        "Legal process",
        lambda d: d.legal_process,
    ),
    Breakdown(
        "by_delegation",
        "Disclosed requests, by who ordered them",
        "Delegation",
        lambda d: d.delegation,
    ),
)

_OUTCOME_COLUMNS = ("Requests", "Approved in full", "Narrowed", "Denied")
_BY_RECEIPT = "Disclosed requests only, counted by the month of their submitted entry."


def _outcome_cells(disclosures: Sequence[Disclosure]) -> tuple[int, int, int, int]:
    outcomes = Counter(d.outcome for d in disclosures)
    return len(disclosures), outcomes["approved"], outcomes["modified"], outcomes["denied"]


def _sort_key(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")


def breakdown_table(requests: Sequence[RequestFacts], scope: Scope, spec: Breakdown) -> Table:
    groups: dict[str | None, list[Disclosure]] = {}
    for _, disclosure in disclosed_received(requests, scope):
        groups.setdefault(spec.value(disclosure), []).append(disclosure)
    rows = [(label(key), *_outcome_cells(groups[key])) for key in sorted(groups, key=_sort_key)]
    return Table(
        id=spec.id,
        title=spec.title,
        note=_BY_RECEIPT + BANDED_NOTE,
        columns=(spec.heading, *_OUTCOME_COLUMNS),
        rows=banded_rows(rows),
        chart="bar",
        banded=True,
    )


def agency_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    groups: dict[tuple[str, str], list[Disclosure]] = {}
    for _, disclosure in disclosed_received(requests, scope):
        groups.setdefault((disclosure.agency, disclosure.level), []).append(disclosure)
    rows = [
        (agency, label(level), *_outcome_cells(groups[(agency, level)]))
        for agency, level in sorted(groups)
    ]
    return Table(
        id="by_agency",
        title="Disclosed requests, by agency",
        note=_BY_RECEIPT + BANDED_NOTE,
        columns=("Agency", "Level", *_OUTCOME_COLUMNS),
        rows=banded_rows(rows),
        chart="bar",
        banded=True,
    )


def days_active(request: RequestFacts) -> int | None:
    """Days from the started entry's day to the expired or closed entry's day, inclusive."""
    started = first(request, [EventType.STARTED])
    if started is None or started.day is None:
        return None
    for event in request.events:
        if event.event in ENDS and event.day is not None and event.day >= started.day:
            return (event.day - started.day).days + 1
    return None


def quantile(values: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile by linear interpolation between closest ranks; None if empty.

    >>> quantile([10, 20, 30, 40], 0.5), quantile([10, 20, 30, 40], 0.25), quantile([], 0.5)
    (25.0, 17.5, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(float(value), 2)


def _day_counts(found: Sequence[Disclosed]) -> tuple[list[int], list[int], list[int]]:
    requested = [d.days_requested for _, d in found]
    authorised = [d.days_authorised for _, d in found if d.days_authorised is not None]
    active = [days for r, _ in found if (days := days_active(r)) is not None]
    return requested, authorised, active


def days_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    requested, authorised, active = _day_counts(disclosed_received(requests, scope))
    rows = [
        (
            name,
            len(values),
            quantile(values, 0.5),
            quantile(values, 0.25),
            quantile(values, 0.75),
            max(values) if values else None,
        )
        for name, values in (
            ("Days requested", requested),
            ("Days authorised", authorised),
            ("Days active", active),
        )
    ]
    return Table(
        id="days",
        title="How long covers were asked for, authorised and active",
        note=(
            "Disclosed requests only, by the month of their submitted entry; active = from the "
            "started day to the expired or closed day, inclusive, for those that started. "
            "Quartiles by linear interpolation."
        ),
        columns=("Measure", "Requests", "Median", "25th percentile", "75th percentile", "Longest"),
        rows=tuple(rows),
    )


#: Bands of days: (label, the band's last day); the last band has no end.
DAY_BANDS: tuple[tuple[str, int | None], ...] = (
    ("1-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("91-120", 120),
    ("121-180", 180),
    (">180", None),
)


def _band_of(days: int) -> str:
    return next(name for name, last in DAY_BANDS if last is None or days <= last)


def days_bands_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    columns = [
        Counter(_band_of(v) for v in values)
        for values in _day_counts(disclosed_received(requests, scope))
    ]
    rows: list[Row] = [(name, *(counts[name] for counts in columns)) for name, _ in DAY_BANDS]
    return Table(
        id="days_bands",
        title="Days requested, authorised and active, in bands",
        note=(
            "Disclosed requests only, by the month of their submitted entry; requests per band "
            "of days (a band's ends included)." + BANDED_NOTE
        ),
        columns=("Days", "Requested", "Authorised", "Active"),
        rows=banded_rows(rows),
        chart="bar",
        banded=True,
    )


def extension_counts(requests: Sequence[RequestFacts]) -> Counter[str]:
    """How many disclosed extensions each first request has, its chain followed through."""
    parent = {
        r.request: r.disclosure.extends for r in requests if r.disclosure and r.disclosure.extends
    }
    counts: Counter[str] = Counter()
    for child in parent:
        root, seen = parent[child], {child}
        while root in parent and root not in seen:
            seen.add(root)
            root = parent[root]
        counts[root] += 1
    return counts


def extensions_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    counts = extension_counts(requests)
    firsts = [r for r, d in disclosed_on(requests, scope) if d.extends is None]
    per_cover = Counter(min(counts[r.request], 3) for r in firsts)
    rows = [(name, per_cover[n]) for n, name in enumerate(("0", "1", "2", "3+"))]
    return Table(
        id="extensions",
        title="Extensions per cover",
        note=(
            "First requests (not themselves extensions) disclosed in the period, by how many "
            "disclosed extensions extend them, directly or in a chain." + BANDED_NOTE
        ),
        columns=("Extensions", "Covers"),
        rows=banded_rows(rows),
        chart="bar",
        banded=True,
    )


def pieces_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    found = disclosed_on(requests, scope)
    refused: Counter[str] = Counter()
    for _, disclosure in found:
        for reason, count in disclosure.refused:
            refused[reason] += count
    rows: list[Row] = [("Mail pieces recorded", sum(d.pieces_recorded for _, d in found))]
    rows += [(f"Refused: {label(reason).lower()}", refused[reason]) for reason in sorted(refused)]
    return Table(
        id="pieces",
        title="Mail pieces recorded, and observations refused by reason",
        note="Disclosed requests only, counted by the day of their disclosed entry.",
        columns=("Item", "Count"),
        rows=tuple(rows),
    )


_PRODUCTIONS = (EventType.PRODUCED, EventType.RECORDS_DISCLOSED)


def produced_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    counts: Counter[str] = Counter()
    for request in requests:
        produced = any(
            event.event in _PRODUCTIONS and scope.within(event.month) for event in request.events
        )
        if request.disclosure is not None and produced:
            counts.update(request.disclosure.categories)
    rows = [(label(category), counts[category]) for category in sorted(counts)]
    return Table(
        id="produced",
        title="Records produced, by category",
        note=(
            "Disclosed requests only, with a produced or records_disclosed entry in the "
            "period; a request counts once in each category authorised." + BANDED_NOTE
        ),
        columns=("Category", "Requests"),
        rows=banded_rows(rows),
        chart="bar",
        banded=True,
    )


def _confirmation(request: RequestFacts, disclosure: Disclosure) -> str:
    confirmed = first(request, [EventType.ORDER_CONFIRMED])
    if confirmed is None or confirmed.day is None:
        return "never"
    due = disclosure.order_due
    return "on_time" if due is None or confirmed.day <= due else "late"


def emergencies_table(requests: Sequence[RequestFacts], scope: Scope) -> Table:
    groups: dict[str, Counter[str]] = {}
    for request, disclosure in disclosed_received(requests, scope):
        if disclosure.emergency is not None:
            groups.setdefault(disclosure.emergency, Counter())[
                _confirmation(request, disclosure)
            ] += 1
    rows = [
        (
            label(kind),
            sum(groups[kind].values()),
            groups[kind]["on_time"],
            groups[kind]["late"],
            groups[kind]["never"],
        )
        for kind in sorted(groups)
    ]
    return Table(
        id="emergencies",
        title="Emergency starts and their court orders",
        note=(
            "Disclosed emergency requests only, by the month of their submitted entry; on time "
            "= an order_confirmed entry on or before the order's due day." + BANDED_NOTE
        ),
        columns=("Emergency", "Requests", "Confirmed on time", "Confirmed late", "Never confirmed"),
        rows=banded_rows(rows),
        banded=True,
    )
