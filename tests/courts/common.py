"""What the courts tests share: the log entries of a request, and "nothing changed"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from covergate.courts.models import Court, CourtOrder
from covergate.errors import CovergateError
from covergate.lifecycle.models import AccessRecord, Request, RequestEvent
from covergate.transparency.models import LogEntry
from covergate.users.models import User
from tests.world import World


def snapshot(world: World) -> tuple[Any, ...]:
    """Every row a court step could write, as values."""
    with world.tx() as s:
        requests = s.execute(
            select(Request.public_id, Request.state, Request.version, Request.order_due)
        ).all()
        orders = s.execute(
            select(
                CourtOrder.request_id,
                CourtOrder.state,
                CourtOrder.decided_on,
                CourtOrder.sealed_until,
                CourtOrder.unsealed_on,
                CourtOrder.document_sha256,
                CourtOrder.reasons_ct,
            ).order_by(CourtOrder.id)
        ).all()
        counts = tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (LogEntry, RequestEvent, AccessRecord, CourtOrder, Court, User)
        )
    return tuple(sorted(requests)), tuple(orders), counts


@contextmanager
def unchanged(
    world: World, error: type[CovergateError], match: str | None = None
) -> Iterator[pytest.ExceptionInfo[CovergateError]]:
    """The block must raise ``error`` and leave every table as it was; yields the
    raised error's info (``info.value.field``)."""
    before = snapshot(world)
    with pytest.raises(error, match=match) as info:
        yield info  # type: ignore[misc]
    assert snapshot(world) == before


def entries(world: World, public_id: str) -> list[dict[str, Any]]:
    """The public log entries of a request, in order, as JSON."""
    with world.tx() as s:
        request = world.request(s, public_id)
        rows = s.scalars(
            select(LogEntry.data)
            .join(RequestEvent, RequestEvent.entry_index == LogEntry.idx)
            .where(RequestEvent.request_id == request.id)
            .order_by(LogEntry.idx)
        )
        return [json.loads(data) for data in rows]


def order_entries(world: World, public_id: str) -> list[dict[str, Any]]:
    return [e for e in entries(world, public_id) if e["event"].startswith("order_")]


def order_row(world: World, public_id: str) -> CourtOrder | None:
    with world.tx() as s:
        request = world.request(s, public_id)
        return s.scalar(select(CourtOrder).where(CourtOrder.request_id == request.id))
