"""One function performs every step: :func:`advance`.

A step of any domain calls it once, in the caller's transaction, after its own
checks and writes. It moves the request (if the step is a transition), writes the
history row and appends the transparency-log entry, so that a state change and its
entry commit together or not at all. :func:`record_event` is the same without a
transition (an event that changes no state, such as an extension's submission).

Example (the whole of a simple step)::

    def review(*, session, ctx, actor, request, note):
        require_role(actor, Role.REVIEWER, doing="review requests")
        request.reviewer_id = actor.id
        advance(session=session, ctx=ctx, request=request, action=Action.REVIEW,
                event=EventType.REVIEWED, actor=actor)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from covergate.context import ServiceContext
from covergate.errors import InvalidInput
from covergate.lifecycle.events import DisclosureEvent, EventType, OrderEvent, PublicEvent
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.sealing import SealedEvent, new_details_key, seal_fields
from covergate.lifecycle.states import Action, RequestState, next_state
from covergate.transparency.schemas import PublicRecord, check_public_fields
from covergate.users.models import User

__all__ = [
    "HistoryLine",
    "PendingEvent",
    "advance",
    "insert_row",
    "record_event",
    "record_events",
    "recorded_here",
    "remember_here",
    "this_transaction",
]


def advance(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    action: Action,
    event: EventType,
    actor: User | None,
    day: date | None = None,
    outcome: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> int:
    """Move ``request`` by ``action``, record it and log it; returns the log index.

    InvalidTransition (nothing written) when ``action`` is not allowed from the
    request's state. ``day`` defaults to today; ``detail`` goes into the private
    record only (committed to, never published).
    """
    request.state = next_state(request.state, action)
    request.updated_at = ctx.clock.now()
    return record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=event,
        actor=actor,
        day=day,
        outcome=outcome,
        detail=detail,
    )


def record_event(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    event: EventType,
    actor: User | None,
    day: date | None = None,
    outcome: str | None = None,
    detail: Mapping[str, object] | None = None,
    public: OrderEvent | DisclosureEvent | None = None,
) -> int:
    """Write the history row and the log entry of ``event``, in the caller's transaction.

    ``public`` is the entry's public record when the event's schema is not the
    request's own :class:`PublicEvent` (a court order's :class:`OrderEvent`); it
    must be of the same event and request.
    """
    pending = PendingEvent(
        event=event, actor=actor, day=day, outcome=outcome, detail=detail, public=public
    )
    return record_events(session=session, ctx=ctx, request=request, events=[pending])[0]


@dataclass(frozen=True)
class PendingEvent:
    """One event to record with :func:`record_events` (the arguments of :func:`record_event`)."""

    event: EventType
    actor: User | None
    day: date | None = None
    outcome: str | None = None
    detail: Mapping[str, object] | None = None
    public: OrderEvent | DisclosureEvent | None = None


@dataclass(frozen=True)
class HistoryLine:
    """A history row as written in this transaction (what a history view shows of it)."""

    event: EventType
    state: RequestState
    day: date
    entry_index: int


def record_events(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    events: Sequence[PendingEvent],
) -> list[int]:
    """:func:`record_event` for several events of ``request``, in order: one append to
    the log (consecutive indexes) and one insert of their history rows.

    Every record is built (and checked) before anything is written: InvalidInput on
    any of them writes nothing. Returns the log indexes.
    """
    records: list[tuple[PublicRecord, Mapping[str, object]]] = []
    days: list[date] = []
    for pending in events:
        day = pending.day or ctx.clock.today()
        records.append(_records(ctx, request, pending, day))
        days.append(day)
    # Imported here: the log's whole machinery (covergate.transparency.service and
    # covergate.tlog) only for a command that appends; reading requests imports
    # this module too, for the history, and appends nothing.
    from covergate.transparency.service import append_events

    indexes = append_events(session=session, events=records, cipher=ctx.cipher)
    rows = [
        {
            "request_id": request.id,
            "event": pending.event.value,
            "state": request.state,
            "day": day,
            "actor_id": pending.actor.id if pending.actor else None,
            "entry_index": index,
            "at": ctx.clock.now(),
        }
        for pending, day, index in zip(events, days, indexes, strict=True)
    ]
    # A Core insert on the same connection: same transaction, no unit-of-work pass.
    session.connection().execute(_INSERT_EVENT, rows)
    memo = this_transaction(session, _RECORDED)
    if session.get_nested_transaction() is not None:
        # A savepoint's rollback would undo these rows: the history is unknown here.
        memo[request.id] = None
    else:
        lines = memo.setdefault(request.id, [])
        if lines is not None:
            lines.extend(
                HistoryLine(pending.event, request.state, day, index)
                for pending, day, index in zip(events, days, indexes, strict=True)
            )
    return indexes


_INSERT_EVENT = insert(cast(Table, RequestEvent.__table__))
_RECORDED = "covergate.lifecycle.recorded"


def _records(
    ctx: ServiceContext, request: Request, pending: PendingEvent, day: date
) -> tuple[PublicRecord, dict[str, object]]:
    """The public record (sealed until disclosure) and the private record of one event."""
    event, actor, public = pending.event, pending.actor, pending.public
    if public is not None and (public.event is not event or public.request_id != request.public_id):
        raise InvalidInput("the public record names another event or request")
    private_record: dict[str, object] = {
        "request": request.public_id,
        "event": event.value,
        "state": request.state.value,
        "day": day.isoformat(),
        "actor": actor.email if actor else None,
        "delegation": actor.delegation.value if actor and actor.delegation else None,
        "document_sha256": request.body_digest.hex() if request.body_digest else None,
        "detail": dict(pending.detail or {}),
    }
    record: PublicRecord = public or PublicEvent(
        event=event,
        request_id=request.public_id,
        day=day,
        agency=request.agency.name,
        kind=request.kind,
        ground=request.ground,
        legal_process=request.legal_process,
        policy=request.policy_name,
        policy_version=request.policy_version,
        outcome=pending.outcome,
        state=request.state.value,
    )
    if request.disclosed_on is None:
        # The publication rule: until the request is disclosed its entries are sealed.
        if request.details_key is None:
            request.details_key = new_details_key()
        record = SealedEvent(
            seal_fields(
                check_public_fields(record),
                key=request.details_key,
                level=request.agency.jurisdiction.value,
            )
        )
    return record, private_record


def recorded_here(session: Session, request: Request) -> list[HistoryLine] | None:
    """The history rows of ``request`` that :func:`record_events` wrote in this
    session's current transaction, in order; None if it wrote none, or wrote some
    inside a savepoint (which may have been rolled back).

    All of the request's history only for a request created in this transaction
    (``requests.service.created_here``).
    """
    lines = this_transaction(session, _RECORDED).get(request.id)
    return None if lines is None else list(lines)


def this_transaction(session: Session, key: str) -> dict[Any, Any]:
    """A dict in ``session.info`` that lives as long as the session's current
    (root) transaction: a new transaction starts with an empty one."""
    transaction = session.get_transaction()
    held = session.info.get(key)
    if held is None or held[0] is not transaction or transaction is None:
        held = (transaction, {})
        session.info[key] = held
    memo: dict[Any, Any] = held[1]
    return memo


def remember_here(session: Session, key: str, name: Any, value: Any) -> None:
    """Remember ``value`` under ``name`` in :func:`this_transaction`'s ``key`` dict,
    unless a savepoint is open: its rollback could undo what ``value`` stands for."""
    if session.get_nested_transaction() is None:
        this_transaction(session, key)[name] = value


def insert_row(session: Session, row: Any) -> None:
    """INSERT the new mapped object ``row`` with one Core statement and add it to
    ``session`` as if it had been loaded: no unit-of-work flush.

    Every column ``row`` leaves unset gets its scalar Python default or NULL, as the
    ORM's INSERT would give it, and is set on the object too (so that nothing is
    expired and read back). IntegrityError as from a flush; the primary key is set.
    A column left unset whose default this cannot give the same way (a callable or a
    server default alone) is refused with TypeError, before anything is written.
    """
    plan = _plan(type(row))
    values = vars(row)
    params: dict[str, object] = {}
    for column_key, attribute, default in plan.columns:
        if attribute not in values:
            if default is _NO_DEFAULT:
                raise TypeError(
                    f"insert_row cannot give {column_key!r} its default"
                    " (a callable or server default): set it on the object"
                )
            setattr(row, attribute, default)
        params[column_key] = values[attribute]
    result = session.connection().execute(plan.statement, params)
    (key,) = result.inserted_primary_key or (None,)
    setattr(row, plan.primary_key, key)
    make_transient_to_detached(row)
    session.add(row)


@dataclass(frozen=True)
class _InsertPlan:
    statement: Any
    primary_key: str  # the attribute
    columns: tuple[tuple[str, str, object], ...]  # (column key, attribute, default)


_PLANS: dict[type, _InsertPlan] = {}
_NO_DEFAULT = object()  # a default only the ORM or the server can give


def _plan(model: type) -> _InsertPlan:
    plan = _PLANS.get(model)
    if plan is not None:
        return plan
    mapper: Mapper[Any] = sa_inspect(model)
    table = cast(Table, mapper.local_table)
    (primary,) = table.primary_key.columns
    columns: list[tuple[str, str, object]] = []
    for column in table.columns:
        if column is primary:
            continue
        attribute = mapper.get_property_by_column(column).key
        default = column.default
        if default is None and column.server_default is None:
            value: object = None
        elif isinstance(default, ScalarElementColumnDefault):
            value = default.arg
        else:
            value = _NO_DEFAULT
        columns.append((column.key, attribute, value))
    plan = _PLANS[model] = _InsertPlan(
        insert(table), mapper.get_property_by_column(primary).key, tuple(columns)
    )
    return plan
