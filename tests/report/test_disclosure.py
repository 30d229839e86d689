"""The publication rule: when a request is disclosed, and what its entries say before.

A small local agency's open request must not be identifiable from the log: its
entries carry no agency name, no day, no ground. They open when the request has
ended and its subject has been told (or could have been), never while a court's
delay order holds the notice.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import event, select

from covergate.agencies import service as agencies
from covergate.document import AgencyFunction, Jurisdiction
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.sealing import is_sealed
from covergate.report.disclosure import DEFAULT_HOLD_DAYS, disclosure_day, sweep_disclosures
from covergate.requests.schemas import DecisionOutcome
from covergate.transparency.models import LogEntry
from covergate.users import service as users
from covergate.users.schemas import Role
from tests.factories import mail_cover_data
from tests.log_entries import entry_fields
from tests.notices.helpers import (
    LAST_DAY,
    START,
    delay,
    ended_cover,
    extend_for_30_days,
    letter,
    mailed,
    observe,
    signer,
    sweep,
)
from tests.world import World

SMALL = "Smallville PD"
DUE = LAST_DAY + timedelta(days=90)  # a notice is due 90 days after the cover ended


def small_agency_cover(world: World) -> str:
    """A mail cover of a small local police department, ended and swept."""
    with world.tx() as s:
        agency = agencies.register(
            session=s,
            clock=world.clock,
            name=SMALL,
            jurisdiction=Jurisdiction.LOCAL,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION],
        )
        user = users.add_user(
            session=s,
            clock=world.clock,
            email="chief@smallville.example",
            name="Chief Wiggum",
            role=Role.REQUESTER,
            agency=agency,
        )
        world.people["smallville"] = user
    data = mail_cover_data()
    data["agency"] = {
        "name": SMALL,
        "jurisdiction": "local",
        "functions": ["criminal_investigation"],
    }
    data["requester"] = {**data["requester"], "email": "chief@smallville.example"}
    world.clock.set_date(START - timedelta(days=3))
    rid = world.submit(data, who="smallville")
    world.review(rid)
    world.approve(rid)
    world.clock.set_date(LAST_DAY + timedelta(days=1))
    sweep(world)
    return rid


def entries_of(world: World, rid: str) -> list[bytes]:
    with world.tx() as s:
        request = world.request(s, rid)
        rows = s.scalars(
            select(LogEntry.data)
            .join(RequestEvent, RequestEvent.entry_index == LogEntry.idx)
            .where(RequestEvent.request_id == request.id)
            .order_by(LogEntry.idx)
        )
        return [bytes(data) for data in rows]


def disclose_due(world: World, day: date) -> int:
    world.clock.set_date(day)
    with world.tx() as s:
        return sweep_disclosures(session=s, ctx=world.ctx)


def sweep_counting_statements(world: World, rid: str) -> tuple[int, list[str]]:
    """Run the disclosure sweep in a transaction that has begun (by reading ``rid``);
    how many it disclosed, and the statements the sweep alone sent."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with world.tx() as s:
        world.request(s, rid)
        s.flush()
        event.listen(s.get_bind(), "before_cursor_execute", count)
        try:
            disclosed = sweep_disclosures(session=s, ctx=world.ctx)
        finally:
            event.remove(s.get_bind(), "before_cursor_execute", count)
    return disclosed, statements


def test_an_open_small_agency_request_names_no_agency_day_or_ground(world: World) -> None:
    rid = small_agency_cover(world)
    logged = entries_of(world, rid)
    assert len(logged) >= 5  # submitted, reviewed, decided, started, expired ...
    for data in logged:
        fields = json.loads(data)
        assert is_sealed(fields)
        assert fields["level"] == "local"
        for secret in (b"Smallville", b"crime", b"court_order", b"2026-01-05", b"mail_cover"):
            assert secret not in data
        assert "date" not in fields
        assert "agency" not in fields
    with world.tx() as s:
        assert world.request(s, rid).disclosed_on is None


def test_the_request_opens_when_its_notice_is_due_and_says_what_it_said(world: World) -> None:
    rid = small_agency_cover(world)
    assert disclose_due(world, DUE - timedelta(days=1)) == 0
    assert disclose_due(world, DUE) == 1
    logged = entries_of(world, rid)
    disclosed = json.loads(logged[-1])
    assert disclosed["event"] == EventType.DISCLOSED.value
    assert (disclosed["agency"], disclosed["level"]) == (SMALL, "local")
    assert disclosed["date"] == DUE.isoformat()
    with world.tx() as s:
        opened = [entry_fields(s, data) for data in logged[:-1]]
        key = world.request(s, rid).details_key
    assert key is not None
    assert disclosed["details_key"] == key.hex()
    assert {o["agency"] for o in opened} == {SMALL}
    assert opened[0]["event"] == "submitted"
    assert opened[0]["date"] == (START - timedelta(days=3)).isoformat()
    # Later entries of a disclosed request are written open.
    world.clock.set_date(DUE + timedelta(days=1))
    letter(world, rid, signer())
    mailed(world, rid, DUE + timedelta(days=1))
    last = json.loads(entries_of(world, rid)[-1])
    assert last["event"] == "notice_served"
    assert last["agency"] == SMALL
    assert disclose_due(world, DUE + timedelta(days=2)) == 0  # disclosed once


def test_a_mailed_notice_discloses_before_its_due_day(world: World) -> None:
    rid = ended_cover(world)
    world.clock.set_date(LAST_DAY + timedelta(days=5))
    letter(world, rid, signer())
    mailed(world, rid, LAST_DAY + timedelta(days=5))
    assert disclose_due(world, LAST_DAY + timedelta(days=5)) == 1


def test_a_delay_order_keeps_the_request_sealed_for_as_long_as_it_lasts(world: World) -> None:
    rid = ended_cover(world)
    until = DUE + timedelta(days=60)
    world.clock.set_date(DUE - timedelta(days=10))
    delay(world, rid, until)
    assert disclose_due(world, DUE + timedelta(days=1)) == 0
    with world.tx() as s:
        assert disclosure_day(s, world.ctx, world.request(s, rid)) is None
    assert disclose_due(world, until) == 0
    # The delay ended: the notice is due again at once, and the request opens.
    world.clock.set_date(until + timedelta(days=1))
    sweep(world)
    assert disclose_due(world, until + timedelta(days=1)) == 1


def test_a_denial_waits_as_long_as_a_notice_would(world: World) -> None:
    world.clock.set_date(START - timedelta(days=3))
    rid = world.submit()
    world.review(rid)
    world.approve(rid, outcome=DecisionOutcome.DENY, reasons="No reasonable grounds shown.")
    denied_on = START - timedelta(days=3)
    assert world.ctx.policy.authority.notice.days in (None, DEFAULT_HOLD_DAYS)
    assert disclose_due(world, denied_on + timedelta(days=DEFAULT_HOLD_DAYS - 1)) == 0
    assert disclose_due(world, denied_on + timedelta(days=DEFAULT_HOLD_DAYS)) == 1
    disclosed = json.loads(entries_of(world, rid)[-1])
    assert (disclosed["outcome"], disclosed["days_authorised"]) == ("denied", None)


def test_an_open_request_is_never_disclosed(world: World) -> None:
    world.clock.set_date(START - timedelta(days=3))
    rid = world.active_cover()
    assert disclose_due(world, START + timedelta(days=400)) == 0
    with world.tx() as s:
        request = s.scalar(select(Request).where(Request.public_id == rid))
        assert request is not None
        assert request.disclosed_on is None
        assert disclosure_day(s, world.ctx, request) is None


def test_the_sweep_weighs_its_candidates_together_not_one_by_one(world: World) -> None:
    """Covers that ended while their extension runs are weighed every day until it ends:
    the sweep does so in a fixed number of statements (the candidates; their
    extensions), however many there are, and discloses each on its day."""
    world.clock.set_date(START - timedelta(days=3))
    parents = [world.active_cover() for _ in range(3)]
    children = []
    for parent in parents:
        child = extend_for_30_days(world, parent)
        children.append(child)
    world.clock.set_date(LAST_DAY + timedelta(days=2))  # the parents expired, the children run
    sweep(world)
    disclosed, statements = sweep_counting_statements(world, parents[0])
    assert disclosed == 0
    assert len(statements) == 2, statements  # not 2 or more per candidate
    # When the extensions end, the notices fall due and every request opens on that day.
    world.clock.set_date(LAST_DAY + timedelta(days=31))
    sweep(world)
    assert disclose_due(world, LAST_DAY + timedelta(days=30) + timedelta(days=89)) == 0
    assert disclose_due(world, LAST_DAY + timedelta(days=30) + timedelta(days=90)) == 6


def test_the_requests_due_together_are_disclosed_in_a_few_reads(world: World) -> None:
    """Each disclosed entry states facts from other tables (the last decision, the
    pieces recorded, the refusals, the request extended): the sweep reads them for
    every request due that day at once, not four reads per request."""
    world.clock.set_date(START - timedelta(days=3))
    parents = [world.active_cover() for _ in range(3)]
    world.clock.set_date(START + timedelta(days=3))
    for pieces, parent in enumerate(parents, start=1):
        for n in range(pieces):
            observe(world, parent, START + timedelta(days=n))
    children = [extend_for_30_days(world, parent) for parent in parents[:2]]
    world.clock.set_date(LAST_DAY + timedelta(days=31))
    sweep(world)
    day = LAST_DAY + timedelta(days=30 + 90)  # every notice is due: all five open
    world.clock.set_date(day)
    disclosed, statements = sweep_counting_statements(world, parents[0])
    assert disclosed == 5
    # The log's sequencing (its lock, its next index) is the same for any sweep.
    reads = [
        r
        for r in (" ".join(st.split()) for st in statements)
        if r.startswith("SELECT") and "log_entries" not in r and "pg_advisory" not in r
    ]
    # The candidates, their ends (a query per generation), and four for their facts.
    assert len(reads) == 7, "\n".join(r[:200] for r in reads)
    disclosed = {}
    for rid in parents + children:
        fields = json.loads(entries_of(world, rid)[-1])
        assert fields["event"] == EventType.DISCLOSED.value
        disclosed[rid] = fields
    assert [disclosed[p]["pieces_recorded"] for p in parents] == [1, 2, 3]
    assert [disclosed[c]["extends"] for c in children] == parents[:2]
    assert [disclosed[p]["extends"] for p in parents] == [None, None, None]
    assert {disclosed[r]["outcome"] for r in disclosed} == {"approved"}
