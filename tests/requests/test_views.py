"""The request detail (``GET /api/v1/requests/{id}``, ``covergate request show``): what the
accountability steps add to it, with no subject data and one query per relation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from covergate.requests import views
from covergate.retention.emergencies import sweep_emergencies
from tests.factories import mail_cover_data
from tests.world import COURT, World

START = date(2026, 1, 5)
EMERGENCY = {"kind": "physical_harm", "description": "Threat letters name a date next week."}


def detail(world: World, rid: str) -> dict[str, Any]:
    with world.tx() as s:
        return views.detail(session=s, request=world.request(s, rid))


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    engine: Engine = world.sessions.kw["bind"]
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_requests_detail_shows_its_sealed_order_and_no_notice_yet(world: World) -> None:
    rid = world.submit(confirm=False)
    assert detail(world, rid)["court_order"] == {
        "court": COURT,
        "state": "filed",
        "sealed_until": None,
        "unsealed_on": None,
    }
    sealed_until = START + timedelta(days=10)
    world.confirm(rid, sealed_until=sealed_until)
    world.review(rid)
    world.approve(rid)
    with world.tx() as s:
        request = world.request(s, rid)
        with statements(world) as seen:
            shown = views.detail(session=s, request=request)
    # The requesting agency knows its own order: whoever sees the request sees its court.
    assert shown["court_order"] == {
        "court": COURT,
        "state": "confirmed",
        "sealed_until": sealed_until.isoformat(),
        "unsealed_on": None,
    }
    assert (shown["order_due"], shown["notice"]) == (None, None)
    assert (shown["destroyed_on"], shown["destruction_reason"]) == (None, None)
    assert "docket" not in shown["court_order"]
    assert sum("FROM court_orders" in q for q in seen) == 1
    assert sum("FROM notices" in q for q in seen) == 1


def test_an_emergency_ended_without_an_order_shows_its_due_day_destruction_and_notice(
    world: World,
) -> None:
    rid = world.submit(mail_cover_data(legal_process=None, emergency=EMERGENCY))
    world.review(rid)
    world.approve(rid)
    shown = detail(world, rid)
    assert (shown["court_order"], shown["order_due"]) == (None, START.isoformat())
    day_4 = START + timedelta(days=1)
    world.clock.set_date(day_4)
    with world.tx() as s:
        assert sweep_emergencies(session=s, ctx=world.ctx) == 1
    shown = detail(world, rid)
    assert shown["destroyed_on"] == day_4.isoformat()
    assert shown["destruction_reason"] == "no_timely_order"
    assert shown["closed"] == {"on": day_4.isoformat(), "reason": "no_timely_order"}
    notice = world.ctx.policy.authority.notice
    assert shown["notice"] == {
        "state": "pending",
        "due_on": (day_4 + timedelta(days=notice.days or 0)).isoformat(),
        "delayed_until": None,
        "mailed_on": None,
    }
    assert "Jordan" not in str(shown)  # no subject data


def test_the_answer_to_a_submission_is_the_detail_read_afterwards(world: World) -> None:
    """Built in the submitting transaction, the detail skips asking for rows only later
    steps write (observations, refusals, decisions, notice); it must still be the
    detail anyone reads afterwards."""
    from covergate.document import request_document_from_data
    from covergate.requests import service

    with world.tx() as s, statements(world) as seen:
        result = service.submit(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            document=request_document_from_data(mail_cover_data(START)),
        )
        answered = views.detail(session=s, request=result.request)
        later = ("observations", "refused_observations", "decisions", "notices")
        asked = [q for q in seen if any(f"FROM {table}" in q for table in later)]
    assert asked == []
    assert answered == detail(world, result.request.public_id)
