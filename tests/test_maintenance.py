"""``covergate.maintenance.sweep_all``: every dated step, each in its own transaction.

On a :class:`Runtime` over the ``database`` fixture (SQLite and PostgreSQL), with the
world's service context (its clock, cipher and policy, safeguards-2026). The
factories' requests are received on 2 January 2026 and start on the 5th; an
emergency's order is due by the 5th (received + 3 days), so the sweep of the 6th,
day 4, ends and destroys an emergency cover still without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import RequestEvent
from covergate.lifecycle.states import (
    CloseReason,
    DestructionReason,
    NoticeState,
    RequestState,
)
from covergate.maintenance import SweepSummary, sweep_all
from covergate.notices import bundle
from covergate.notices import service as notices
from covergate.notices.models import Notice
from covergate.runtime import Runtime
from tests.conftest import Database, runtime_on
from tests.factories import mail_cover_data
from tests.world import World, build_world

TODAY = date(2026, 1, 2)  # the day the requests are received
START = date(2026, 1, 5)  # their first day; the emergency's order is due by then
DAY_4 = START + timedelta(days=1)
EMERGENCY = {"kind": "physical_harm", "description": "Threat letters name a date next week."}
TRACKING = "9400111899223344556677"
ZERO = SweepSummary(0, 0, 0, 0, 0, 0, 0)


@pytest.fixture
def rt(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    with runtime_on(database, tmp_path, TODAY) as runtime:
        yield runtime


@pytest.fixture
def world(rt: Runtime) -> World:
    return build_world(rt.sessions, start=TODAY)


def sweep(rt: Runtime, world: World, day: date) -> SweepSummary:
    world.clock.set_date(day)
    return sweep_all(rt, world.ctx)


def events(world: World, rid: str) -> list[EventType]:
    with world.tx() as s:
        request = world.request(s, rid)
        query = select(RequestEvent.event).where(RequestEvent.request_id == request.id)
        return list(s.scalars(query.order_by(RequestEvent.id)))


def notice_row(world: World, rid: str) -> Notice:
    with world.tx() as s:
        notice = notices.notice_of(session=s, request=world.request(s, rid))
        assert notice is not None
        s.expunge(notice)
        return notice


def test_one_sweep_ends_an_emergency_unseals_an_order_and_keeps_the_notice_owed(
    rt: Runtime, world: World
) -> None:
    emergency = world.submit(mail_cover_data(legal_process=None, emergency=EMERGENCY))
    world.review(emergency)
    world.approve(emergency)
    sealed = world.submit(confirm=False)
    world.confirm(sealed, sealed_until=DAY_4)
    world.review(sealed)
    world.approve(sealed)

    assert sweep(rt, world, TODAY) == ZERO  # nothing is due yet
    # Day 3: both start; the emergency's order may still come today.
    assert sweep(rt, world, START) == SweepSummary(2, 0, 0, 0, 0, 0, 0)
    with world.tx() as s:
        assert world.request(s, emergency).state is RequestState.ACTIVE
        assert world.request(s, emergency).order_due == START
        assert world.request(s, sealed).state is RequestState.ACTIVE
    assert EventType.ORDER_UNSEALED not in events(world, sealed)

    # Day 4: the emergency ends and its data goes; the seal ends; nothing else moves.
    summary = sweep(rt, world, DAY_4)
    assert summary == SweepSummary(
        covers_moved=0,
        emergencies_ended=1,
        unsealed=1,
        notices_owed=0,  # the emergency's notice was owed when its data was destroyed
        notices_resumed=0,
        notices_overdue=0,
        destroyed_for_retention=0,
    )
    assert summary.total == 2
    assert summary.to_json()["emergencies_ended"] == 1
    with world.tx() as s:
        ended = world.request(s, emergency)
        assert ended.state is RequestState.CLOSED
        assert ended.close_reason is CloseReason.NO_TIMELY_ORDER
        assert (ended.closed_on, ended.destroyed_on) == (DAY_4, DAY_4)
        assert ended.destruction_reason is DestructionReason.NO_TIMELY_ORDER
        assert ended.data_key_ct is None
        assert world.request(s, sealed).state is RequestState.ACTIVE  # its cover runs on
    assert events(world, emergency)[-2:] == [EventType.CLOSED, EventType.DATA_DESTROYED]
    assert events(world, sealed)[-1] is EventType.ORDER_UNSEALED
    owed = notice_row(world, emergency)
    assert owed.state is NoticeState.PENDING
    assert owed.owed_from == DAY_4
    assert owed.addressee_ct is not None  # who to tell outlives the request's data

    # The letter can still be printed from the kept addressee, and mailing it forgets it.
    with world.tx() as s:
        pdf = bundle.print_letter(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, emergency),
            log_key=rt.log_signer.verifier_key(),
        )
    assert pdf.startswith(b"%PDF-")
    assert notice_row(world, emergency).letter_sha256 is not None
    with world.tx() as s:
        notices.mark_mailed(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, emergency),
            mailed_on=DAY_4,
            tracking=TRACKING,
        )
    mailed = notice_row(world, emergency)
    assert (mailed.state, mailed.mailed_on, mailed.addressee_ct) == (
        NoticeState.MAILED,
        DAY_4,
        None,
    )
    assert events(world, emergency)[-1] is EventType.NOTICE_SERVED

    # The subject has been told: the next sweep discloses the request (its sealed
    # entries open); a further sweep the same day finds nothing.
    assert sweep(rt, world, DAY_4) == SweepSummary(0, 0, 0, 0, 0, 0, 0, disclosed=1)
    assert events(world, emergency)[-1] is EventType.DISCLOSED
    assert sweep(rt, world, DAY_4) == ZERO


def test_the_day_a_denial_is_disclosed_is_a_day_the_sweep_is_due(rt: Runtime, world: World) -> None:
    """A denial owes no notice: the first sweep finds its disclosure day (90 days on),
    next_due names it, and the sweep of that day discloses it."""
    from covergate.maintenance import next_due
    from covergate.requests.schemas import DecisionOutcome

    denied = world.submit()
    world.review(denied)
    world.approve(denied, outcome=DecisionOutcome.DENY, reasons="No reasonable grounds.")
    assert sweep(rt, world, TODAY) == ZERO
    day = TODAY + timedelta(days=90)
    with world.tx() as s:
        assert world.request(s, denied).disclosure_due == day
        assert next_due(s, TODAY) == day
    assert sweep(rt, world, day - timedelta(days=1)) == ZERO
    assert sweep(rt, world, day).disclosed == 1
    assert events(world, denied)[-1] is EventType.DISCLOSED
    with world.tx() as s:  # what is left: the end of its retention, years on
        assert next_due(s, day) == world.request(s, denied).retain_until
