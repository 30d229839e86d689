"""Emergency covers: no confirmed order within 3 days, or a refused order (safeguards-2026).

The approval gate (``courts.gate``) sets ``order_due`` to the received date plus
``authority.emergency_order.days``; the sweep ends and destroys a cover the day
after, not on the due day itself.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from covergate.errors import Gone
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import RequestEvent
from covergate.lifecycle.states import CloseReason, DestructionReason, OrderState, RequestState
from covergate.policy import load_policy
from covergate.retention import service
from covergate.retention.emergencies import sweep_emergencies, sweep_refused_orders
from covergate.transparency.models import LogEntry
from tests.factories import mail_cover_data
from tests.log_entries import entry_fields
from tests.retention.steps import (
    COURT,
    EMERGENCY,
    RECEIVED,
    START,
    close,
    emergency_cover,
    put_order,
    record,
)
from tests.world import World

DUE = RECEIVED + timedelta(days=3)


def sweep(world: World) -> int:
    with world.tx() as s:
        return sweep_emergencies(session=s, ctx=world.ctx)


def events(world: World, rid: str) -> list[str]:
    with world.tx() as s:
        request = world.request(s, rid)
        rows = s.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.id)
        )
        return [e.event.value for e in rows]


def ordered_emergency(world: World) -> str:
    """An emergency cover whose court order was filed with it (not confirmed yet)."""
    rid = world.submit(mail_cover_data(emergency=EMERGENCY))
    world.review(rid)
    world.approve(rid)
    world.clock.set_date(START)
    record(world, rid, START)
    return rid


def test_the_gate_sets_the_due_day_three_days_after_the_request(world: World) -> None:
    rid = emergency_cover(world)
    with world.tx() as s:
        request = world.request(s, rid)
        assert (
            request.order_due
            == DUE
            == RECEIVED + timedelta(days=world.ctx.policy.authority.emergency_order.days or 0)
        )
        assert request.state is RequestState.ACTIVE


def test_no_order_by_day_three_ends_and_destroys_the_cover_the_day_after(world: World) -> None:
    rid = emergency_cover(world)
    world.clock.set_date(DUE)  # day 3: still in time
    assert sweep(world) == 0
    with world.tx() as s:
        assert world.request(s, rid).destroyed_on is None
    world.clock.set_date(DUE + timedelta(days=1))
    assert sweep(world) == 1
    assert sweep(world) == 0  # once
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.state is RequestState.CLOSED
        assert request.close_reason is CloseReason.NO_TIMELY_ORDER
        assert request.closed_on == DUE + timedelta(days=1)
        assert request.destruction_reason is DestructionReason.NO_TIMELY_ORDER
        shown = service.destruction_of(session=s, ctx=world.ctx, request=request)
        closed = s.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == request.id, RequestEvent.event == "closed"
            )
        ).one()
        entry = entry_fields(s, s.get_one(LogEntry, closed.entry_index).data)
    assert events(world, rid)[-2:] == ["closed", "data_destroyed"]
    assert (entry["outcome"], entry["state"]) == ("no_timely_order", "closed")
    assert shown is not None
    assert shown.explanation == (
        "no order confirmed by a court within 3 days of the emergency request received "
        f"on {RECEIVED.isoformat()}; the cover ended on {(DUE + timedelta(days=1)).isoformat()} "
        "and its data was destroyed (39 CFR 233.3(c)(10); safeguards-2026, emergency exception)"
    )


def test_a_filed_order_not_confirmed_in_time_is_no_order(world: World) -> None:
    rid = ordered_emergency(world)
    assert world.order_state(rid) is OrderState.FILED
    world.clock.set_date(DUE + timedelta(days=1))
    assert sweep(world) == 1
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.destruction_reason is DestructionReason.NO_TIMELY_ORDER
        shown = service.destruction_of(session=s, ctx=world.ctx, request=request)
    assert shown is not None
    assert shown.explanation.startswith(f"no order confirmed by {COURT} within 3 days")


def test_nothing_is_swept_under_a_policy_without_the_duty(world: World) -> None:
    rid = emergency_cover(world)
    world.clock.set_date(DUE + timedelta(days=1))
    world.ctx = world.ctx.with_policy(load_policy("usps-2017"))
    assert sweep(world) == 0
    with world.tx() as s:
        assert world.request(s, rid).destroyed_on is None


def test_an_order_confirmed_in_time_leaves_the_cover_alone(world: World) -> None:
    rid = ordered_emergency(world)
    world.clock.set_date(DUE)
    world.confirm(rid)
    before = events(world, rid)
    for later in (1, 2, 40):
        world.clock.set_date(DUE + timedelta(days=later))
        assert sweep(world) == 0
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.destroyed_on is None
        request_cipher(world.ctx, request)  # its data is there
    assert [e for e in events(world, rid) if e not in ("expired",)] == before


def test_an_order_confirmed_too_late_does_not_save_the_cover(world: World) -> None:
    rid = emergency_cover(world)
    put_order(world, rid, OrderState.CONFIRMED, DUE + timedelta(days=1))
    world.clock.set_date(DUE + timedelta(days=2))
    assert sweep(world) == 1


def test_a_refused_order_ends_and_destroys_a_running_cover_at_once(world: World) -> None:
    rid = ordered_emergency(world)
    world.refuse(rid)  # on the start day, before the due day
    with world.tx() as s:
        assert sweep_refused_orders(session=s, ctx=world.ctx) == 1
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.state is RequestState.CLOSED
        assert request.close_reason is CloseReason.ORDER_REFUSED
        assert request.destruction_reason is DestructionReason.ORDER_REFUSED
        shown = service.destruction_of(session=s, ctx=world.ctx, request=request)
        try:
            request_cipher(world.ctx, request)
            raise AssertionError("the data is still readable")
        except Gone:
            pass
    assert shown is not None
    assert shown.explanation.startswith(f"{COURT} refused the order on {START.isoformat()}")
    assert sweep(world) == 0  # and never again, even after the due day
    world.clock.set_date(DUE + timedelta(days=5))
    assert sweep(world) == 0


def test_an_ended_emergency_cover_without_order_is_destroyed_not_closed_again(
    world: World,
) -> None:
    rid = emergency_cover(world)
    close(world, rid)  # the agency ended it on day 3
    world.clock.set_date(DUE + timedelta(days=1))
    assert sweep(world) == 1
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.close_reason is CloseReason.REQUESTED
        assert request.destruction_reason is DestructionReason.NO_TIMELY_ORDER
    assert events(world, rid).count("closed") == 1


def test_a_request_still_in_review_is_left_alone(world: World) -> None:
    rid = world.submit(mail_cover_data(legal_process=None, emergency=EMERGENCY))
    world.review(rid)
    with world.tx() as s:
        world.request(s, rid).order_due = DUE  # as if the gate had set it
    world.clock.set_date(DUE + timedelta(days=10))
    assert sweep(world) == 0
