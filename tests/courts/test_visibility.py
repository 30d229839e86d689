"""A court sees the requests whose order names it, and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from covergate.courts import filing, service
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle import access
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import OrderState
from tests.courts.common import unchanged
from tests.factories import mail_cover_data, records_data
from tests.world import OTHER_COURT, World


def visible_ids(world: World, who: str) -> set[str]:
    with world.tx() as s:
        rows = access.list_visible(session=s, ctx=world.ctx, actor=world.user(s, who))
        return {r.public_id for r in rows}


def test_a_court_sees_only_the_requests_its_orders_name(world: World) -> None:
    mine = world.submit(confirm=False)
    decided = world.active_cover()  # confirmed and approved: still the court's
    theirs = world.submit(mail_cover_data(legal_process__court=OTHER_COURT), confirm=False)
    no_order = world.submit(records_data())
    assert visible_ids(world, "court") == {mine, decided}
    assert visible_ids(world, "court2") == {theirs}
    assert no_order in visible_ids(world, "auditor")
    with world.tx() as s:
        for rid in (theirs, no_order):
            with pytest.raises(NotFound):
                access.get_visible(
                    session=s, ctx=world.ctx, actor=world.user(s, "court"), public_id=rid
                )


def test_the_court_lists_its_orders_by_state(world: World) -> None:
    filed = world.submit(confirm=False)
    confirmed = world.submit()
    world.submit(mail_cover_data(legal_process__court=OTHER_COURT), confirm=False)

    def listed(state: OrderState | None) -> list[str]:
        with world.tx() as s:
            rows = service.court_orders(session=s, actor=world.user(s, "court"), state=state)
            return [request.public_id for _order, request in rows]

    assert listed(None) == [confirmed, filed]  # newest first
    assert listed(OrderState.FILED) == [filed]
    assert listed(OrderState.CONFIRMED) == [confirmed]
    assert listed(OrderState.REFUSED) == []


def reads(world: World, who: str) -> list[tuple[AccessKind, str]]:
    with world.tx() as s:
        rows = s.scalars(select(AccessRecord).where(AccessRecord.user_id == world.people[who].id))
        return [(r.what, r.reason) for r in rows]


def test_reading_an_order_and_its_document_is_access_logged(world: World) -> None:
    rid = world.submit(confirm=False)
    with world.tx() as s:
        filing.attach_document(
            session=s, ctx=world.ctx, actor=world.user(s, "fbi"), request=world.request(s, rid),
            data=b"%PDF-1.7 the order",
        )  # fmt: skip
    with unchanged(world, InvalidInput, "reason"), world.tx() as s:
        court = world.user(s, "court")
        request, _order = service.find_order(session=s, ctx=world.ctx, actor=court, public_id=rid)
        service.show_order(session=s, ctx=world.ctx, actor=court, request=request, reason="")
    with world.tx() as s:
        court = world.user(s, "court")
        request, _order = service.find_order(session=s, ctx=world.ctx, actor=court, public_id=rid)
        document = service.show_order(
            session=s, ctx=world.ctx, actor=court, request=request, reason="deciding the order"
        )
        data = service.read_document(
            session=s, ctx=world.ctx, actor=court, request=request, reason="reading the order"
        )
    assert document.subject.name == "Jordan Example"
    assert data == b"%PDF-1.7 the order"
    assert reads(world, "court") == [
        (AccessKind.SUBJECT, "deciding the order"),
        (AccessKind.SUBJECT, "reading the order"),
    ]


def test_another_court_reads_nothing(world: World) -> None:
    rid = world.submit(confirm=False)
    with unchanged(world, NotFound), world.tx() as s:
        court2 = world.user(s, "court2")
        service.find_order(session=s, ctx=world.ctx, actor=court2, public_id=rid)
    with unchanged(world, NotFound), world.tx() as s:
        request = world.request(s, rid)
        service.read_document(
            session=s, ctx=world.ctx, actor=world.user(s, "court2"), request=request,
            reason="curious",
        )  # fmt: skip
