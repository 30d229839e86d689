"""Defect 4: reviewer notes and decision reasons are sealed, shown by role, read-logged.

Notes and reasons often name the subject; they used to be stored and shown in
clear to every role. On both backends.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle.models import AccessKind, AccessRecord, Request
from covergate.requests import notes, service, views
from covergate.requests.models import Decision
from covergate.requests.schemas import DecisionOutcome
from tests.conftest import Database
from tests.factories import mail_cover_data
from tests.world import World

NOTE = "Jordan Example's landlord confirms the checks arrive at 12 Elm Street."
REASONS = "Narrowed: Jordan Example's grounds cover 20 days only."


def reviewed_and_narrowed(world: World) -> str:
    rid = world.submit(mail_cover_data())
    with world.tx() as s:
        service.review(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, rid),
            note=NOTE,
        )
    world.approve(rid, outcome=DecisionOutcome.MODIFY, days=20, reasons=REASONS)
    return rid


def read(world: World, rid: str, who: str) -> notes.Notes:
    with world.tx() as s:
        return notes.read_notes(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            reason="checking the decision",
        )


def test_notes_are_stored_only_sealed(world: World, database: Database) -> None:
    rid = reviewed_and_narrowed(world)
    with database.engine.connect() as conn:
        request_row = conn.execute(
            text("SELECT review_note, review_note_ct FROM requests WHERE public_id = :p"),
            {"p": rid},
        ).one()
        decision_row = conn.execute(
            text("SELECT reasons, justifications, notes_ct FROM decisions")
        ).one()
    assert request_row.review_note is None
    assert decision_row.reasons is None
    assert decision_row.justifications in ({}, "{}")
    for sealed in (bytes(request_row.review_note_ct), bytes(decision_row.notes_ct)):
        assert b"Jordan" not in sealed
        assert b"Elm" not in sealed
    with world.tx() as s:
        shown = str(views.detail(session=s, request=world.request(s, rid)))
    assert "Jordan" not in shown
    assert "landlord" not in shown
    assert "'note_sealed': True" in shown


@pytest.mark.parametrize("who", ["reviewer", "osg", "auditor"])
def test_staff_read_every_note_and_the_read_is_logged(world: World, who: str) -> None:
    rid = reviewed_and_narrowed(world)
    shown = read(world, rid, who)
    assert shown.review_note == NOTE
    assert [d.reasons for d in shown.decisions] == [REASONS]
    with world.tx() as s:
        logged = s.scalars(select(AccessRecord)).all()
        assert [(r.what, r.user_id, r.reason) for r in logged] == [
            (AccessKind.NOTES, world.people[who].id, "checking the decision")
        ]


def test_the_agency_reads_the_reasons_but_not_the_internal_note(world: World) -> None:
    rid = reviewed_and_narrowed(world)
    shown = read(world, rid, "fbi")
    assert shown.review_note is None
    assert [(d.reasons, d.justifications) for d in shown.decisions] == [(REASONS, {})]
    assert shown.to_json()["review_note"] is None


@pytest.mark.parametrize("who", ["observer", "admin", "dea"])
def test_others_read_no_notes_and_nothing_is_logged(world: World, who: str) -> None:
    rid = reviewed_and_narrowed(world)
    with pytest.raises(NotFound):
        read(world, rid, who)
    with world.tx() as s:
        assert s.scalars(select(AccessRecord)).all() == []


def test_a_read_needs_a_reason(world: World) -> None:
    rid = reviewed_and_narrowed(world)
    with world.tx() as s, pytest.raises(InvalidInput, match="reason"):
        notes.read_notes(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "auditor"),
            request=world.request(s, rid),
            reason=" ",
        )


def test_notes_stored_in_clear_by_earlier_versions_are_sealed(world: World) -> None:
    rid = reviewed_and_narrowed(world)
    with world.tx() as s:  # what a database written by the previous version holds
        s.execute(
            update(Request)
            .where(Request.public_id == rid)
            .values(review_note="old note in clear", review_note_ct=None)
        )
        s.execute(update(Decision).values(reasons="old reasons", justifications={}, notes_ct=None))
    with world.tx() as s:
        assert notes.seal_legacy_notes(session=s, cipher=world.ctx.cipher) == 2
    with world.tx() as s:
        assert notes.seal_legacy_notes(session=s, cipher=world.ctx.cipher) == 0
        request = world.request(s, rid)
        assert request.review_note is None
        assert s.scalar(select(Decision.reasons)) is None
    shown = read(world, rid, "auditor")
    assert shown.review_note == "old note in clear"
    assert [d.reasons for d in shown.decisions] == ["old reasons"]
