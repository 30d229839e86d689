"""The retention schedule: records kept 8 years after a request ends, then destroyed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from covergate.errors import InvalidInput
from covergate.lifecycle import period
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import CloseReason, DestructionReason, RequestState
from covergate.policy.authority import Retention
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionOutcome
from covergate.retention import schedule, service
from covergate.retention.schemas import RetentionRun
from covergate.transparency.models import LogEntry
from tests.factories import records_data
from tests.retention.steps import close, produced_records, running_records
from tests.world import World

ENDED = date(2026, 2, 1)


def run(world: World, *, dry_run: bool = False, limit: int | None = None) -> RetentionRun:
    with world.tx() as s:
        return schedule.run_retention(session=s, ctx=world.ctx, dry_run=dry_run, limit=limit)


def rows(world: World) -> list[tuple[object, ...]]:
    with world.tx() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    Request.public_id, Request.state, Request.version, Request.retain_until,
                    Request.destroyed_on, Request.data_key_ct,
                ).order_by(Request.id)
            )
        ]  # fmt: skip


def log_size(world: World) -> int:
    with world.tx() as s:
        return s.scalar(select(func.count()).select_from(LogEntry)) or 0


def closed_on(world: World, day: date) -> str:
    rid = running_records(world)
    world.clock.set_date(day)
    close(world, rid)
    return rid


def test_kept_eight_years_to_the_day_then_destroyed_and_the_run_logged(world: World) -> None:
    rid = closed_on(world, ENDED)
    world.clock.set_date(date(2034, 1, 31))
    assert run(world).count == 0
    with world.tx() as s:
        assert world.request(s, rid).retain_until == date(2034, 2, 1)  # set by the run
        assert world.request(s, rid).destroyed_on is None
    world.clock.set_date(date(2034, 2, 1))
    size = log_size(world)
    result = run(world)
    assert [(i.request_id, i.ended_on, i.retain_until) for i in result.items] == [
        (rid, ENDED, date(2034, 2, 1))
    ]
    assert result.log_index == size + 1  # after the request's own data_destroyed entry
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.destruction_reason is DestructionReason.RETENTION_ENDED
        assert request.destroyed_on == date(2034, 2, 1)
        program = json.loads(s.get(LogEntry, result.log_index).data)  # type: ignore[union-attr]
        shown = service.destruction_of(session=s, ctx=world.ctx, request=request)
    assert program["event"] == "destruction_run"
    assert program["count"] == 1
    assert rid not in json.dumps(program)  # which ones is private (under commitment)
    assert shown is not None
    assert "kept 8 years after the request ended on 2026-02-01" in shown.explanation
    assert run(world).count == 0  # nothing twice
    assert log_size(world) == size + 2  # a run that destroys nothing logs nothing


def test_a_denied_request_is_kept_from_its_denial(world: World) -> None:
    rid = world.submit(records_data())
    world.review(rid)
    world.clock.set_date(ENDED)
    world.approve(rid, outcome=DecisionOutcome.DENY, reasons="No grounds shown.")
    world.clock.set_date(date(2034, 1, 31))
    assert run(world, dry_run=True).count == 0
    world.clock.set_date(date(2034, 2, 1))
    assert [i.ended_on for i in run(world).items] == [ENDED]


def test_a_dry_run_lists_what_would_go_and_writes_nothing(world: World) -> None:
    rid = produced_records(world)
    other = closed_on(world, ENDED)
    world.clock.set_date(date(2034, 1, 6))
    before, size = rows(world), log_size(world)
    result = run(world, dry_run=True)
    assert result.dry_run
    assert [(i.request_id, i.agency, i.reason) for i in result.items] == [
        (rid, "Federal Bureau of Investigation", DestructionReason.RETENTION_ENDED)
    ]
    assert result.items[0].retain_until == date(2034, 1, 5)
    assert result.log_index is None
    assert rows(world) == before  # not even retain_until is set
    assert log_size(world) == size
    assert other not in [i.request_id for i in result.items]


def test_open_requests_are_never_destroyed_by_retention(world: World) -> None:
    submitted = world.submit(records_data())
    in_review = world.submit(records_data())
    world.review(in_review)
    approved = world.active_cover(records_data(start=date(2026, 3, 1)))
    active = running_records(world)
    world.clock.set_date(date(2026, 3, 1) - timedelta(days=1))
    with world.tx() as s:
        states = {rid: world.request(s, rid).state for rid in (submitted, in_review, approved)}
    assert states == {
        submitted: RequestState.SUBMITTED,
        in_review: RequestState.IN_REVIEW,
        approved: RequestState.APPROVED,
    }
    with world.tx() as s:  # even with a retention day in the past
        s.execute(Request.__table__.update().values(retain_until=date(2026, 1, 1)))
    world.clock.set_date(date(2060, 1, 1))
    assert run(world).count == 0
    with world.tx() as s:
        assert s.scalar(select(func.count()).where(Request.destroyed_on.is_not(None))) == 0
        assert world.request(s, active).state is RequestState.EXPIRED  # ran out, not closed


def test_a_limit_caps_one_run(world: World) -> None:
    first, second = running_records(world), running_records(world)
    world.clock.set_date(ENDED)
    close(world, first)
    close(world, second)
    world.clock.set_date(date(2040, 1, 1))
    assert [i.request_id for i in run(world, limit=1).items] == [first]
    assert [i.request_id for i in run(world, limit=1).items] == [second]
    with pytest.raises(InvalidInput, match="limit"):
        run(world, limit=0)


def test_29_february_is_kept_until_28_february_in_a_common_year(world: World) -> None:
    policy = world.ctx.policy
    assert schedule.retention_day(date(2028, 2, 29), policy) == date(2036, 2, 29)
    one_year = replace(
        policy, authority=replace(policy.authority, retention=Retention(1, "39 CFR 233.3(h)"))
    )
    assert schedule.retention_day(date(2028, 2, 29), one_year) == date(2029, 2, 28)
    assert schedule.retention_day(date(2028, 3, 1), one_year) == date(2029, 3, 1)


def test_a_cover_that_expired_and_was_never_closed_is_kept_from_its_last_day(
    world: World,
) -> None:
    rid = running_records(world)
    with world.tx() as s:
        last = world.request(s, rid).active_until
    assert last is not None
    world.clock.set_date(last + timedelta(days=5))  # expired by the sweep, never closed
    with world.tx() as s:
        assert period.sweep(session=s, ctx=world.ctx) == 1
    due = date(last.year + 8, last.month, last.day)
    world.clock.set_date(due - timedelta(days=1))
    assert run(world).count == 0
    with world.tx() as s:
        request = world.request(s, rid)
        assert (request.state, request.retain_until) == (RequestState.EXPIRED, due)
        assert schedule.retention_due(session=s, ctx=world.ctx, request=request) == due
    world.clock.set_date(due)
    assert [(i.request_id, i.ended_on, i.retain_until) for i in run(world).items] == [
        (rid, last, due)
    ]
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.state is RequestState.CLOSED
        assert request.close_reason is CloseReason.EXPIRED
        assert (request.closed_on, request.destroyed_on) == (due, due)
        assert request.data_key_ct is None
        events = [e.event for e in requests.history(session=s, request=request)]
        shown = service.destruction_of(session=s, ctx=world.ctx, request=request)
    assert events[-2:] == [EventType.CLOSED, EventType.DATA_DESTROYED]
    assert shown is not None
    assert f"kept 8 years after the request ended on {last.isoformat()}" in shown.explanation


def test_a_cover_closed_after_it_expired_is_kept_from_its_last_day(world: World) -> None:
    rid = running_records(world)
    with world.tx() as s:
        last = world.request(s, rid).active_until
    assert last is not None
    world.clock.set_date(last + timedelta(days=40))
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.EXPIRED,
        )
        request = world.request(s, rid)
        assert request.closed_on == last + timedelta(days=40)
        assert schedule.end_day(session=s, request=request) == last


def sweep(world: World, limit: int = 10_000) -> int:
    with world.tx() as s:
        return schedule.sweep_retention(session=s, ctx=world.ctx, limit=limit)


def test_the_maintenance_step_destroys_what_a_run_would(world: World) -> None:
    """``sweep_retention`` (the maintenance sweep's step) is a run that is not dry:
    it sets ``retain_until`` while the retention lasts, then destroys and logs."""
    rid = closed_on(world, ENDED)
    world.clock.set_date(date(2034, 1, 31))
    assert sweep(world) == 0
    with world.tx() as s:
        assert world.request(s, rid).retain_until == date(2034, 2, 1)
    world.clock.set_date(date(2034, 2, 1))
    size = log_size(world)
    assert sweep(world) == 1
    assert log_size(world) == size + 2  # the request's data_destroyed, the destruction_run
    with world.tx() as s:
        assert world.request(s, rid).destruction_reason is DestructionReason.RETENTION_ENDED
    assert sweep(world) == 0
    with pytest.raises(InvalidInput):
        sweep(world, limit=0)
