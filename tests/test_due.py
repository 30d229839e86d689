"""``covergate.due``: the sweep's steps find their rows with these queries, and
``anything_due`` says, in one statement, whether any of them finds one.

The soundness that matters: when ``anything_due`` is false, running every step
changes nothing. It is checked on every sweep of a demo year (every kind of dated
event happens in one), by running the steps anyway and counting the statements that
write; and on both backends with the maintenance tests' world.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from covergate import due, maintenance
from covergate.config import Settings
from covergate.context import ServiceContext, Via
from covergate.demo import run as demo_run
from covergate.demo import seed_demo
from covergate.lifecycle.states import RequestState
from covergate.maintenance import NOTHING, SweepSummary, finish_integration, sweep_all
from covergate.notices import service as notices
from covergate.report import disclosure
from covergate.retention import schedule
from covergate.retention import service as retention
from covergate.runtime import Runtime
from covergate.transparency.state import integration_pending
from tests.conftest import Database, runtime_on
from tests.factories import mail_cover_data
from tests.retention.steps import EMERGENCY, close, emergency_cover, record
from tests.world import World, build_world

TODAY = date(2026, 1, 2)  # the world's requests are received today and start on the 5th
START = date(2026, 1, 5)


@pytest.fixture
def rt(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    with runtime_on(database, tmp_path, TODAY) as runtime:
        yield runtime


@pytest.fixture
def world(rt: Runtime) -> World:
    return build_world(rt.sessions, start=TODAY)


def _due(rt: Runtime, day: date) -> bool:
    with rt.transaction() as session:
        return due.anything_due(session, day)


def _finding(rt: Runtime, day: date) -> set[str]:
    """The names of the queries (those ``anything_due`` asks) that find a row on ``day``."""
    with rt.transaction() as session:
        return {name for name, query in due.queries(day).items() if session.execute(query).first()}


def test_the_state_sets_are_the_steps_own() -> None:
    assert notices.ENDED_STATES is due.NOTICE_OWED_STATES
    assert disclosure.ENDED is due.DISCLOSABLE_STATES
    assert schedule.KEPT_STATES is due.KEPT_STATES
    # What the retention schedule keeps: what ended, and a cover that ran out unclosed.
    assert retention.ENDED_STATES | {RequestState.EXPIRED} == due.KEPT_STATES


def test_nothing_is_due_in_an_empty_database_nor_for_a_request_awaiting_review(
    rt: Runtime, world: World
) -> None:
    assert not _due(rt, TODAY)
    world.submit()
    assert not _due(rt, TODAY)
    assert not _due(rt, TODAY + timedelta(days=400))  # a pending request has no dates


def test_an_approved_cover_is_due_on_its_first_day_and_the_sweep_starts_it(
    rt: Runtime, world: World
) -> None:
    rid = world.submit()
    world.review(rid)
    world.approve(rid)
    assert not _due(rt, TODAY)
    assert _due(rt, START)
    world.clock.set_date(START)
    assert sweep_all(rt, world.ctx).covers_moved == 1
    with world.tx() as s:
        assert world.request(s, rid).state is RequestState.ACTIVE
    assert not _due(rt, START)  # started: nothing more that day


def test_an_emergency_order_past_its_day_alone_makes_the_sweep_due(
    rt: Runtime, world: World
) -> None:
    rid = emergency_cover(world)  # started on the 5th, its order due by then
    day_after = START + timedelta(days=1)
    assert _finding(rt, START) == set()
    assert not _due(rt, START)
    assert _finding(rt, day_after) == {"late_orders"}
    assert _due(rt, day_after)
    world.clock.set_date(day_after)
    assert sweep_all(rt, world.ctx).emergencies_ended == 1
    with world.tx() as s:
        assert world.request(s, rid).state is RequestState.CLOSED


def test_a_refused_order_alone_makes_the_sweep_due(rt: Runtime, world: World) -> None:
    rid = world.submit(mail_cover_data(emergency=EMERGENCY))  # its order filed with it
    world.review(rid)
    world.approve(rid)
    world.clock.set_date(START)
    record(world, rid, START)
    assert _finding(rt, START) == set()
    world.refuse(rid)
    assert _finding(rt, START) == {"refused_orders"}
    assert _due(rt, START)
    assert sweep_all(rt, world.ctx).emergencies_ended == 1
    assert not _due(rt, START)


def test_a_closed_cover_owes_its_notice(rt: Runtime, world: World) -> None:
    rid = world.active_cover()
    world.clock.set_date(START)
    assert sweep_all(rt, world.ctx).covers_moved == 1
    close(world, rid)
    # Owed, and (until the sweep sets their days) weighed for disclosure and retention.
    found = _finding(rt, START)
    assert found == {"notices_to_owe", "disclosure_candidates", "retention_candidates"}
    assert sweep_all(rt, world.ctx).notices_owed == 1
    assert "notices_to_owe" not in _finding(rt, START)


def test_a_sweep_with_nothing_due_runs_no_step(
    rt: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def step(session: Session, ctx: ServiceContext, limit: int) -> dict[str, int]:
        raise AssertionError("a step ran with nothing due")

    monkeypatch.setattr(maintenance, "_STEPS", (step,))
    world.submit()
    assert sweep_all(rt, world.ctx) is NOTHING
    assert NOTHING.total == 0


def test_finishing_integration_signs_only_what_is_pending(rt: Runtime, world: World) -> None:
    world.submit()  # build_world's sessions integrate nothing: the entries are pending
    with rt.transaction() as session:
        assert integration_pending(session)
    finish_integration(rt)
    with rt.transaction() as session:
        assert not integration_pending(session)
    assert rt.integrate_log() is None  # nothing was left to integrate


class _Writes:
    """Counts the INSERT, UPDATE and DELETE statements the engine runs."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.count += 1


def test_over_a_demo_year_a_sweep_with_nothing_due_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = Runtime.open(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}"),
        create=True,
    )
    writes = _Writes()
    event.listen(rt.engine, "before_cursor_execute", writes)
    real = demo_run.sweep_in
    seen: Counter[str] = Counter()

    def checked(session: Session, ctx: ServiceContext, *, limit: int) -> SweepSummary:
        session.flush()  # the day's earlier changes are not the sweep's
        found = due.anything_due(session, ctx.clock.today())
        before = writes.count
        summary = real(session, ctx, limit=limit)
        session.flush()  # the sweep's changes, written now
        wrote = writes.count - before
        if not found:
            assert (summary.total, wrote) == (0, 0), ctx.clock.today()
        seen["due, and work done" if wrote else "due, nothing done" if found else "idle"] += 1
        return summary

    monkeypatch.setattr(demo_run, "sweep_in", checked)
    try:
        seed_demo(rt, seed=5, outside=60, inspectors=15)
    finally:
        rt.close()
    # The year exercised both sides: sweeps with work and sweeps without any.
    assert seen["due, and work done"] > 20
    assert seen["idle"] > 20


def test_an_idle_sweep_reads_without_waiting_for_a_writer(rt: Runtime, database: Database) -> None:
    # The probe and the pending-integration check are reads: with another
    # connection holding SQLite's writer lock, an idle sweep still finishes
    # (in a write transaction it would wait out the 30 s busy timeout).
    if database.backend != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    rt.integrate_log()  # a signed checkpoint: nothing left to integrate
    writer = sqlite3.connect(str(rt.engine.url.database), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    results: list[SweepSummary] = []

    def sweep() -> None:
        results.append(sweep_all(rt, rt.context(Via.CLI)))
        finish_integration(rt)

    worker = threading.Thread(target=sweep, daemon=True)
    try:
        worker.start()
        worker.join(10)
        assert not worker.is_alive()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        worker.join()
    assert results == [NOTHING]
