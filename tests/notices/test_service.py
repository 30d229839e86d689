"""The notice owed to the subject: owed, delayed, resumed, overdue, mailed.

On SQLite and PostgreSQL (the ``world`` fixture). Every refused step leaves every
table as it was (:func:`tests.notices.helpers.unchanged`).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from covergate.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RuleViolation,
)
from covergate.lifecycle.events import EventType
from covergate.lifecycle.states import CloseReason, NoticeState
from covergate.notices import reading, service
from covergate.notices.models import DelayOrder
from covergate.policy import load_policy
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionOutcome
from covergate.transparency.models import LogEntry
from tests.log_entries import entry_bytes
from tests.notices.helpers import (
    LAST_DAY,
    START,
    delay,
    ended_cover,
    events,
    extend_for_30_days,
    letter,
    mailed,
    notice,
    signer,
    sweep,
    unchanged,
)
from tests.world import World

DUE = LAST_DAY + timedelta(days=90)


def program_events(world: World, kind: EventType) -> int:
    with world.tx() as s:
        rows = s.scalars(select(LogEntry.data)).all()
    return sum(1 for data in rows if f'"event":"{kind.value}"'.encode() in data)


# --- owing ---


def test_an_expired_cover_owes_notice_90_days_after_its_last_day(world: World) -> None:
    rid = ended_cover(world)
    row = notice(world, rid)
    assert row is not None
    assert (row.state, row.owed_from, row.due_on) == (NoticeState.PENDING, LAST_DAY, DUE)
    assert "expired" in events(world, rid)
    # Idempotent: a second sweep owes nothing more.
    assert sweep(world).created == 0


def test_nothing_is_owed_while_the_cover_runs_or_for_a_denied_request(world: World) -> None:
    world.clock.set_date(START)
    running = world.active_cover()
    denied = world.submit()
    world.review(denied)
    world.approve(denied, outcome=DecisionOutcome.DENY, reasons="Not enough shown here.")
    assert sweep(world).created == 0
    assert notice(world, running) is None
    assert notice(world, denied) is None


def test_a_cover_closed_early_owes_notice_from_the_close(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    world.clock.set_date(START + timedelta(days=4))
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )
    assert sweep(world).created == 1
    row = notice(world, rid)
    assert row is not None
    assert row.owed_from == START + timedelta(days=4)


def test_usps_2017_owes_no_notice(world: World) -> None:
    world.ctx = world.ctx.with_policy(load_policy("usps-2017"))
    rid = ended_cover(world)
    assert notice(world, rid) is None
    assert sweep(world).created == 0


def test_a_cover_extended_owes_notice_when_its_last_extension_ends(world: World) -> None:
    world.clock.set_date(START - timedelta(days=3))
    rid = world.active_cover()
    child = extend_for_30_days(world, rid)
    world.clock.set_date(LAST_DAY + timedelta(days=2))  # the parent expired, the child runs
    assert sweep(world).created == 0
    assert notice(world, rid) is None
    world.clock.set_date(LAST_DAY + timedelta(days=31))  # the extension's 30 days are over
    assert sweep(world).created == 2
    for public_id in (rid, child):
        row = notice(world, public_id)
        assert row is not None
        assert row.owed_from == LAST_DAY + timedelta(days=30)


def test_owed_from_many_weighs_every_chain_with_one_query_per_generation(
    world: World,
) -> None:
    """The sweeps' batched ``owed_from_many`` says what ``owed_from`` says of each request,
    a parent and its extension weighed together included, in one query per generation
    of extensions (not one per request and extension)."""
    world.clock.set_date(START - timedelta(days=3))
    extended = world.active_cover()
    alone = world.active_cover()
    child = extend_for_30_days(world, extended)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    for day, parent_end in (
        (LAST_DAY + timedelta(days=2), None),  # the extension runs: nothing owed yet
        (LAST_DAY + timedelta(days=31), LAST_DAY + timedelta(days=30)),  # it has ended
    ):
        world.clock.set_date(day)
        sweep(world)  # expire what has ended
        with world.tx() as s:
            rows = [world.request(s, rid) for rid in (extended, alone, child)]
            one_by_one = {r.id: service.owed_from(session=s, request=r) for r in rows}
            statements.clear()
            event.listen(s.get_bind(), "before_cursor_execute", count)
            try:
                batched = service.owed_from_many(session=s, requests=rows)
            finally:
                event.remove(s.get_bind(), "before_cursor_execute", count)
        assert batched == one_by_one
        assert batched[rows[0].id] == parent_end
        assert batched[rows[1].id] == LAST_DAY
        assert batched[rows[2].id] == parent_end
        # A first generation (the three's extensions), then the extension's own; with a
        # running extension the chain stops after the first.
        assert len(statements) == (1 if parent_end is None else 2), statements


# --- overdue ---


def test_an_overdue_notice_is_published_once(world: World) -> None:
    rid = ended_cover(world)
    world.clock.set_date(DUE)  # due today: not overdue yet
    assert sweep(world).overdue == 0
    world.clock.set_date(DUE + timedelta(days=1))
    assert sweep(world).overdue == 1
    assert sweep(world).overdue == 0  # the second sweep publishes nothing
    assert events(world, rid).count("notice_overdue") == 1
    assert program_events(world, EventType.NOTICES_OVERDUE) == 1
    row = notice(world, rid)
    assert row is not None
    assert row.overdue_logged_for == DUE
    with world.tx() as s:
        listed = reading.list_notices(
            session=s, ctx=world.ctx, actor=world.user(s, "auditor"), overdue_only=True
        )
    assert [r.public_id for _, r in listed] == [rid]


# --- delay orders ---


def test_a_court_delays_notice_up_to_90_days(world: World) -> None:
    rid = ended_cover(world)
    today = world.clock.today()
    index = delay(world, rid, today + timedelta(days=90))
    row = notice(world, rid)
    assert row is not None
    assert (row.state, row.delayed_until) == (NoticeState.DELAYED, today + timedelta(days=90))
    assert row.due_on == today + timedelta(days=91)  # the day after the delay: 2705(a)(5)
    assert events(world, rid)[-1] == "notice_delayed"
    with world.tx() as s:
        order = s.scalar(select(DelayOrder))
        assert order is not None
        assert (order.days, order.entry_index, order.docket) == (90, index, "26-mc-0007")
        assert b"investigation" not in order.reasons_ct  # sealed
        entry = s.get(LogEntry, index)
        assert entry is not None
        assert entry.sealed is not None
        assert b"26-mc-0007" not in entry.data


def test_a_delay_of_91_days_is_refused_citing_the_limit(world: World) -> None:
    rid = ended_cover(world)
    limit = world.ctx.policy.authority.notice_delay
    with unchanged(world, RuleViolation, r"at most 90 days \(.*2705.*\); this one asks 91"):
        delay(world, rid, world.clock.today() + timedelta(days=91))
    assert limit.citation in _message(world, rid, 91)
    with unchanged(world, InvalidInput, "after today"):
        delay(world, rid, world.clock.today())


def _message(world: World, rid: str, days: int) -> str:
    with pytest.raises(RuleViolation) as caught:
        delay(world, rid, world.clock.today() + timedelta(days=days))
    return caught.value.message


def test_only_a_user_of_the_requests_court_may_delay(world: World) -> None:
    rid = ended_cover(world)
    until = world.clock.today() + timedelta(days=30)
    with unchanged(world, NotFound, "no request"):
        delay(world, rid, until, who="court2")
    for who in ("reviewer", "fbi", "auditor"):
        with unchanged(world, Forbidden, "court"):
            delay(world, rid, until, who=who)


def test_a_delay_before_the_cover_ends_is_refused(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    with unchanged(world, Conflict, "owes no notice yet"):
        delay(world, rid, START + timedelta(days=30))


def test_a_renewal_is_a_new_order_and_resumption_re_arms_the_clock(world: World) -> None:
    rid = ended_cover(world)
    first = world.clock.today() + timedelta(days=90)
    delay(world, rid, first)
    world.clock.set_date(first - timedelta(days=1))
    second = world.clock.today() + timedelta(days=90)
    with unchanged(world, RuleViolation, "this one asks 91"):
        delay(world, rid, second + timedelta(days=1))
    delay(world, rid, second, docket="26-mc-0008")
    with world.tx() as s:
        assert len(s.scalars(select(DelayOrder)).all()) == 2
    world.clock.set_date(second)  # the last day of the delay: still in force
    assert sweep(world).resumed == 0
    world.clock.set_date(second + timedelta(days=1))
    result = sweep(world)
    assert (result.resumed, result.overdue) == (1, 0)
    row = notice(world, rid)
    assert row is not None
    assert (row.state, row.due_on) == (NoticeState.PENDING, second + timedelta(days=1))
    assert events(world, rid)[-3:] == ["notice_delayed", "notice_delayed", "notice_resumed"]
    world.clock.set_date(second + timedelta(days=2))
    assert sweep(world).overdue == 1  # notice was due upon the delay's end


def test_an_early_delay_never_shortens_the_notice_period(world: World) -> None:
    rid = ended_cover(world)
    delay(world, rid, world.clock.today() + timedelta(days=10))
    row = notice(world, rid)
    assert row is not None
    assert row.due_on == DUE


# --- mailing ---


def test_mailing_while_a_delay_is_in_force_is_refused(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    letter(world, rid, log)
    delay(world, rid, world.clock.today() + timedelta(days=30))
    with unchanged(world, InvalidTransition, "a notice under a delay order in force cannot be"):
        mailed(world, rid, world.clock.today())


def test_the_letter_is_mailed_and_the_service_logged(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    today = world.clock.today()
    with unchanged(world, RuleViolation, "print it before mailing"):
        mailed(world, rid, today)
    pdf = letter(world, rid, log)
    for bad, error, match in (
        ("94001118", InvalidInput, "tracking"),
        ("9400 1118 9922", InvalidInput, "tracking"),
        ("9400111899223344556677aa", InvalidInput, "tracking"),
    ):
        with unchanged(world, error, match):
            mailed(world, rid, today, tracking=bad)
    with unchanged(world, InvalidInput, "after today"):
        mailed(world, rid, today + timedelta(days=1))
    with unchanged(world, InvalidInput, "before the notice was owed"):
        mailed(world, rid, LAST_DAY - timedelta(days=1))
    with unchanged(world, Forbidden, "reviewer"):
        mailed(world, rid, today, who="auditor")
    row = mailed(world, rid, today)
    assert (row.state, row.mailed_on) == (NoticeState.MAILED, today)
    assert row.tracking_ct is not None
    assert b"9400111899223344556677" not in row.tracking_ct
    assert events(world, rid)[-1] == "notice_served"
    with world.tx() as s:
        entry = s.scalars(select(LogEntry.data).order_by(LogEntry.idx.desc())).first()
        assert entry is not None
        entry = entry_bytes(s, entry)
    assert b'"outcome":"on_time"' in entry
    stored = notice(world, rid)
    assert stored is not None
    assert stored.letter_sha256 == hashlib.sha256(pdf).digest()
    with unchanged(world, InvalidTransition, "the notice was mailed; it cannot be delayed"):
        delay(world, rid, today + timedelta(days=10))
    with unchanged(world, InvalidTransition, "the notice was mailed"):
        mailed(world, rid, today)


def test_a_letter_mailed_late_is_logged_late(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    world.clock.set_date(DUE + timedelta(days=3))
    letter(world, rid, log)
    mailed(world, rid, DUE + timedelta(days=2))
    with world.tx() as s:
        entry = s.scalars(select(LogEntry.data).order_by(LogEntry.idx.desc())).first()
        assert entry is not None
        entry = entry_bytes(s, entry)
    assert b'"outcome":"late"' in entry


def test_a_mailing_dated_inside_an_ended_delay_is_refused(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    start = world.clock.today()
    delay(world, rid, start + timedelta(days=5))
    world.clock.set_date(start + timedelta(days=7))  # the delay ended; not swept yet
    letter(world, rid, log)
    with pytest.raises(RuleViolation, match="was in force"):
        mailed(world, rid, start + timedelta(days=3))
    row = mailed(world, rid, start + timedelta(days=7))
    assert row.state is NoticeState.MAILED
    assert events(world, rid)[-2:] == ["notice_resumed", "notice_served"]


# --- reading ---


def test_who_reads_notices(world: World) -> None:
    rid = ended_cover(world)
    with world.tx() as s:
        for who, count in (("reviewer", 1), ("auditor", 1), ("court", 1), ("court2", 0),
                           ("fbi", 1), ("dea", 0)):  # fmt: skip
            rows = reading.list_notices(session=s, ctx=world.ctx, actor=world.user(s, who))
            assert len(rows) == count, who
        for who in ("observer", "admin", "osg"):
            with pytest.raises(Forbidden):
                reading.list_notices(session=s, ctx=world.ctx, actor=world.user(s, who))
        request = world.request(s, rid)
        with pytest.raises(NotFound):
            reading.get_notice(
                session=s, ctx=world.ctx, actor=world.user(s, "dea"), request=request
            )
        view = reading.notice_view(
            session=s,
            ctx=world.ctx,
            notice=reading.get_notice(
                session=s, ctx=world.ctx, actor=world.user(s, "fbi"), request=request
            ),
            request=request,
        )
    assert view["state"] == "pending"
    assert view["due_on"] == DUE.isoformat()
    assert "Jordan" not in repr(view)
