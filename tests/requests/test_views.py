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


def test_a_submission_writes_each_row_once_and_its_answer_asks_nothing_back(
    world: World,
) -> None:
    """Intake inserts the request (court and details key included) and its order with
    one statement each, no UPDATE after; its two entries in one append and their
    history rows in one insert; the answer reads none of it back, and is still the
    detail anyone reads afterwards."""
    from covergate.document import request_document_from_data
    from covergate.requests import service

    with world.tx() as s:
        actor = world.user(s, "fbi")
        with statements(world) as seen:
            result = service.submit(
                session=s,
                ctx=world.ctx,
                actor=actor,
                document=request_document_from_data(mail_cover_data(START)),
            )
            answered = views.detail(session=s, request=result.request)
            s.flush()
    writes = [q.split("(")[0].split(" RETURNING")[0].strip() for q in seen]
    assert [w for w in writes if w.startswith("UPDATE")] == []
    assert writes.count("INSERT INTO requests") == 1
    assert writes.count("INSERT INTO court_orders") == 1
    assert writes.count("INSERT INTO log_entries") == 1
    assert writes.count("INSERT INTO request_events") == 1
    read_back = ("FROM requests", "FROM court_orders", "FROM request_events")
    assert [
        q for q in seen if q.lstrip().startswith("SELECT") and any(t in q for t in read_back)
    ] == []
    assert [h["event"] for h in answered["history"]] == ["submitted", "order_filed"]
    assert answered["court_order"] is not None
    assert answered == detail(world, result.request.public_id)


def test_a_submission_in_a_savepoint_is_answered_from_the_database(world: World) -> None:
    """The web form submits in a savepoint (a refusal leaves nothing): what it wrote
    there is not taken as known, the detail asks for it, and is the same."""
    from covergate.document import request_document_from_data
    from covergate.requests import service

    with world.tx() as s:
        with s.begin_nested():
            result = service.submit(
                session=s,
                ctx=world.ctx,
                actor=world.user(s, "fbi"),
                document=request_document_from_data(mail_cover_data(START)),
            )
        assert not service.created_here(s, result.request)
        with statements(world) as seen:
            answered = views.detail(session=s, request=result.request)
    assert sum("FROM request_events" in q for q in seen) == 1
    assert sum("FROM court_orders" in q for q in seen) == 1
    assert [h["event"] for h in answered["history"]] == ["submitted", "order_filed"]
    assert answered == detail(world, result.request.public_id)


def test_a_submission_without_an_order_is_answered_without_one(world: World) -> None:
    from covergate.document import request_document_from_data
    from covergate.requests import service

    data = mail_cover_data(START, legal_process=None, emergency=EMERGENCY)
    with world.tx() as s:
        result = service.submit(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            document=request_document_from_data(data),
        )
        answered = views.detail(session=s, request=result.request)
    assert answered["court_order"] is None
    assert [h["event"] for h in answered["history"]] == ["submitted"]
    assert answered == detail(world, result.request.public_id)


def test_the_row_intake_inserts_is_the_one_later_steps_read_and_change(world: World) -> None:
    """The Core INSERT gives every column what the ORM's would have (defaults, the
    court, the sealing key, version 1), and the object it keeps is the stored row:
    the next steps (court, review) change it under the optimistic version check."""
    from sqlalchemy import select

    from covergate.courts.filing import order_of
    from covergate.lifecycle.models import Request

    rid = world.submit(confirm=False)
    with world.tx() as s:
        row = s.execute(
            select(
                Request.version,
                Request.refused_observations,
                Request.observations_destroyed,
                Request.court_id,
                Request.details_key,
                Request.reviewer_id,
            ).where(Request.public_id == rid)
        ).one()
        order = order_of(session=s, request=world.request(s, rid))
        assert order is not None
        court_id = order.court_id
    assert row[:4] == (1, 0, 0, court_id)
    assert row.details_key is not None
    assert len(row.details_key) == 32
    assert row.reviewer_id is None
    world.confirm(rid)
    world.review(rid)
    shown = detail(world, rid)
    assert [h["event"] for h in shown["history"]] == [
        "submitted",
        "order_filed",
        "order_confirmed",
        "reviewed",
    ]
