"""Data upgrades after migrations (``covergate.upgrades``), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from covergate.covers import service as covers
from covergate.covers.models import Observation
from covergate.covers.service import DATA_LABEL
from covergate.crypto import DecryptionFailed
from covergate.lifecycle import documents
from covergate.lifecycle.documents import PRIVATE_LABEL
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import DestructionReason
from covergate.productions import service as productions
from covergate.productions.models import Production
from covergate.productions.service import FILES_LABEL
from covergate.requests import notes
from covergate.requests.models import Decision
from covergate.requests.schemas import DecisionOutcome
from covergate.retention import service as retention
from covergate.runtime import Runtime
from covergate.upgrades import upgrade_data
from tests.conftest import Database, runtime_on
from tests.retention.steps import produced_records
from tests.world import World, build_world


@pytest.fixture
def rt(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    with runtime_on(database, tmp_path, date(2026, 1, 2)) as runtime:
        yield runtime


@pytest.fixture
def world(rt: Runtime) -> World:
    world = build_world(rt.sessions, start=date(2026, 1, 2))
    world.ctx = replace(world.ctx, cipher=rt.cipher)  # the runtime's key, as in production
    return world


def test_notes_in_clear_are_sealed_once_and_stay_readable(
    rt: Runtime, world: World, database: Database
) -> None:
    rid = world.submit()
    world.review(rid)
    world.approve(rid, outcome=DecisionOutcome.DENY, reasons="No grounds shown.")
    with world.tx() as s:  # a database as the previous version left it
        s.execute(update(Request).values(review_note="note in clear", review_note_ct=None))
        s.execute(update(Decision).values(reasons="reasons in clear", notes_ct=None))
    assert upgrade_data(rt) == 2
    assert upgrade_data(rt) == 0  # idempotent: nothing left in clear
    with database.engine.connect() as conn:
        row = conn.execute(text("SELECT review_note FROM requests")).one()
        reasons = conn.execute(text("SELECT reasons FROM decisions")).scalar_one()
    assert (row.review_note, reasons) == (None, None)
    with world.tx() as s:
        shown = notes.read_notes(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "auditor"),
            request=world.request(s, rid),
            reason="checking the upgrade",
        )
    assert shown.review_note == "note in clear"
    assert [d.reasons for d in shown.decisions] == ["reasons in clear"]


def _to_legacy(world: World, rid: str) -> None:
    """Seal every ciphertext of ``rid`` under the field key and drop its data key, as a
    request written before per-request keys was stored."""
    field = world.ctx.cipher
    with world.tx() as s:
        request = world.request(s, rid)
        own = request_cipher(world.ctx, request)

        def back(blob: bytes, label: bytes) -> bytes:
            return field.encrypt(own.decrypt(blob, label=label), label=label)

        request.private_ct = back(request.private_ct, PRIVATE_LABEL)
        if request.review_note_ct is not None:
            request.review_note_ct = back(request.review_note_ct, notes.NOTES_LABEL)
        for decision in s.scalars(select(Decision).where(Decision.request_id == request.id)):
            if decision.notes_ct:
                decision.notes_ct = back(decision.notes_ct, notes.NOTES_LABEL)
        for row in s.scalars(select(Observation).where(Observation.request_id == request.id)):
            row.data_ct = back(row.data_ct, DATA_LABEL)
        for production in s.scalars(select(Production).where(Production.request_id == request.id)):
            production.files_ct = back(production.files_ct, FILES_LABEL)
        request.data_key_ct = None


def _reads(world: World, rid: str) -> tuple[object, ...]:
    """Everything a person reads of ``rid``: document, notes, observations, package."""
    with world.tx() as s:
        auditor, request = world.user(s, "auditor"), world.request(s, rid)
        why = "checking the upgrade"
        return (
            documents.full_document(
                session=s, ctx=world.ctx, actor=auditor, request=request, reason=why
            ),
            notes.read_notes(session=s, ctx=world.ctx, actor=auditor, request=request, reason=why),
            covers.read_observations(
                session=s, ctx=world.ctx, actor=auditor, request=request, reason=why
            ),
            productions.read_package(
                session=s, ctx=world.ctx, actor=auditor, request=request, reason=why
            ).files,
        )


def test_legacy_requests_get_their_own_key_once_and_read_the_same(
    rt: Runtime, world: World
) -> None:
    rid = produced_records(world)
    kept = produced_records(world)
    before = _reads(world, rid)
    _to_legacy(world, rid)
    assert _reads(world, rid) == before  # a legacy row reads through the field key
    with world.tx() as s:
        kept_key = world.request(s, kept).data_key_ct
    assert upgrade_data(rt) == 1
    assert upgrade_data(rt) == 0  # idempotent: every request has its key
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.data_key_ct is not None
        with pytest.raises(DecryptionFailed):  # no longer under the field key
            world.ctx.cipher.decrypt(request.private_ct, label=PRIVATE_LABEL)
        assert world.request(s, kept).data_key_ct == kept_key  # untouched
    assert _reads(world, rid) == before


def test_the_upgrade_leaves_destroyed_requests_alone(rt: Runtime, world: World) -> None:
    rid = produced_records(world)
    _to_legacy(world, rid)
    with world.tx() as s:
        retention.destroy(
            session=s,
            ctx=world.ctx,
            request=world.request(s, rid),
            reason=DestructionReason.RETENTION_ENDED,
            actor=None,
            explanation="kept long enough",
        )
    assert upgrade_data(rt) == 0
    with world.tx() as s:
        assert world.request(s, rid).data_key_ct is None
