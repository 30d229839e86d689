"""``Runtime.transaction``: the one way to own a transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from covergate.agencies import service as agencies
from covergate.agencies.models import Agency
from covergate.context import Via
from covergate.document import AgencyFunction, Jurisdiction, request_document_from_data
from covergate.errors import AuthenticationFailed, Conflict
from covergate.lifecycle.models import Request
from covergate.requests import service as requests
from covergate.runtime import FairLock, Integrator, Runtime
from covergate.tlog.checkpoint import open_checkpoint
from covergate.transparency import service as tlog
from covergate.transparency.models import LogEntry
from covergate.users.models import User
from tests.conftest import Database, runtime_on
from tests.factories import records_data
from tests.world import World, build_world

START = date(2026, 1, 2)


class Boom(Exception):
    """An error raised inside a transaction."""


@pytest.fixture
def rt(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    with runtime_on(database, tmp_path, START) as runtime:
        yield runtime


@pytest.fixture
def world(rt: Runtime) -> World:
    return build_world(rt.sessions, start=START)


def _submit(rt: Runtime, session: Session, world: World) -> Request:
    """A submission: a new request row and one log entry, in ``session``."""
    result = requests.submit(
        session=session,
        ctx=rt.context(Via.API),
        actor=session.get_one(User, world.people["fbi"].id),
        # records under a subpoena: one log entry (a court order would add order_filed)
        document=request_document_from_data(records_data()),
    )
    return result.request


def _submit_then_fail(rt: Runtime, world: World) -> None:
    with rt.transaction() as session:
        _submit(rt, session, world)
        session.flush()
        raise Boom


def _status(rt: Runtime) -> tlog.LogStatus:
    with rt.transaction() as session:
        return tlog.status(session=session)


def _count(rt: Runtime, model: type[Request] | type[LogEntry]) -> int:
    with rt.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_commits_on_success(rt: Runtime) -> None:
    with rt.transaction() as session:
        agencies.register(
            session=session,
            clock=rt.clock,
            name="Test Agency",
            jurisdiction=Jurisdiction.STATE,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION],
        )
    with rt.sessions() as other:
        assert other.scalar(select(Agency.name).where(Agency.name == "Test Agency"))


def test_rolls_back_on_error_leaving_no_rows_and_no_entries(rt: Runtime, world: World) -> None:
    before = _status(rt)
    with pytest.raises(Boom):
        _submit_then_fail(rt, world)
    assert _count(rt, Request) == 0
    assert _count(rt, LogEntry) == 0
    after = _status(rt)
    assert (after.size, after.sequenced, after.checkpoint) == (
        before.size,
        before.sequenced,
        before.checkpoint,
    )


def test_stale_data_becomes_conflict(rt: Runtime) -> None:
    with pytest.raises(Conflict), rt.transaction():
        raise StaleDataError("changed meanwhile")


def test_integrates_the_log_after_a_transaction_that_appended(rt: Runtime, world: World) -> None:
    assert _status(rt).size == 0
    with rt.transaction() as session:
        _submit(rt, session, world)
    status = _status(rt)
    assert (status.size, status.pending) == (1, 0)
    assert status.checkpoint is not None
    assert open_checkpoint(status.checkpoint, rt.log_signer.verifier()).size == 1


def _submit_without_integrating(rt: Runtime, world: World) -> None:
    """Commit a submission as a crash before integration would leave it: pending."""
    with rt.sessions() as session, session.begin():
        _submit(rt, session, world)


def test_no_integration_after_a_transaction_that_appended_nothing(
    rt: Runtime, world: World
) -> None:
    # Pending entries show whether a later transaction integrated: a read must
    # leave them pending (it never takes the log writer's lock).
    _submit_without_integrating(rt, world)
    assert (_status(rt).size, _status(rt).pending) == (0, 1)
    with rt.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Request)) == 1
    assert (_status(rt).size, _status(rt).pending) == (0, 1)


def test_integration_picks_up_entries_an_earlier_crash_left(rt: Runtime, world: World) -> None:
    _submit_without_integrating(rt, world)
    with rt.transaction() as session:
        _submit(rt, session, world)
    status = _status(rt)
    assert (status.size, status.pending) == (2, 0)


def test_unit_of_work_authenticates_and_integrates(rt: Runtime, world: World) -> None:
    with pytest.raises(AuthenticationFailed), rt.unit_of_work("cg_not-a-token"):
        pass
    with rt.unit_of_work(world.tokens["fbi"]) as (session, user):
        assert user.id == world.people["fbi"].id
        _submit(rt, session, world)
    assert _status(rt).size == 1


# --- background integration, the writer queue, read-only transactions ---


def test_background_integration_publishes_what_commits_sequenced(rt: Runtime, world: World) -> None:
    rt.integrate_in_background()
    with rt.transaction() as session:
        _submit(rt, session, world)
    # The commit only woke the integrator: it publishes without another call.
    for _ in range(200):
        status = _status(rt)
        if status.pending == 0 and status.size > 0:
            break
        threading.Event().wait(0.05)
    assert status.pending == 0
    assert status.size == status.sequenced > 0


def test_stopping_the_integrator_integrates_what_is_pending(rt: Runtime, world: World) -> None:
    rt.integrator = Integrator(rt.integrate_log)  # notified, never started: nothing runs
    with rt.transaction() as session:
        _submit(rt, session, world)
    assert _status(rt).pending > 0
    thread_integrator = Integrator(rt.integrate_log)
    thread_integrator.start()
    thread_integrator.stop()  # one last integration before it ends
    assert _status(rt).pending == 0
    rt.integrator = None


def test_the_writer_queue_serves_in_arrival_order_and_is_reentrant() -> None:
    queue = FairLock()
    order: list[int] = []
    started: list[threading.Thread] = []
    with queue:
        with queue:  # the holder may enter again (a transaction in a transaction)
            pass
        for i in range(5):
            thread = threading.Thread(target=lambda i=i: _take(queue, order, i))
            thread.start()
            started.append(thread)
            while len(queue._waiters) < i + 1:  # wait until it queued
                threading.Event().wait(0.001)
    for thread in started:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]


def _take(queue: FairLock, order: list[int], i: int) -> None:
    with queue:
        order.append(i)


def test_a_read_transaction_does_not_wait_for_a_writer(rt: Runtime, world: World) -> None:
    if not rt.settings.is_sqlite:
        pytest.skip("PostgreSQL readers never wait for writers")
    with rt.transaction() as writer:
        _submit(rt, writer, world)  # holds SQLite's writer lock until the block ends
        with rt.read_transaction() as reader:
            assert reader.scalar(select(func.count()).select_from(Agency)) >= 1
