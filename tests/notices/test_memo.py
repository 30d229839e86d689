"""A transaction reads a request's notice and delay orders once, and sees its own writes.

Printing and mailing one letter asks for the notice five times and for its delay
orders three times (the demo mails thousands): each is read from the database once a
transaction, and a delay ordered in the transaction is among the delays read after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from covergate.lifecycle.models import Request
from covergate.lifecycle.states import NoticeState
from covergate.notices import service
from covergate.notices.models import DelayOrder
from tests.notices.helpers import ended_cover
from tests.world import World


@contextmanager
def selects(s: Session, table: str) -> Iterator[list[str]]:
    """The SELECTs from ``table`` that the block runs."""
    seen: list[str] = []

    def count(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(s.get_bind(), "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(s.get_bind(), "before_cursor_execute", count)


def delay(world: World, s: Session, request: Request, *, docket: str) -> DelayOrder:
    """The court delays ``request``'s notice for 60 days, in the transaction ``s``."""
    return service.delay(
        session=s,
        ctx=world.ctx,
        actor=world.user(s, "court"),
        request=request,
        until=world.clock.today() + timedelta(days=60),
        docket=docket,
        reasons="Notice now would reveal an ongoing investigation.",
    )


def test_a_transaction_reads_the_notice_and_its_delays_once(world: World) -> None:
    rid = ended_cover(world)
    with world.tx() as s:
        request = world.request(s, rid)
        with selects(s, "notices") as notices, selects(s, "delay_orders") as delays:
            first = service.notice_of(session=s, request=request)
            assert service.notice_of(session=s, request=request) is first
            assert service.delays_of(session=s, request=request) == []
            assert service.delays_of(session=s, request=request) == []
        assert first is not None
        assert len(notices) == 1, notices
        assert len(delays) == 1, delays
    with world.tx() as s:  # a new transaction reads them again
        request = world.request(s, rid)
        with selects(s, "notices") as notices:
            service.notice_of(session=s, request=request)
        assert len(notices) == 1


def test_a_delay_ordered_in_the_transaction_is_among_its_delays(world: World) -> None:
    rid = ended_cover(world)
    with world.tx() as s:
        request = world.request(s, rid)
        assert service.delays_of(session=s, request=request) == []
        order = delay(world, s, request, docket="26-mc-0001")
        assert service.delays_of(session=s, request=request) == [order]
        notice = service.notice_of(session=s, request=request)
        assert notice is not None
        assert notice.state is NoticeState.DELAYED


def test_a_delay_rolled_back_with_its_savepoint_is_not_among_the_delays(world: World) -> None:
    rid = ended_cover(world)
    with world.tx() as s:
        request = world.request(s, rid)
        assert service.delays_of(session=s, request=request) == []
        savepoint = s.begin_nested()
        delay(world, s, request, docket="26-mc-0002")
        assert len(service.delays_of(session=s, request=request)) == 1
        savepoint.rollback()
        assert service.delays_of(session=s, request=request) == []
        notice = service.notice_of(session=s, request=request)
        assert notice is not None
        assert notice.state is NoticeState.PENDING
