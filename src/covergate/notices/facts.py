"""The facts a notice tells its subject, read from the case file (access-logged).

What was requested (kind, the categories authorised), by which agency, on what
ground, for how long, under which authority (the court order, or that it remains
sealed until a day), what was recorded (counts per category only, never the
items; or that the data was destroyed), when the notice was due and which court
orders delayed it. The subject's name and the covered address come from
:func:`covergate.lifecycle.documents.full_document`: the reader is the reviewer who
prints the letter, and the read is written to the access log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.filing import order_of
from covergate.courts.service import is_sealed
from covergate.covers.models import Observation
from covergate.errors import NotFound
from covergate.lifecycle.access import can_see, record_access, require_role
from covergate.lifecycle.documents import full_document, public_document
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import AccessKind, Request, RequestEvent
from covergate.notices.addressee import Addressee, open_addressee
from covergate.notices.service import delays_of, notice_of
from covergate.productions.models import Production
from covergate.tlog.keys import Ed25519Verifier
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import DataCategory, Ground, ProcessType, RequestKind

__all__ = ["PRINT_REASON", "Authority", "Delay", "NoticeFacts", "bundle_name", "notice_facts"]

PRINT_REASON = "printing the notice to the subject"


@dataclass(frozen=True)
class Authority:
    """The legal process the request relied on; only ``sealed_until`` while sealed."""

    process: ProcessType
    court: str | None
    docket: str | None
    judge: str | None
    issued: date | None
    sealed_until: date | None  # the order remains sealed until then: nothing else is told


@dataclass(frozen=True)
class Delay:
    docket: str
    issued_on: date
    delays_until: date
    days: int


@dataclass(frozen=True)
class NoticeFacts:
    request_id: str
    kind: RequestKind
    agency: str
    ground: Ground
    statute: str | None
    categories: tuple[DataCategory, ...]
    ordered_on: date | None
    started: bool
    active_from: date | None
    active_until: date | None
    closed_on: date | None
    close_reason: str | None
    authority: Authority | None
    recorded: tuple[tuple[DataCategory, int], ...] | None  # None: the data was destroyed
    produced_on: date | None
    destroyed_on: date | None
    destruction_reason: str | None
    owed_from: date
    due_on: date
    delays: tuple[Delay, ...]
    subject_name: str
    address_lines: tuple[str, ...]
    log_origin: str
    log_key: str
    bundle_name: str
    notice_citation: str
    generated_on: date

    @property
    def days(self) -> int | None:
        if self.active_from is None or self.active_until is None or not self.started:
            return None
        return (self.active_until - self.active_from).days + 1

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        out: dict[str, Any] = plain(asdict(self))
        out["days"] = self.days
        return out


def bundle_name(request: Request) -> str:
    """The file name of a request's bundle, as the letter names it."""
    return f"covergate-notice-{request.public_id}.json"


def _authority(session: Session, request: Request) -> Authority | None:
    order = order_of(session=session, request=request)
    if order is not None:
        if is_sealed(order):
            return Authority(order.process_type, None, None, None, None, order.sealed_until)
        return Authority(
            order.process_type, order.court.name, order.docket, order.judge, order.issued, None
        )
    process = public_document(request).legal_process
    if process is None:
        return None
    return Authority(
        process.type, process.court, process.docket, process.judge, process.issued, None
    )


def _recorded(session: Session, request: Request) -> tuple[tuple[DataCategory, int], ...] | None:
    if request.destroyed_on is not None:
        return None
    rows = session.execute(
        select(Observation.category, func.count())
        .where(Observation.request_id == request.id)
        .group_by(Observation.category)
    ).all()
    counts = {DataCategory(c): int(n) for c, n in rows}
    authorised = [DataCategory(c) for c in request.authorised_categories or []]
    ordered = authorised + sorted(set(counts) - set(authorised))
    return tuple((c, counts.get(c, 0)) for c in ordered)


def notice_facts(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, log_key: str
) -> NoticeFacts:
    """The notice's facts, for the reviewer who prints the letter (access-logged).

    ``log_key`` is the log's verifier key, printed so the subject can check the bundle.
    NotFound when the request owes no notice; Gone when its data was destroyed (the
    letter cannot be addressed).
    """
    require_role(actor, Role.REVIEWER, doing="print the notice to the subject")
    notice = notice_of(session=session, request=request)
    if notice is None:
        raise NotFound(f"request {request.public_id} owes no notice (yet)")
    if request.destroyed_on is None:
        document = full_document(
            session=session, ctx=ctx, actor=actor, request=request, reason=PRINT_REASON
        )
        addressee = Addressee.of(document)
        statute = document.purpose.statute
    else:  # the data is gone; the addressee was kept for this notice (notices.addressee)
        if not can_see(actor, request, ctx=ctx):
            raise NotFound(f"no request {request.public_id}")
        addressee = open_addressee(ctx, request, notice)
        record_access(
            session=session,
            ctx=ctx,
            actor=actor,
            request=request,
            what=AccessKind.SUBJECT,
            reason=PRINT_REASON,
        )
        statute = public_document(request).purpose.statute
    started = session.scalar(
        select(RequestEvent.id).where(
            RequestEvent.request_id == request.id, RequestEvent.event == EventType.STARTED
        )
    )
    production = session.scalar(select(Production).where(Production.request_id == request.id))
    return NoticeFacts(
        request_id=request.public_id,
        kind=request.kind,
        agency=request.agency.name,
        ground=request.ground,
        statute=statute,
        categories=tuple(DataCategory(c) for c in request.authorised_categories or []),
        ordered_on=request.ordered_on,
        started=started is not None,
        active_from=request.active_from,
        active_until=request.active_until,
        closed_on=request.closed_on,
        close_reason=request.close_reason.value if request.close_reason else None,
        authority=_authority(session, request),
        recorded=_recorded(session, request),
        produced_on=production.produced_at.date() if production is not None else None,
        destroyed_on=request.destroyed_on,
        destruction_reason=(
            request.destruction_reason.value if request.destruction_reason else None
        ),
        owed_from=notice.owed_from,
        due_on=notice.due_on,
        delays=tuple(
            Delay(d.docket, d.issued_on, d.delays_until, d.days)
            for d in delays_of(session=session, request=request)
        ),
        subject_name=addressee.name,
        address_lines=addressee.address_lines,
        log_origin=Ed25519Verifier.from_key_string(log_key).name,
        log_key=log_key,
        bundle_name=bundle_name(request),
        notice_citation=ctx.policy.authority.notice.citation,
        generated_on=ctx.clock.today(),
    )
