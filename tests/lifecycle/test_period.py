"""Defect 1: no retroactive authorisation (39 CFR 233.3(d), (g)), on both backends.

A cover approved on 1 February whose ``scope.start`` is 5 January used to become
active from 5 January, and mail dated weeks before the approval was recorded.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from covergate.covers.models import Observation, RefusedObservation
from covergate.covers.schemas import RefusalReason
from covergate.lifecycle.models import RequestEvent
from covergate.lifecycle.period import authorised_window
from covergate.transparency.service import read_commitment
from tests.factories import mail_cover_data
from tests.requests.test_service import mail, observe
from tests.world import World

ASKED_START = date(2026, 1, 5)
DECIDED = date(2026, 2, 1)


def late_cover(world: World) -> str:
    """A cover asked to start on 5 January, reviewed and approved on 1 February."""
    rid = world.submit(mail_cover_data(start=ASKED_START))
    world.clock.set_date(DECIDED)
    world.review(rid)
    world.approve(rid)
    return rid


def test_window_never_starts_before_the_decision() -> None:
    moved = authorised_window(asked_start=ASKED_START, days=30, decided_on=DECIDED)
    assert (moved.start, moved.end) == (DECIDED, DECIDED + timedelta(days=29))
    assert moved.moved_from == ASKED_START
    assert moved.note is not None
    assert "2026-01-05" in moved.note
    assert "233.3" in moved.note
    later = authorised_window(asked_start=date(2026, 3, 1), days=10, decided_on=DECIDED)
    assert (later.start, later.end, later.moved_from) == (date(2026, 3, 1), date(2026, 3, 10), None)
    assert later.note is None
    same = authorised_window(asked_start=DECIDED, days=1, decided_on=DECIDED)
    assert (same.start, same.end, same.moved_from) == (DECIDED, DECIDED, None)


def test_a_late_approval_starts_the_window_on_the_decision_day(world: World) -> None:
    rid = late_cover(world)
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.ordered_on == DECIDED
        assert request.active_from == DECIDED  # not 5 January
        assert request.active_until == DECIDED + timedelta(days=29)
        assert request.authorised_days == 30
        assert request.state.value == "active"
        decided = s.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == request.id, RequestEvent.event == "decided"
            )
        ).one()
        # the decision says so, in its committed private record
        _, record = read_commitment(session=s, index=decided.entry_index, cipher=world.ctx.cipher)
    assert b"2026-01-05" in record
    assert b"starts on the day of the decision" in record


def test_mail_dated_before_the_order_is_refused_and_counted(world: World) -> None:
    rid = late_cover(world)
    result = observe(world, rid, mail(date(2026, 1, 20)))
    assert not result.accepted
    assert result.reason is RefusalReason.BEFORE_ORDER
    assert "2026-01-20" in result.message
    assert "2026-02-01" in result.message
    assert "233.3" in result.message
    with world.tx() as s:
        assert world.request(s, rid).refused_observations == 1
        assert s.scalar(select(func.count()).select_from(Observation)) == 0
        assert s.scalar(select(RefusedObservation.reason)) is RefusalReason.BEFORE_ORDER
    # on and after the decision day, mail is recorded as usual
    assert observe(world, rid, mail(DECIDED)).accepted


def test_a_timely_approval_keeps_the_start_asked_for(world: World) -> None:
    rid = world.submit(mail_cover_data(start=ASKED_START))
    world.review(rid)
    world.approve(rid)  # on 2 January, before the start
    with world.tx() as s:
        request = world.request(s, rid)
        assert (request.ordered_on, request.active_from) == (date(2026, 1, 2), ASKED_START)
        assert request.state.value == "approved"
