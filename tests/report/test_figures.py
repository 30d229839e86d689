"""The report's figures (``report.figures.compute``) on small hand-built logs.

Each counting rule once: sealed vs disclosed, withdrawn, pending, active at the
period's end, banding (1..9, not 0 or 10), medians, emergencies in time and
late, overdue unsealing, the trend, extensions and the appendix; then a
hypothesis property over random facts.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covergate.lifecycle.events import ORDER_EVENTS, REQUEST_EVENTS, EventType
from covergate.report.export import report_json
from covergate.report.figures import compute
from covergate.report.schemas import (
    BAND,
    Disclosure,
    EventFact,
    LogFacts,
    Period,
    ProgramFact,
    Report,
    RequestFacts,
)

E = EventType
_INDEX = count()


def ev(
    kind: EventType,
    when: str | date,
    outcome: str | None = None,
    sealed_until: date | None = None,
) -> EventFact:
    """An event: a month ``YYYY-MM`` (sealed) or a day (opened)."""
    if isinstance(when, date):
        return EventFact(next(_INDEX), kind, when.isoformat()[:7], when, outcome, sealed_until)
    return EventFact(next(_INDEX), kind, when, None, outcome)


def disclosure(day: date, **fields: Any) -> Disclosure:
    base = Disclosure(
        index=next(_INDEX),
        day=day,
        agency="FBI",
        level="federal",
        kind="mail_cover",
        ground="crime",
        statute_class="usc_title_18",
        legal_process=None,
        delegation="inspector_in_charge",
        emergency=None,
        order_due=None,
        outcome="approved",
        days_requested=30,
        days_authorised=30,
        extends=None,
        pieces_recorded=0,
        refused=(),
        categories=("mail_exterior",),
        close_reason=None,
    )
    return replace(base, **fields)


def sealed(rid: str, level: str | None, *events: EventFact) -> RequestFacts:
    return RequestFacts(rid, level, events)


def opened(rid: str, day: date, *events: EventFact, **fields: Any) -> RequestFacts:
    level = fields.get("level", "federal")
    return RequestFacts(rid, level, events, disclosure(day, **fields))


def facts(*requests: RequestFacts, program: tuple[ProgramFact, ...] = ()) -> LogFacts:
    ordered = tuple(sorted(requests, key=lambda r: r.request))
    size = sum(len(r.events) + (r.disclosure is not None) for r in ordered) + len(program)
    return LogFacts(log_size=size, requests=ordered, program=program)


def run(log: LogFacts, period: str) -> Report:
    return compute(log, Period.parse(period))


def rows(report: Report, table_id: str) -> dict[Any, tuple[Any, ...]]:
    return {row[0]: row[1:] for row in report.table(table_id).rows}


def headline(report: Report) -> dict[str, Any]:
    return dict(report.headline)


def a_full_life(rid: str, *, submitted: date, **fields: Any) -> RequestFacts:
    """A disclosed mail cover: submitted, approved, started 10 days, expired, disclosed."""
    return opened(
        rid,
        date(submitted.year, submitted.month, 28),
        ev(E.SUBMITTED, submitted),
        ev(E.DECIDED, submitted, "approved"),
        ev(E.STARTED, date(submitted.year, submitted.month, 2)),
        ev(E.EXPIRED, date(submitted.year, submitted.month, 11)),
        **fields,
    )


# -- exact tables over every request --------------------------------------------------


def test_sealed_and_disclosed_requests_both_count_in_the_exact_tables() -> None:
    log = facts(
        sealed("a", "federal", ev(E.SUBMITTED, "2026-02"), ev(E.DECIDED, "2026-03", "approved")),
        sealed("b", "local", ev(E.SUBMITTED, "2026-02"), ev(E.DECIDED, "2026-02", "denied")),
        a_full_life("c", submitted=date(2026, 4, 1), level="state", agency="State Police"),
    )
    report = run(log, "2026-H1")
    assert rows(report, "received") == {
        "Federal": (1, 1, 0),
        "State": (1, 1, 0),
        "Local": (1, 1, 0),
    }
    assert rows(report, "outcomes")["Local"] == (1, 0, 0, 1, 0, 0, 0.0)
    assert rows(report, "outcomes")["Federal"] == (1, 1, 0, 0, 0, 0, 1.0)
    # only the disclosed request shows an agency; the sealed ones are not yet disclosed
    assert report.table("by_agency").rows == (("State Police", "State", BAND, BAND, 0, 0),)
    assert rows(report, "not_disclosed") == {"2026-02": (BAND, 0, BAND)}
    assert headline(report)["Requests disclosed"] == 1


def test_not_disclosed_rows_are_months_by_level_and_banded() -> None:
    log = facts(
        sealed("a", "federal", ev(E.SUBMITTED, "2026-02")),
        *(sealed(f"b{i:02}", "local", ev(E.SUBMITTED, "2026-03")) for i in range(10)),
        a_full_life("c", submitted=date(2026, 2, 1)),
    )
    table = run(log, "2026").table("not_disclosed")
    assert table.banded
    assert table.columns == ("Month", "Federal", "State", "Local")
    assert table.rows == (("2026-02", BAND, 0, 0), ("2026-03", 0, 0, 10))


def test_an_extension_is_received_as_an_extension() -> None:
    log = facts(sealed("a", "federal", ev(E.EXTENDED, "2026-08")))
    assert rows(run(log, "2026-H2"), "received")["Federal"] == (1, 0, 1)
    assert rows(run(log, "2026-H1"), "received")["Federal"] == (0, 0, 0)


def test_withdrawn_is_approved_then_closed_without_starting() -> None:
    log = facts(
        sealed(
            "a",
            "state",
            ev(E.SUBMITTED, "2026-01"),
            ev(E.DECIDED, "2026-01", "modified"),
            ev(E.CLOSED, "2026-08"),
        ),
        sealed(
            "b",
            "state",
            ev(E.SUBMITTED, "2026-01"),
            ev(E.DECIDED, "2026-01", "approved"),
            ev(E.STARTED, "2026-02"),
            ev(E.CLOSED, "2026-08"),
        ),
    )
    withdrawn = 4
    assert rows(run(log, "2026-H2"), "outcomes")["State"][withdrawn] == 1
    assert rows(run(log, "2026-H1"), "outcomes")["State"][withdrawn] == 0
    assert rows(run(log, "all"), "outcomes")["State"][withdrawn] == 1


def test_pending_is_received_by_the_period_end_and_not_decided_by_then() -> None:
    log = facts(
        sealed("a", "local", ev(E.SUBMITTED, "2026-06"), ev(E.DECIDED, "2026-07", "denied")),
        sealed("b", "local", ev(E.SUBMITTED, "2025-11")),
    )
    pending = 5
    assert rows(run(log, "2025"), "outcomes")["Local"][pending] == 1
    assert rows(run(log, "2026-H1"), "outcomes")["Local"][pending] == 2
    assert rows(run(log, "2026-H2"), "outcomes")["Local"][pending] == 1
    assert rows(run(log, "all"), "outcomes")["Local"][pending] == 1
    assert rows(run(log, "2024"), "outcomes")["Local"][pending] == 0


def test_covers_active_at_the_period_end_across_periods() -> None:
    log = facts(
        sealed(
            "a",
            "federal",
            ev(E.SUBMITTED, "2026-04"),
            ev(E.DECIDED, "2026-04", "approved"),
            ev(E.STARTED, "2026-05"),
            ev(E.EXPIRED, "2026-08"),
        ),
        sealed("b", "federal", ev(E.SUBMITTED, "2026-09"), ev(E.STARTED, "2026-10")),
    )
    active = {p: rows(run(log, p), "active")["Federal"] for p in ("2025", "2026-H1", "2026-H2")}
    assert active == {"2025": (0,), "2026-H1": (1,), "2026-H2": (1,)}
    assert rows(run(log, "all"), "active")["Federal"] == (1,)
    assert headline(run(log, "2026-H1"))["Covers active at the period's end"] == 1


def test_order_notice_and_destruction_entries_are_counted_by_month() -> None:
    log = facts(
        sealed(
            "a",
            "federal",
            ev(E.ORDER_FILED, "2026-01"),
            ev(E.ORDER_CONFIRMED, "2026-02"),
            ev(E.NOTICE_SERVED, "2026-03"),
            ev(E.NOTICE_OVERDUE, "2026-07"),
            ev(E.DATA_DESTROYED, "2026-05"),
        ),
        program=(
            ProgramFact(900, E.DESTRUCTION_RUN, date(2026, 5, 1), 3),
            ProgramFact(901, E.DESTRUCTION_RUN, date(2026, 5, 1), 2),
            ProgramFact(902, E.NOTICES_OVERDUE, date(2026, 5, 2), 4),
            ProgramFact(903, E.NOTICES_OVERDUE, date(2026, 8, 2), 1),
        ),
    )
    report = run(log, "2026-H1")
    assert rows(report, "orders") == {
        "Order filed": (1,),
        "Order confirmed": (1,),
        "Order refused": (0,),
        "Order unsealed": (0,),
    }
    assert rows(report, "notices")["Notice served"] == (1,)
    assert rows(report, "notices")["Notice overdue"] == (0,)
    assert rows(report, "destruction") == {
        "Requests whose data was destroyed": (1,),
        "Destruction runs": (2,),
        "Records destroyed by the runs": (5,),
    }
    assert report.table("program").rows == (("2026-05-01", 5, 0), ("2026-05-02", 0, 4))


def test_trend_runs_from_the_logs_first_half_year_to_the_periods_last() -> None:
    log = facts(
        sealed("a", "local", ev(E.SUBMITTED, "2025-09"), ev(E.DECIDED, "2025-12", "approved")),
        sealed("b", "local", ev(E.SUBMITTED, "2026-02"), ev(E.DECIDED, "2026-03", "modified")),
        sealed("c", "local", ev(E.SUBMITTED, "2026-03"), ev(E.DECIDED, "2026-04", "denied")),
        sealed("d", "local", ev(E.CLOSED, "2027-01")),
    )
    trend = run(log, "2026").table("trend")
    assert trend.chart == "trend"
    assert not trend.banded
    assert trend.rows == (
        ("2025-H2", 1, 1, 0, 0, 0),
        ("2026-H1", 2, 0, 1, 1, 0),
        ("2026-H2", 0, 0, 0, 0, 0),
    )
    assert run(log, "all").table("trend").rows[-1] == ("2027-H1", 0, 0, 0, 0, 1)
    assert run(log, "2024").table("trend").rows == ()


def test_the_headline_is_exact_national_totals() -> None:
    log = facts(
        *(sealed(f"a{i}", "federal", ev(E.SUBMITTED, "2026-01")) for i in range(3)),
        sealed("b", "state", ev(E.SUBMITTED, "2026-01"), ev(E.DECIDED, "2026-02", "denied")),
        a_full_life("c", submitted=date(2026, 3, 1), pieces_recorded=12),
    )
    top = headline(run(log, "2026-H1"))
    assert top == {
        "Requests received": 5,
        "Requests decided": 2,
        "Approved in full": 1,
        "Narrowed": 0,
        "Denied": 1,
        "Share approved": 0.5,
        "Covers active at the period's end": 0,
        "Requests disclosed": 1,
        "Mail pieces recorded (disclosed requests)": 12,
        "Log entries counted": log.log_size,
    }
    assert headline(run(facts(), "2026"))["Share approved"] is None


# -- disclosed requests only ----------------------------------------------------------


def test_breakdowns_band_1_to_9_but_not_0_or_10() -> None:
    crime = [a_full_life(f"c{i:02}", submitted=date(2026, 1, 5)) for i in range(10)]
    fugitive = [
        a_full_life(f"f{i}", submitted=date(2026, 1, 5), ground="fugitive", outcome="denied")
        for i in range(9)
    ]
    forfeiture = [a_full_life("x", submitted=date(2026, 1, 5), ground="forfeiture")]
    table = run(facts(*crime, *fugitive, *forfeiture), "2026").table("by_ground")
    assert table.banded
    assert "1-9" in table.note
    assert table.rows == (
        ("Crime", 10, 10, 0, 0),
        ("Forfeiture", BAND, BAND, 0, 0),
        ("Locating a fugitive", BAND, 0, 0, BAND),
    )
    assert rows(run(facts(*crime), "2026"), "by_statute") == {"18 U.S.C.": (10, 10, 0, 0)}


def test_breakdowns_are_by_the_month_of_the_submitted_entry() -> None:
    log = facts(a_full_life("a", submitted=date(2025, 12, 1)))
    assert run(log, "2025").table("by_kind").rows == (("Mail cover", BAND, BAND, 0, 0),)
    assert run(log, "2026").table("by_kind").rows == ()
    assert run(log, "2025").table("by_process").rows == (("Not stated", BAND, BAND, 0, 0),)


def test_days_medians_quartiles_and_bands() -> None:
    requests = [
        opened(
            f"r{n}",
            date(2026, 6, 30),
            ev(E.SUBMITTED, date(2026, 1, 1)),
            ev(E.STARTED, date(2026, 2, 1)),
            ev(E.CLOSED, date(2026, 2, n)),
            days_requested=n * 10,
            days_authorised=None if n == 4 else n * 10,  # 10, 20, 30
        )
        for n in (1, 2, 3, 4)
    ]
    never_started = opened(
        "z",
        date(2026, 6, 30),
        ev(E.SUBMITTED, date(2026, 1, 1)),
        days_requested=50,
        days_authorised=None,
    )
    report = run(facts(*requests, never_started), "2026-H1")
    days = rows(report, "days")
    assert days["Days requested"] == (5, 30.0, 20.0, 40.0, 50)
    assert days["Days authorised"] == (3, 20.0, 15.0, 25.0, 30)
    assert days["Days active"] == (4, 2.5, 1.75, 3.25, 4)  # 1..4 days, both ends counted
    assert not report.table("days").banded
    bands = rows(report, "days_bands")
    assert list(bands) == ["1-30", "31-60", "61-90", "91-120", "121-180", ">180"]
    assert bands["1-30"] == (BAND, BAND, BAND)
    assert bands["31-60"] == (BAND, 0, 0)
    assert bands[">180"] == (0, 0, 0)


def test_emergencies_confirmed_in_time_late_or_never() -> None:
    due = date(2026, 3, 10)

    def emergency(rid: str, *confirmed: date) -> RequestFacts:
        return opened(
            rid,
            date(2026, 5, 1),
            ev(E.SUBMITTED, date(2026, 3, 1)),
            *(ev(E.ORDER_CONFIRMED, day) for day in confirmed),
            emergency="physical_harm",
            order_due=due,
        )

    log = facts(
        emergency("a", date(2026, 3, 10)),
        emergency("b", date(2026, 3, 11)),
        emergency("c"),
        a_full_life("d", submitted=date(2026, 3, 1)),
    )
    table = run(log, "2026-H1").table("emergencies")
    assert table.rows == (("Physical harm", BAND, BAND, BAND, BAND),)
    ten = [emergency(f"e{i}", date(2026, 3, 1)) for i in range(10)]
    assert run(facts(*ten), "2026").table("emergencies").rows == (("Physical harm", 10, 10, 0, 0),)


def test_sealed_orders_unsealed_and_overdue() -> None:
    def order(rid: str, until: date, *later: EventFact) -> RequestFacts:
        return opened(
            rid,
            date(2026, 9, 1),
            ev(E.SUBMITTED, date(2026, 1, 2)),
            ev(E.ORDER_FILED, date(2026, 1, 3), sealed_until=until),
            *later,
        )

    log = facts(
        order("late", date(2026, 3, 1)),
        order("done", date(2026, 3, 1), ev(E.ORDER_UNSEALED, date(2026, 4, 1))),
        order("open", date(2026, 12, 31)),
        order("after", date(2026, 3, 1), ev(E.ORDER_UNSEALED, date(2026, 8, 1))),
    )
    assert rows(run(log, "2026-H1"), "sealed_orders") == {
        "Filed under seal": (BAND,),
        "Unsealed": (BAND,),
        "Seal overdue at the period's end": (BAND,),
    }
    # counted without bands: 4 filed, 1 unsealed in H1, "late" and "after" overdue at H1's end
    many = facts(*(replace(r, request=f"{r.request}{i}") for r in log.requests for i in range(10)))
    assert rows(run(many, "2026-H1"), "sealed_orders") == {
        "Filed under seal": (40,),
        "Unsealed": (10,),
        "Seal overdue at the period's end": (20,),
    }
    assert rows(run(many, "2026-H2"), "sealed_orders")["Seal overdue at the period's end"] == (10,)


def test_extensions_per_cover_follow_the_chain() -> None:
    day = date(2026, 2, 1)
    log = facts(
        opened("a", day, ev(E.SUBMITTED, date(2026, 1, 1))),
        opened("b", day, ev(E.EXTENDED, date(2026, 1, 5)), extends="a"),
        opened("c", day, ev(E.EXTENDED, date(2026, 1, 9)), extends="b"),
        opened("d", day, ev(E.SUBMITTED, date(2026, 1, 1))),
    )
    report = run(log, "2026-H1")
    assert rows(report, "extensions") == {"0": (BAND,), "1": (0,), "2": (BAND,), "3+": (0,)}
    appendix = {row[0]: row for row in report.table("appendix").rows}
    extensions = report.table("appendix").columns.index("Extensions")
    assert {rid: row[extensions] for rid, row in appendix.items()} == {
        "a": 1,
        "b": 1,
        "c": 0,
        "d": 0,
    }


def test_pieces_refusals_products_and_notices_mailed() -> None:
    log = facts(
        opened(
            "a",
            date(2026, 7, 2),
            ev(E.SUBMITTED, date(2026, 1, 1)),
            ev(E.PRODUCED, date(2026, 2, 1)),
            ev(E.NOTICE_SERVED, date(2026, 7, 1), "late"),
            kind="records",
            categories=("payment", "subscriber"),
            pieces_recorded=7,
            refused=(("attorney_mail", 2), ("outside_window", 1)),
        ),
        opened(
            "b",
            date(2026, 3, 2),
            ev(E.SUBMITTED, date(2026, 1, 1)),
            ev(E.NOTICE_SERVED, date(2026, 3, 1), "on_time"),
            pieces_recorded=5,
        ),
    )
    h1, h2 = run(log, "2026-H1"), run(log, "2026-H2")
    assert rows(h1, "pieces") == {"Mail pieces recorded": (5,)}
    assert rows(h2, "pieces") == {
        "Mail pieces recorded": (7,),
        "Refused: attorney mail": (2,),
        "Refused: outside window": (1,),
    }
    assert rows(h1, "produced") == {"Payment": (BAND,), "Subscriber": (BAND,)}
    assert rows(h2, "produced") == {}
    assert rows(h1, "notices_mailed") == {"Mailed on time": (BAND,), "Mailed late": (0,)}
    assert rows(h2, "notices_mailed") == {"Mailed on time": (0,), "Mailed late": (BAND,)}


def test_the_appendix_row_of_a_disclosed_request() -> None:
    log = facts(
        a_full_life(
            "abc",
            submitted=date(2026, 3, 4),
            legal_process="court_order",
            pieces_recorded=3,
            refused=(("wrong_address", 2),),
            close_reason="expired",
        ),
        sealed("zzz", "local", ev(E.SUBMITTED, "2026-03")),
    )
    table = run(log, "2026-H1").table("appendix")
    assert not table.banded
    assert [dict(zip(table.columns, row, strict=True)) for row in table.rows] == [
        {
            "Request": "abc",
            "Agency": "FBI",
            "Level": "Federal",
            "Kind": "Mail cover",
            "Ground": "Crime",
            "Statute class": "18 U.S.C.",
            "Legal process": "Court order",
            "Delegation": "Inspector in charge",
            "Emergency": None,
            "Outcome": "Approved in full",
            "Days requested": 30,
            "Days authorised": 30,
            "Days active": 10,
            "Extensions": 0,
            "Pieces recorded": 3,
            "Refused": 2,
            "Close reason": "Expired",
            "Submitted": "2026-03-04",
            "Disclosed": "2026-03-28",
        }
    ]
    assert run(log, "2026-H2").table("appendix").rows == ()


def test_every_table_has_an_id_a_title_a_note_and_rows_that_fit_its_columns() -> None:
    log = facts(a_full_life("a", submitted=date(2026, 3, 4)), sealed("b", None))
    report = run(log, "all")
    ids = [table.id for table in report.tables]
    assert len(ids) == len(set(ids))
    for table in report.tables:
        assert table.title
        assert table.note
        assert table.chart in (None, "bar", "trend")
        assert all(len(row) == len(table.columns) for row in table.rows), table.id
    assert rows(report, "received")["Unknown"] == (0, 0, 0)


# -- properties -----------------------------------------------------------------------

_MONTHS = [f"{y}-{m:02}" for y in (2025, 2026, 2027) for m in range(1, 13)]
_KINDS = sorted(REQUEST_EVENTS | ORDER_EVENTS)
_OUTCOMES = st.sampled_from([None, "approved", "modified", "denied", "on_time", "late"])
_SLUG = st.sampled_from(["a", "b", "crime", "none", "usc_title_18"])
_PERIODS = ["all", *(str(y) for y in (2025, 2026, 2027))]
_PERIODS += [f"{y}-H{h}" for y in (2025, 2026, 2027) for h in (1, 2)]


@st.composite
def _request(draw: st.DrawFn, rid: str) -> RequestFacts:
    is_open = draw(st.booleans())
    events = []
    for _ in range(draw(st.integers(0, 8))):
        month = draw(st.sampled_from(_MONTHS))
        day = date(int(month[:4]), int(month[5:]), draw(st.integers(1, 28))) if is_open else None
        until = draw(st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)))
        events.append(
            EventFact(
                draw(st.integers(0, 10_000)),
                draw(st.sampled_from(_KINDS)),
                month,
                day,
                draw(_OUTCOMES),
                until if is_open else None,
            )
        )
    disclosed = None
    if is_open:
        disclosed = Disclosure(
            index=draw(st.integers(0, 10_000)),
            day=draw(st.dates(date(2025, 1, 1), date(2027, 12, 31))),
            agency=draw(st.sampled_from(["FBI", "DEA", "County Sheriff"])),
            level=draw(st.sampled_from(["federal", "state", "local"])),
            kind=draw(st.sampled_from(["mail_cover", "records"])),
            ground=draw(_SLUG),
            statute_class=draw(_SLUG),
            legal_process=draw(st.none() | _SLUG),
            delegation=draw(st.none() | _SLUG),
            emergency=draw(st.none() | st.sampled_from(["physical_harm", "loss_of_evidence"])),
            order_due=draw(st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31))),
            outcome=draw(st.sampled_from([None, "approved", "modified", "denied"])),
            days_requested=draw(st.integers(0, 400)),
            days_authorised=draw(st.none() | st.integers(0, 400)),
            extends=draw(st.none() | st.sampled_from(["r0", "r1", "r2", "r3"])),
            pieces_recorded=draw(st.integers(0, 50)),
            refused=tuple(
                sorted(draw(st.dictionaries(_SLUG, st.integers(1, 5), max_size=3)).items())
            ),
            categories=tuple(sorted(draw(st.sets(_SLUG, max_size=3)))),
            close_reason=draw(st.none() | _SLUG),
        )
    level = disclosed.level if disclosed else draw(st.sampled_from([None, "federal", "state"]))
    return RequestFacts(rid, level, tuple(events), disclosed)


@st.composite
def _facts(draw: st.DrawFn) -> LogFacts:
    n = draw(st.integers(0, 12))
    requests = tuple(draw(_request(f"r{i}")) for i in range(n))
    program = tuple(
        ProgramFact(
            i,
            draw(st.sampled_from([E.DESTRUCTION_RUN, E.NOTICES_OVERDUE])),
            draw(st.dates(date(2025, 1, 1), date(2027, 12, 31))),
            draw(st.integers(0, 100)),
        )
        for i in range(draw(st.integers(0, 4)))
    )
    return LogFacts(log_size=draw(st.integers(0, 1000)), requests=requests, program=program)


_SUMMED = (
    "Requests received",
    "Requests decided",
    "Approved in full",
    "Narrowed",
    "Denied",
    "Requests disclosed",
    "Mail pieces recorded (disclosed requests)",
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_facts())
def test_compute_never_raises_and_the_headline_is_the_sum_of_the_by_level_tables(
    log: LogFacts,
) -> None:
    reports = {period: run(log, period) for period in _PERIODS}
    for period, report in reports.items():
        top = headline(report)
        received = rows(report, "received")
        outcomes = rows(report, "outcomes")
        assert top["Requests received"] == sum(r[0] for r in received.values())
        assert top["Requests decided"] == sum(r[0] for r in outcomes.values())
        assert top["Approved in full"] == sum(r[1] for r in outcomes.values())
        assert top["Narrowed"] == sum(r[2] for r in outcomes.values())
        assert top["Denied"] == sum(r[3] for r in outcomes.values())
        assert top["Covers active at the period's end"] == sum(
            r[0] for r in rows(report, "active").values()
        )
        arrived = [
            next((e for e in r.events if e.event in (E.SUBMITTED, E.EXTENDED)), None)
            for r in log.requests
        ]
        assert top["Requests received"] == sum(
            1 for e in arrived if e and Period.parse(period).contains_month(e.month)
        )
        for table in report.tables:
            if table.banded:
                assert not any(type(c) is int and 1 <= c <= 9 for row in table.rows for c in row)
        text = json.dumps(report_json(report), sort_keys=True, allow_nan=False)
        assert text == json.dumps(report_json(run(log, period)), sort_keys=True, allow_nan=False)
    everything = headline(reports["all"])
    for year in ("2025", "2026", "2027"):
        part = headline(reports[year])
        for name in _SUMMED:
            assert everything[name] >= part[name], (year, name)
        halves = [headline(reports[f"{year}-H{h}"]) for h in (1, 2)]
        for name in _SUMMED:
            assert part[name] == halves[0][name] + halves[1][name], (year, name)
