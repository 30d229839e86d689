"""Recording what an active cover or records request yields.

An observation is accepted only while the request is active, only inside its
window, only for the covered address, only in authorised categories, and never
for mail to or from the subject's known attorneys (39 CFR 233.3(g)(2)). A refused
observation is not stored; only the fact of the refusal and its reason are
counted, so that the public counts can show how often the limits held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.covers.models import Observation, RefusedObservation
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle import documents, period
from covergate.lifecycle.access import record_access, require_role
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import AccessKind, Request
from covergate.lifecycle.states import APPROVED_STATES, RefusalReason, RequestState
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import DataCategory, RequestKind

# The observation models (pydantic, and the request document's) are imported by
# what records an observation, whose caller has parsed one: the request views
# import this module only to count observations.
if TYPE_CHECKING:
    from covergate.covers.schemas import MailObservation, RecordsItem
    from covergate.document import Address

DATA_LABEL = b"observation.data"

_MESSAGES = {
    RefusalReason.NOT_ACTIVE: "the request is not active ({state})",
    RefusalReason.OUTSIDE_WINDOW: "{day} is outside the authorised window {start} to {end}",
    RefusalReason.BEFORE_ORDER: (
        "{day} is before the cover was ordered on {ordered}: nothing is recorded before "
        "an order, 39 CFR 233.3(d), (g)"
    ),
    RefusalReason.WRONG_ADDRESS: "the mail is not addressed to the covered address",
    RefusalReason.ATTORNEY_MAIL: (
        "mail to or from the subject's known attorney is never recorded, 39 CFR 233.3(g)(2)"
    ),
    RefusalReason.CATEGORY_NOT_AUTHORISED: "category {category} was not authorised",
}


@dataclass(frozen=True)
class ObservationResult:
    accepted: bool
    observation_id: int | None
    reason: RefusalReason | None
    message: str


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().replace(".", " ").replace(",", " ").split())


def same_address(a: Address, b: Address) -> bool:
    """Addresses match when their normalised lines, city, state and ZIP5 match."""
    return (
        _norm(a.line1) == _norm(b.line1)
        and _norm(a.line2) == _norm(b.line2)
        and _norm(a.city) == _norm(b.city)
        and _norm(a.state) == _norm(b.state)
        and a.zip[:5] == b.zip[:5]
    )


def find_for_recording(
    *, session: Session, ctx: ServiceContext, actor: User, public_id: str
) -> Request:
    """The request an observer records on: any that was ordered, i.e. in one of the
    ``APPROVED_STATES`` (others: NotFound).

    Reading a cover is narrower (``lifecycle.access.can_see``); recording reaches
    every ordered cover so that an attempt on one that ended is refused and
    counted, not lost as a 404.
    """
    require_role(actor, Role.OBSERVER, doing="record observations")
    request = session.scalar(select(Request).where(Request.public_id == public_id))
    if request is None or request.state not in APPROVED_STATES:
        raise NotFound(f"no request {public_id}")
    period.refresh_state(session=session, ctx=ctx, request=request)
    return request


def observe(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    item: MailObservation | RecordsItem,
) -> ObservationResult:
    """Accept or refuse one item. A refusal is counted, and nothing of it is kept.

    The caller commits in both cases (a refusal is a fact to record), then reports
    a refusal to the client as an error.
    """
    from covergate.covers.schemas import MailObservation, RecordsItem

    require_role(actor, Role.OBSERVER, doing="record observations")
    if request.state not in APPROVED_STATES:
        raise NotFound(f"no request {request.public_id}")
    if isinstance(item, MailObservation) and request.kind is not RequestKind.MAIL_COVER:
        raise InvalidInput("a mail observation can only be recorded for a mail cover")
    if isinstance(item, RecordsItem) and request.kind is not RequestKind.RECORDS:
        raise InvalidInput("a records item can only be recorded for a records request")
    period.refresh_state(session=session, ctx=ctx, request=request)

    reason, message = _check(ctx, request, item)
    if reason is not None:
        session.add(
            RefusedObservation(request_id=request.id, reason=reason, refused_on=ctx.clock.today())
        )
        request.refused_observations = (request.refused_observations or 0) + 1
        return ObservationResult(False, None, reason, message)

    if isinstance(item, MailObservation):
        category, day = DataCategory.MAIL_EXTERIOR, item.mail_date
    else:
        category, day = item.category, item.record_date
    row = Observation(
        request_id=request.id,
        category=category,
        item_date=day,
        data_ct=request_cipher(ctx, request).encrypt_json(
            item.model_dump(mode="json"), label=DATA_LABEL
        ),
        recorded_by=actor.id,
        recorded_at=ctx.clock.now(),
    )
    session.add(row)
    session.flush()
    return ObservationResult(True, row.id, None, "recorded")


def _check(
    ctx: ServiceContext, request: Request, item: MailObservation | RecordsItem
) -> tuple[RefusalReason | None, str]:
    from covergate.covers.schemas import MailObservation

    if request.state is not RequestState.ACTIVE:
        return RefusalReason.NOT_ACTIVE, _MESSAGES[RefusalReason.NOT_ACTIVE].format(
            state=request.state.value
        )
    day = item.mail_date if isinstance(item, MailObservation) else item.record_date
    if request.ordered_on is not None and day < request.ordered_on:
        return RefusalReason.BEFORE_ORDER, _MESSAGES[RefusalReason.BEFORE_ORDER].format(
            day=day, ordered=request.ordered_on
        )
    start, end = request.active_from, request.active_until
    if start is None or end is None or not start <= day <= end or day > ctx.clock.today():
        return RefusalReason.OUTSIDE_WINDOW, _MESSAGES[RefusalReason.OUTSIDE_WINDOW].format(
            day=day, start=start, end=end
        )
    authorised = set(request.authorised_categories or [])
    category = DataCategory.MAIL_EXTERIOR if isinstance(item, MailObservation) else item.category
    if category.value not in authorised:
        return RefusalReason.CATEGORY_NOT_AUTHORISED, _MESSAGES[
            RefusalReason.CATEGORY_NOT_AUTHORISED
        ].format(category=category.value)
    if isinstance(item, MailObservation):
        # The subject's address and attorneys are needed to check; this is the
        # software's own check, not a person's read, so it is not an access.
        document = documents.decrypt_document(ctx, request)
        if not same_address(item.addressee.address, document.subject.address):
            return RefusalReason.WRONG_ADDRESS, _MESSAGES[RefusalReason.WRONG_ADDRESS]
        for attorney in document.subject.known_attorneys:
            for party in (item.sender, item.addressee):
                if _norm(party.name) == _norm(attorney.name) or same_address(
                    party.address, attorney.address
                ):
                    return RefusalReason.ATTORNEY_MAIL, _MESSAGES[RefusalReason.ATTORNEY_MAIL]
    return None, ""


def refusal_counts(*, session: Session, request: Request) -> dict[str, int]:
    rows = session.execute(
        select(RefusedObservation.reason, func.count())
        .where(RefusedObservation.request_id == request.id)
        .group_by(RefusedObservation.reason)
    ).all()
    return {reason.value: count for reason, count in rows}


def observation_count(*, session: Session, request: Request) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Observation)
            .where(Observation.request_id == request.id)
        )
        or 0
    )


def read_observations(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> list[dict[str, object]]:
    """Decrypted observations, for the production package; the read is access-logged."""
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.OBSERVATIONS,
        reason=reason,
    )
    rows = session.scalars(
        select(Observation).where(Observation.request_id == request.id).order_by(Observation.id)
    )
    out: list[dict[str, object]] = []
    cipher = request_cipher(ctx, request)
    for row in rows:
        data = json.loads(cipher.decrypt(row.data_ct, label=DATA_LABEL))
        out.append(
            {
                "id": row.id,
                "category": row.category.value,
                "date": row.item_date.isoformat(),
                "data": data,
            }
        )
    return out
