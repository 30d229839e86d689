"""The report's facts from the database (``report.from_db``) on SQLite and PostgreSQL.

Requests are driven through the real services (submit, review, decide, observe,
file and confirm an order, mail a notice, the sweeps) and the facts checked
against the publication rule: sealed until disclosed, open after, and the
disclosure as its entry states it. The last tests recount the log itself
(``report.from_log``) and find the same facts, at every log size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from covergate.courts import service as court_orders
from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation
from covergate.errors import InvalidInput
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.notices import bundle as bundles
from covergate.notices import service as notices
from covergate.report.disclosure import sweep_disclosures
from covergate.report.from_db import facts_from_db
from covergate.report.from_log import facts_from_entries
from covergate.report.schemas import Disclosure, LogFacts, RequestFacts
from covergate.requests import decisions
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.retention.emergencies import sweep_emergencies
from covergate.retention.schedule import run_retention
from covergate.tlog.keys import generate_signer
from covergate.transparency.models import LogEntry
from tests.factories import extension_data, mail_cover_data
from tests.retention.steps import emergency_data
from tests.world import World

START = date(2026, 1, 5)  # the factories' start
LAST_DAY = date(2026, 2, 3)  # a 30-day cover's last day
SEALED_UNTIL = date(2026, 4, 1)
SUBJECT = mail_cover_data()["subject"]
ELSEWHERE = {"line1": "1 Other St", "city": "Peoria", "state": "IL", "zip": "61602"}
LOG_KEY = generate_signer("covergate.test/log")[0].verifier_key()
E = EventType


# --- steps ---------------------------------------------------------------------------


def item(day: date, address: dict[str, str] | None = None) -> MailObservation:
    return MailObservation.model_validate(
        {
            "mail_date": day.isoformat(),
            "mail_class": "first_class",
            "sender": {"name": "Pat Sender", "address": {**ELSEWHERE, "line1": "9 Far Road"}},
            "addressee": {"name": SUBJECT["name"], "address": address or SUBJECT["address"]},
            "postmark": "Peoria IL",
        }
    )


def observe(world: World, rid: str, day: date, *, accepted: bool = True, **kw: Any) -> None:
    with world.tx() as s:
        actor = world.user(s, "observer")
        request = covers.find_for_recording(session=s, ctx=world.ctx, actor=actor, public_id=rid)
        result = covers.observe(
            session=s, ctx=world.ctx, actor=actor, request=request, item=item(day, **kw)
        )
    assert result.accepted is accepted, result.message


def decide(world: World, rid: str, outcome: DecisionOutcome, **kw: Any) -> None:
    justifications = {} if outcome is DecisionOutcome.DENY else world.justifications(rid)
    with world.tx() as s:
        decisions.decide(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "osg"),
            request=world.request(s, rid),
            decision=DecisionInput(outcome=outcome, justifications=justifications, **kw),
        )


def mail_notice(world: World, rid: str) -> None:
    with world.tx() as s:
        reviewer, request = world.user(s, "reviewer"), world.request(s, rid)
        bundles.print_letter(
            session=s, ctx=world.ctx, actor=reviewer, request=request, log_key=LOG_KEY
        )
        notices.mark_mailed(
            session=s,
            ctx=world.ctx,
            actor=reviewer,
            request=request,
            mailed_on=world.clock.today(),
            tracking="9400111899223344556677",
        )


def on(world: World, day: date, *sweeps: Any) -> None:
    """Move the clock to ``day`` and run ``sweeps`` (each in its own transaction)."""
    world.clock.set_date(day)
    for sweep in sweeps:
        with world.tx() as s:
            sweep(session=s, ctx=world.ctx)


def facts(world: World, log_size: int | None = None) -> LogFacts:
    with world.tx() as s:
        return facts_from_db(s, log_size=log_size)


def entries(world: World) -> list[tuple[int, bytes]]:
    with world.tx() as s:
        rows = s.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx))
        return [(int(idx), bytes(data)) for idx, data in rows]


def of(found: LogFacts, rid: str) -> RequestFacts:
    return next(r for r in found.requests if r.request == rid)


def kinds(request: RequestFacts) -> list[EventType]:
    return [e.event for e in request.events]


@dataclass(frozen=True)
class Ids:
    expired: str  # a 30-day cover under an order sealed until April; notice mailed on time
    denied: str
    reviewing: str  # still open at the end
    narrowed: str  # modified to 20 days; its notice goes overdue, then is mailed late


def running(world: World) -> Ids:
    """Four requests, up to the first day of the covers (nothing ended yet)."""
    world.clock.set_date(START - timedelta(days=3))
    expired = world.submit(confirm=False)
    world.confirm(expired, sealed_until=SEALED_UNTIL)
    denied, reviewing, narrowed = world.submit(), world.submit(), world.submit()
    for rid in (expired, denied, reviewing, narrowed):
        world.review(rid)
    decide(world, expired, DecisionOutcome.APPROVE)
    decide(world, denied, DecisionOutcome.DENY, reasons="The facts do not support a cover.")
    decide(world, narrowed, DecisionOutcome.MODIFY, days=20)
    world.clock.set_date(START)
    observe(world, expired, START)
    observe(world, expired, START)
    observe(world, expired, START, accepted=False, address=ELSEWHERE)  # wrong_address
    observe(world, narrowed, START)
    return Ids(expired, denied, reviewing, narrowed)


def lived(world: World) -> Ids:
    """The four requests' whole lives: disclosures, a late notice, the retention run."""
    ids = running(world)
    on(world, LAST_DAY + timedelta(days=1), notices.sweep_notices)  # both covers expire
    on(world, date(2026, 2, 10))
    mail_notice(world, ids.expired)
    on(world, date(2026, 2, 10), sweep_disclosures)  # expired: its notice was mailed
    on(world, date(2026, 2, 11))
    observe(world, ids.expired, date(2026, 2, 11), accepted=False)  # not_active, after
    on(world, SEALED_UNTIL, court_orders.sweep_unsealing)
    on(world, date(2026, 4, 3), sweep_disclosures)  # denied: 90 days after the denial
    # narrowed ended 2026-01-24: notice due 2026-04-24; overdue, published, disclosed
    on(world, date(2026, 4, 26), notices.sweep_notices, sweep_disclosures)
    mail_notice(world, ids.narrowed)  # late, and open (after the disclosure)
    years = world.ctx.policy.authority.retention.years
    on(world, date(2026 + years, 6, 1))
    with world.tx() as s:
        run_retention(session=s, ctx=world.ctx, dry_run=False)
    return ids


# --- sealed, open, disclosed ---------------------------------------------------------


def test_before_any_disclosure_every_request_shows_only_month_level_and_decision(
    world: World,
) -> None:
    ids = running(world)
    found = facts(world)
    assert found.log_size == len(entries(world))
    assert [r.request for r in found.requests] == sorted(
        [ids.expired, ids.denied, ids.reviewing, ids.narrowed]
    )
    assert found.program == ()
    for request in found.requests:
        assert request.level == "federal"
        assert request.disclosure is None
        for event in request.events:
            assert event.day is None
            assert event.sealed_until is None
            assert event.month == "2026-01"
            assert (event.outcome is not None) == (event.event is E.DECIDED)
    assert kinds(of(found, ids.expired)) == [
        E.SUBMITTED, E.ORDER_FILED, E.ORDER_CONFIRMED, E.REVIEWED, E.DECIDED, E.STARTED
    ]  # fmt: skip
    decided = {r.request: [e.outcome for e in r.events if e.outcome] for r in found.requests}
    assert decided == {
        ids.expired: ["approved"],
        ids.denied: ["denied"],
        ids.reviewing: [],
        ids.narrowed: ["modified"],
    }
    indexes = [e.index for r in found.requests for e in r.events]
    assert sorted(indexes) == list(range(found.log_size))  # every entry is a request's


def test_a_disclosed_request_is_open_with_exact_days_and_its_disclosure(world: World) -> None:
    ids = lived(world)
    found = facts(world)
    expired = of(found, ids.expired)
    assert all(e.day is not None and e.month == e.day.isoformat()[:7] for e in expired.events)
    assert [(e.event, e.day, e.outcome, e.sealed_until) for e in expired.events] == [
        (E.SUBMITTED, date(2026, 1, 2), None, None),
        (E.ORDER_FILED, date(2026, 1, 2), None, None),
        (E.ORDER_CONFIRMED, date(2026, 1, 2), None, SEALED_UNTIL),
        (E.REVIEWED, date(2026, 1, 2), None, None),
        (E.DECIDED, date(2026, 1, 2), "approved", None),
        (E.STARTED, START, None, None),
        (E.EXPIRED, LAST_DAY + timedelta(days=1), None, None),
        (E.NOTICE_SERVED, date(2026, 2, 10), "on_time", None),
        # after the disclosure: open entries
        (E.ORDER_UNSEALED, SEALED_UNTIL, "seal_expired", SEALED_UNTIL),
        (E.CLOSED, date(2034, 6, 1), "expired", None),
        (E.DATA_DESTROYED, date(2034, 6, 1), "retention_ended", None),
    ]
    disclosure = expired.disclosure
    assert disclosure is not None
    assert expired.events[7].index < disclosure.index < expired.events[8].index
    assert disclosure == Disclosure(
        index=disclosure.index,
        day=date(2026, 2, 10),
        agency="Federal Bureau of Investigation",
        level="federal",
        kind="mail_cover",
        ground="crime",
        statute_class="usc_title_18",
        legal_process="court_order",
        delegation="operations_support_group_manager",
        emergency=None,
        order_due=None,
        outcome="approved",
        days_requested=30,
        days_authorised=30,
        extends=None,
        pieces_recorded=2,  # still 2 after the retention run deleted them
        refused=(("wrong_address", 1),),  # not the attempt after the disclosure
        categories=("mail_exterior",),
        close_reason=None,  # the retention run closed it after the disclosure
    )


def test_denied_overdue_and_open_requests_after_their_lives(world: World) -> None:
    ids = lived(world)
    found = facts(world)
    denied = of(found, ids.denied)
    assert denied.disclosure is not None
    assert denied.disclosure.day == date(2026, 4, 3)
    assert (denied.disclosure.outcome, denied.disclosure.days_authorised) == ("denied", None)
    assert denied.disclosure.categories == ()
    assert denied.disclosure.pieces_recorded == 0
    assert [(e.event, e.outcome) for e in denied.events][-1] == (
        E.DATA_DESTROYED,
        "retention_ended",
    )
    narrowed = of(found, ids.narrowed)
    assert narrowed.disclosure is not None
    assert (narrowed.disclosure.outcome, narrowed.disclosure.days_authorised) == ("modified", 20)
    assert narrowed.disclosure.pieces_recorded == 1
    tail = [(e.event, e.day, e.outcome) for e in narrowed.events if e.month >= "2026-04"]
    assert tail == [
        (E.NOTICE_OVERDUE, date(2026, 4, 26), None),
        (E.NOTICE_SERVED, date(2026, 4, 26), "late"),
        (E.CLOSED, date(2034, 6, 1), "expired"),
        (E.DATA_DESTROYED, date(2034, 6, 1), "retention_ended"),
    ]
    reviewing = of(found, ids.reviewing)
    assert reviewing.disclosure is None
    assert kinds(reviewing) == [E.SUBMITTED, E.ORDER_FILED, E.ORDER_CONFIRMED, E.REVIEWED]
    assert all(e.day is None for e in reviewing.events)
    program = [(p.event, p.day, p.count) for p in found.program]
    assert program == [
        (E.NOTICES_OVERDUE, date(2026, 4, 26), 1),
        (E.DESTRUCTION_RUN, date(2034, 6, 1), 3),
    ]


def test_an_extension_and_an_emergency_disclose_what_they_were(world: World) -> None:
    world.clock.set_date(START - timedelta(days=3))
    parent = world.active_cover()
    emergency = world.submit(emergency_data())
    world.review(emergency)
    world.approve(emergency)
    world.clock.set_date(START)
    observe(world, emergency, START)
    due = START  # received 3 days before the start, and 3 days to bring the order
    on(world, due + timedelta(days=1), sweep_emergencies)  # no order: ended, destroyed
    world.clock.set_date(date(2026, 1, 20))
    extension = world.extend(parent, extension_data()).request.public_id
    world.review(extension)
    decide(world, extension, DecisionOutcome.DENY, reasons="The cover found nothing so far.")
    on(world, date(2026, 4, 20), notices.sweep_notices, sweep_disclosures)
    found = facts(world)
    child = of(found, extension).disclosure
    assert child is not None
    assert (child.extends, child.outcome, child.day) == (parent, "denied", date(2026, 4, 20))
    ended = of(found, emergency)
    assert ended.disclosure is not None
    assert ended.disclosure.emergency == "physical_harm"
    assert ended.disclosure.order_due == due
    assert ended.disclosure.legal_process is None
    assert ended.disclosure.close_reason == "no_timely_order"
    assert ended.disclosure.pieces_recorded == 1  # recorded, then destroyed: still counted
    assert [(e.event, e.outcome) for e in ended.events][-3:] == [
        (E.CLOSED, "no_timely_order"),
        (E.DATA_DESTROYED, "no_timely_order"),
        (E.NOTICE_OVERDUE, None),  # owed from the close, 90 days: what disclosed it
    ]
    assert of(found, parent).disclosure is None  # its notice is not due yet
    log = entries(world)
    same_as_recount(world, log, len(log))


def test_a_request_from_before_sealing_is_open_and_has_no_level(world: World) -> None:
    """A row written before the publication rule (no details key): its entries were
    written open, so its facts are open; the log's entries give no level."""
    rid = world.submit()
    with world.tx() as s:
        s.execute(update(Request).values(details_key=None))  # a pre-0007 row
    (request,) = facts(world).requests
    assert request.request == rid
    assert request.level is None
    assert request.disclosure is None
    assert [(e.event, e.day) for e in request.events] == [
        (E.SUBMITTED, START - timedelta(days=3)),
        (E.ORDER_FILED, START - timedelta(days=3)),
        (E.ORDER_CONFIRMED, START - timedelta(days=3)),
    ]


# --- log size ------------------------------------------------------------------------


def test_the_facts_of_every_log_size_are_those_of_its_first_entries(world: World) -> None:
    ids = lived(world)
    full = facts(world)
    disclosed_at = {r.request: r.disclosure.index for r in full.requests if r.disclosure}
    assert set(disclosed_at) == {ids.expired, ids.denied, ids.narrowed}
    for size in range(full.log_size + 1):
        cut = facts(world, size)
        assert cut.log_size == size
        assert all(p.index < size for p in cut.program)
        for request in cut.requests:
            assert request.events
            assert all(e.index < size for e in request.events)
            whole = of(full, request.request)
            if request.request in disclosed_at and disclosed_at[request.request] < size:
                expected = replace(whole, events=tuple(e for e in whole.events if e.index < size))
                assert request == expected
            else:  # sealed in that log: its key was not published yet
                assert request.disclosure is None
                assert all(e.day is None for e in request.events)
    assert facts(world, 0) == LogFacts(0, ())


@pytest.mark.parametrize("size", [-1, 10_000])
def test_a_log_size_outside_the_log_is_refused(world: World, size: int) -> None:
    running(world)
    with pytest.raises(InvalidInput, match="log_size"):
        facts(world, size)


def test_the_database_path_reads_no_request_entry(world: World) -> None:
    """Blanking every request's log entry changes nothing: only the program's are read."""
    running(world)
    before = facts(world)
    with world.tx() as s:
        _blank_request_entries(s)
    assert facts(world) == before


def test_a_handful_of_queries_however_many_requests(world: World) -> None:
    """No query per request: the demo database has thousands."""
    running(world)
    few = _statements(world)
    for _ in range(3):
        world.submit()
    assert _statements(world) == few
    assert few <= 10


def _statements(world: World) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    with world.tx() as s:
        engine = s.get_bind()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            facts_from_db(s)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _blank_request_entries(s: Session) -> None:
    for row in s.scalars(
        select(LogEntry).where(LogEntry.idx.in_(select(RequestEvent.entry_index)))
    ):
        row.data = b"{}"


# --- the recount from the log agrees -------------------------------------------------


def test_the_database_facts_equal_the_recount_of_the_log(world: World) -> None:
    ids = lived(world)
    log = entries(world)
    same_as_recount(world, log, len(log))
    for size in range(len(log)):
        same_as_recount(world, log, size)
    assert ids.reviewing in {r.request for r in facts_from_entries(log, len(log)).requests}


def test_the_recount_agrees_while_requests_are_sealed(world: World) -> None:
    running(world)
    log = entries(world)
    same_as_recount(world, log, len(log))


def same_as_recount(world: World, log: list[tuple[int, bytes]], size: int) -> None:
    """The database's facts of the first ``size`` entries are the recount's, request by
    request (so that a failure names the request and pytest shows the field)."""
    mine, theirs = facts(world, size), facts_from_entries(log[:size], size)
    assert (mine.log_size, mine.program) == (theirs.log_size, theirs.program)
    assert [r.request for r in mine.requests] == [r.request for r in theirs.requests]
    for a, b in zip(mine.requests, theirs.requests, strict=True):
        assert a == b, (size, a.request)
