"""The court acts on its orders: confirm, refuse, seal, unseal (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from covergate.courts import service
from covergate.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from covergate.lifecycle.events import OrderIdentity, order_commitment
from covergate.lifecycle.states import OrderState
from tests.courts.common import order_entries, order_row, unchanged
from tests.factories import mail_cover_data
from tests.world import COURT, OTHER_COURT, World

TODAY = date(2026, 1, 2)
IDENTITY = OrderIdentity(COURT, "26-mj-0042", "Hon. A. Judge", date(2026, 1, 4), None)


def opens(entry: dict[str, object]) -> bool:
    """Whether the entry opens the commitment all the order's entries carry."""
    salt = bytes.fromhex(str(entry["order_salt"]))
    identity = OrderIdentity(
        str(entry["court"]),
        str(entry["docket"]),
        str(entry["judge"]),
        date.fromisoformat(str(entry["issued"])),
        date.fromisoformat(str(entry["expires"])) if entry["expires"] else None,
    )
    return order_commitment(salt, identity) == entry["order_commitment"]


def test_an_unsealed_confirmation_publishes_the_order_and_opens_the_commitment(
    world: World,
) -> None:
    rid = world.submit(confirm=False)
    world.confirm(rid)
    order = order_row(world, rid)
    assert order is not None
    assert order.state is OrderState.CONFIRMED
    assert order.decided_on == TODAY
    assert order.decided_by == world.people["court"].id
    filed, confirmed = order_entries(world, rid)
    assert confirmed["event"] == "order_confirmed"
    assert confirmed["order_commitment"] == filed["order_commitment"]
    assert (confirmed["court"], confirmed["docket"], confirmed["judge"]) == (
        COURT,
        "26-mj-0042",
        "Hon. A. Judge",
    )
    assert confirmed["issued"] == "2026-01-04"
    assert confirmed["sealed_until"] is None
    assert confirmed["standard"] == "specific_and_articulable_facts"
    assert opens(confirmed)
    # the subject is nowhere in the public log
    text = repr(order_entries(world, rid))
    assert "Jordan Example" not in text
    assert "Elm Street" not in text


def test_a_sealed_confirmation_publishes_only_the_commitment_and_the_day(world: World) -> None:
    rid = world.submit(confirm=False)
    world.confirm(rid, sealed_until=date(2026, 7, 1))
    _filed, confirmed = order_entries(world, rid)
    assert confirmed["sealed_until"] == "2026-07-01"
    for key in ("court", "docket", "judge", "issued", "order_salt", "document_sha256"):
        assert confirmed[key] is None, key
    order = order_row(world, rid)
    assert order is not None
    assert service.is_sealed(order)


@pytest.mark.parametrize(
    "day", [TODAY, TODAY - timedelta(days=1), date(2036, 1, 3), date(2040, 1, 1)]
)
def test_a_seal_ends_after_today_and_within_ten_years(world: World, day: date) -> None:
    rid = world.submit(confirm=False)
    with unchanged(world, InvalidInput, "sealed_until"):
        world.confirm(rid, sealed_until=day)
    world.confirm(rid, sealed_until=date(2036, 1, 2))  # exactly ten years is fine


def test_a_refusal_seals_its_reasons_and_is_logged(world: World) -> None:
    rid = world.submit(confirm=False)
    world.refuse(rid, reasons="This court issued no order under that docket.")
    order = order_row(world, rid)
    assert order is not None
    assert order.state is OrderState.REFUSED
    assert order.reasons_ct is not None
    assert b"docket" not in order.reasons_ct
    with world.tx() as s:
        reasons = service.refusal_reasons(ctx=world.ctx, request=world.request(s, rid), order=order)
    assert reasons == "This court issued no order under that docket."
    refused = order_entries(world, rid)[-1]
    assert refused["event"] == "order_refused"
    assert opens(refused)
    assert "under that docket" not in repr(order_entries(world, rid))


def test_a_sealed_refusal_publishes_only_the_commitment(world: World) -> None:
    rid = world.submit(confirm=False)
    world.refuse(rid, sealed_until=date(2026, 3, 1))
    refused = order_entries(world, rid)[-1]
    assert refused["event"] == "order_refused"
    assert refused["sealed_until"] == "2026-03-01"
    assert refused["court"] is None
    assert refused["order_salt"] is None


def test_a_refusal_needs_reasons(world: World) -> None:
    rid = world.submit(confirm=False)
    with unchanged(world, InvalidInput, "reasons of 10"):
        world.refuse(rid, reasons="   too short  ")


@pytest.mark.parametrize("second", ["confirm", "refuse"])
def test_the_court_decides_once(world: World, second: str) -> None:
    rid = world.submit(confirm=False)
    world.confirm(rid)
    with unchanged(world, InvalidTransition, "the court decides once"):
        if second == "confirm":
            world.confirm(rid)
        else:
            world.refuse(rid)


def test_another_courts_order_is_not_found(world: World) -> None:
    rid = world.submit(confirm=False)
    with unchanged(world, NotFound):
        world.confirm(rid, who="court2")
    with unchanged(world, NotFound):
        world.refuse(rid, who="court2")
    with unchanged(world, NotFound), world.tx() as s:
        service.find_order(session=s, ctx=world.ctx, actor=world.user(s, "court2"), public_id=rid)
    # an order naming the other court is that court's
    other = world.submit(mail_cover_data(legal_process__court=OTHER_COURT), confirm=False)
    with unchanged(world, NotFound):
        world.confirm(other)
    world.confirm(other, who="court2")


@pytest.mark.parametrize("who", ["osg", "reviewer", "auditor", "fbi", "admin"])
def test_only_a_court_user_acts_on_orders(world: World, who: str) -> None:
    rid = world.submit(confirm=False)
    with unchanged(world, Forbidden, "only a court may"):
        world.confirm(rid, who=who)


# --- unsealing ------------------------------------------------------------------------


def test_the_court_unseals_its_order(world: World) -> None:
    rid = world.submit(confirm=False)
    world.confirm(rid, sealed_until=date(2026, 6, 1))
    world.clock.set_date(date(2026, 2, 1))
    with unchanged(world, NotFound), world.tx() as s:
        service.unseal(
            session=s, ctx=world.ctx, actor=world.user(s, "court2"), request=world.request(s, rid)
        )
    with world.tx() as s:
        service.unseal(
            session=s, ctx=world.ctx, actor=world.user(s, "court"), request=world.request(s, rid)
        )
    unsealed = order_entries(world, rid)[-1]
    assert unsealed["event"] == "order_unsealed"
    assert unsealed["outcome"] == "court"
    assert unsealed["date"] == "2026-02-01"
    assert unsealed["sealed_until"] == "2026-06-01"
    assert opens(unsealed)
    with unchanged(world, InvalidTransition, "not sealed"), world.tx() as s:
        service.unseal(
            session=s, ctx=world.ctx, actor=world.user(s, "court"), request=world.request(s, rid)
        )


def test_an_unsealed_order_cannot_be_unsealed(world: World) -> None:
    rid = world.submit(confirm=False)
    world.confirm(rid)
    with unchanged(world, InvalidTransition, "not sealed"), world.tx() as s:
        service.unseal(
            session=s, ctx=world.ctx, actor=world.user(s, "court"), request=world.request(s, rid)
        )


def sweep(world: World) -> int:
    with world.tx() as s:
        return service.sweep_unsealing(session=s, ctx=world.ctx)


def test_the_sweep_unseals_each_order_on_its_day(world: World) -> None:
    early, late = world.submit(confirm=False), world.submit(confirm=False)
    open_now = world.submit(confirm=False)
    world.confirm(early, sealed_until=date(2026, 3, 1))
    world.refuse(late, sealed_until=date(2026, 4, 1))
    world.confirm(open_now)
    assert sweep(world) == 0
    world.clock.set_date(date(2026, 2, 28))
    assert sweep(world) == 0
    world.clock.set_date(date(2026, 3, 1))
    assert sweep(world) == 1
    entry = order_entries(world, early)[-1]
    assert (entry["event"], entry["outcome"], entry["date"]) == (
        "order_unsealed",
        "seal_expired",
        "2026-03-01",
    )
    assert opens(entry)
    assert sweep(world) == 0  # once
    world.clock.set_date(date(2026, 5, 1))  # a missed day is caught up
    assert sweep(world) == 1
    assert order_entries(world, late)[-1]["outcome"] == "seal_expired"
    assert [e["event"] for e in order_entries(world, open_now)] == [
        "order_filed",
        "order_confirmed",
    ]
