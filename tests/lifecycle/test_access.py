"""Defect 3: observers see only running covers, and of those only what recording needs.

An observer could read the subject data of a request that was only submitted and
list every agency's requests. On both backends.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from covergate.errors import Forbidden, NotFound
from covergate.lifecycle import access, documents
from covergate.lifecycle.access import OBSERVER_LEAD_DAYS
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import CloseReason
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionOutcome
from covergate.users.schemas import Role
from tests.factories import mail_cover_data
from tests.world import DEA, World

TODAY = date(2026, 1, 2)


def visible_to_observer(world: World, rid: str) -> bool:
    with world.tx() as s:
        try:
            access.get_visible(
                session=s, ctx=world.ctx, actor=world.user(s, "observer"), public_id=rid
            )
        except NotFound:
            return False
    return True


def listed_for(world: World, who: str) -> set[str]:
    with world.tx() as s:
        rows = access.list_visible(session=s, ctx=world.ctx, actor=world.user(s, who))
        return {r.public_id for r in rows}


def test_observers_see_only_active_or_imminent_covers(world: World) -> None:
    submitted = world.submit()
    reviewed = world.submit()
    world.review(reviewed)
    denied = world.submit(mail_cover_data(agency__name=DEA, agency__functions=[
        "criminal_investigation"]), who="dea")  # fmt: skip
    world.review(denied)
    world.approve(denied, outcome=DecisionOutcome.DENY, reasons="Grounds not shown.")
    soon = world.active_cover(mail_cover_data(start=TODAY + timedelta(days=OBSERVER_LEAD_DAYS)))
    later = world.active_cover(mail_cover_data(start=TODAY + timedelta(days=30)))
    running = world.active_cover(mail_cover_data(start=TODAY))
    for rid in (submitted, reviewed, denied, later):
        assert not visible_to_observer(world, rid), rid
    for rid in (soon, running):
        assert visible_to_observer(world, rid), rid
    assert listed_for(world, "observer") == {soon, running}
    # staff and auditors still see everything; an agency sees its own
    assert listed_for(world, "auditor") == {submitted, reviewed, denied, soon, later, running}
    assert listed_for(world, "dea") == {denied}


def test_ended_covers_leave_the_observers_sight(world: World) -> None:
    expired = world.active_cover(mail_cover_data(start=TODAY))
    closed = world.active_cover(mail_cover_data(start=TODAY))
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, closed),
            reason=CloseReason.REQUESTED,
        )
    world.clock.set_date(TODAY + timedelta(days=40))
    assert not visible_to_observer(world, expired)
    assert not visible_to_observer(world, closed)
    assert listed_for(world, "observer") == set()


def test_observers_never_read_the_whole_document(world: World) -> None:
    rid = world.active_cover(mail_cover_data(start=TODAY))
    with world.tx() as s, pytest.raises(NotFound):
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "observer"),
            request=world.request(s, rid),
            reason="setting up the cover",
        )
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(AccessRecord)) == 0


def test_the_recording_view_holds_only_what_recording_needs(world: World) -> None:
    rid = world.active_cover(mail_cover_data(start=TODAY))
    with world.tx() as s:
        view = documents.recording_view(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "observer"),
            request=world.request(s, rid),
            reason="setting up the cover",
        )
        logged = s.scalars(select(AccessRecord)).all()
    body = view.to_json()
    assert set(body) == {
        "id",
        "covered_address",
        "attorney_addresses",
        "active_from",
        "active_until",
        "categories",
    }
    assert body["covered_address"]["line1"] == "12 Elm Street"
    assert body["attorney_addresses"][0]["line1"] == "400 Court Plaza"
    assert (body["active_from"], body["active_until"]) == ("2026-01-02", "2026-01-31")
    assert body["categories"] == ["mail_exterior"]
    text = str(body)
    for secret in ("Jordan Example", "Casey Counsel", "Victims", "FBI-2026-0042", "1341"):
        assert secret not in text
    assert [(r.what, r.reason) for r in logged] == [(AccessKind.SUBJECT, "setting up the cover")]


def test_the_recording_view_is_for_observers_of_visible_covers(world: World) -> None:
    submitted = world.submit()
    running = world.active_cover(mail_cover_data(start=TODAY))
    cases = [("observer", submitted), ("reviewer", running), ("fbi", running)]
    for who, rid in cases:
        with world.tx() as s, pytest.raises(NotFound):
            documents.recording_view(
                session=s,
                ctx=world.ctx,
                actor=world.user(s, who),
                request=world.request(s, rid),
                reason="having a look",
            )


def test_one_role_check_names_who_may(world: World) -> None:
    with world.tx() as s:
        observer = world.user(s, "observer")
        access.require_role(observer, Role.OBSERVER, doing="record")
        with pytest.raises(
            Forbidden, match="only a reviewer or an approver may decide; you are an observer"
        ):
            access.require_role(observer, Role.REVIEWER, Role.APPROVER, doing="decide")
