"""Data upgrades after migrations (``covergate.upgrades``), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text, update

from covergate.clock import FixedClock
from covergate.config import Settings
from covergate.lifecycle.models import Request
from covergate.requests import notes
from covergate.requests.models import Decision
from covergate.requests.schemas import DecisionOutcome
from covergate.runtime import Runtime
from covergate.upgrades import upgrade_data
from tests.conftest import Database
from tests.world import World, build_world


@pytest.fixture
def rt(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    clock = FixedClock()
    clock.set_date(date(2026, 1, 2))
    settings = Settings(data_dir=tmp_path, database_url=database.url)
    runtime = Runtime.open(settings, clock=clock, create=True, run_migrations=False)
    yield runtime
    runtime.close()


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
