"""What the courts tests share: the log entries of a request, and "nothing changed"."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.courts.models import CourtOrder
from covergate.errors import CovergateError
from covergate.lifecycle.models import Request, RequestEvent
from covergate.transparency.models import LogEntry
from tests.log_entries import entry_fields
from tests.world import World


def _court_rows(s: Session) -> tuple[Any, ...]:
    """What a court step writes beyond row counts: the orders' fields, the deadlines."""
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
    due = s.execute(select(Request.public_id, Request.order_due).order_by(Request.id)).all()
    return tuple(orders), tuple(due)


def unchanged(
    world: World, error: type[CovergateError], match: str | None = None
) -> AbstractContextManager[pytest.ExceptionInfo[CovergateError]]:
    """The block must raise ``error`` and leave every table as it was; yields the
    raised error's info (``info.value.field``)."""
    return world.unchanged(error, match, extra=(_court_rows,))


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
        return [entry_fields(s, data) for data in rows]


def order_entries(world: World, public_id: str) -> list[dict[str, Any]]:
    return [e for e in entries(world, public_id) if e["event"].startswith("order_")]


def order_row(world: World, public_id: str) -> CourtOrder | None:
    with world.tx() as s:
        request = world.request(s, public_id)
        return s.scalar(select(CourtOrder).where(CourtOrder.request_id == request.id))
