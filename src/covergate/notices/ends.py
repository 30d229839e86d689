"""When a request's cover ended, counting its extensions: the day its notice is owed from.

A cover that was extended ends with its last extension (18 U.S.C. 2518(8)(d): "the
period of an order or extensions thereof"), so :func:`owed_from` follows the
request's ordered extensions, and their extensions. The sweeps weigh many requests
at once (:func:`owed_from_many`): one query per generation of extensions for all of
them, not one per request and extension.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.db import id_batches
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState

__all__ = ["owed_from", "owed_from_many"]

_RUNNING = frozenset({RequestState.APPROVED, RequestState.ACTIVE})


def owed_from(*, session: Session, request: Request) -> date | None:
    """The last day of the cover and its ordered extensions; None while one still runs."""
    return owed_from_many(session=session, requests=[request])[request.id]


def _own_end(request: Request) -> date | None:
    """The request's own last day (not its extensions'); None while it runs."""
    if request.state in _RUNNING:
        return None
    ends = [d for d in (request.closed_on, request.active_until) if d is not None]
    return min(ends) if ends else request.updated_at.date()


def owed_from_many(*, session: Session, requests: Sequence[Request]) -> dict[int, date | None]:
    """:func:`owed_from` of each of ``requests`` (by id), with one query per generation
    of extensions for all of them, not one per request and extension (the sweeps)."""
    result: dict[int, date | None] = {request.id: _own_end(request) for request in requests}
    # Each request whose chain is still being followed, with the requests it counts for.
    frontier: dict[int, list[int]] = {}
    for request_id, end in result.items():
        if end is not None:
            frontier.setdefault(request_id, []).append(request_id)
    while frontier:
        ids = sorted(frontier)
        following: dict[int, list[int]] = {}
        for batch in id_batches(ids):
            children = session.scalars(
                select(Request).where(
                    Request.parent_id.in_(batch),
                    Request.ordered_on.is_not(None),
                )
            )
            for child in children:
                end = _own_end(child)
                for root in frontier.get(child.parent_id or 0, ()):
                    last = result[root]
                    if last is None:
                        continue  # an extension of this chain still runs
                    result[root] = None if end is None else max(last, end)
                    if end is not None:
                        following.setdefault(child.id, []).append(root)
        frontier = {
            node: alive
            for node, roots in following.items()
            if (alive := [root for root in roots if result[root] is not None])
        }
    return result
