"""Destruction of a request's data: real, logged, final (39 CFR 233.3(h)).

:func:`destroy` is real destruction: the request's wrapped data key is deleted and
every ciphertext of the request is deleted or blanked, so nothing in the database
or in any later copy of it opens that data (a backup made before still holds the
wrapped key until it expires: ``lifecycle.keys``). The request keeps its state,
its public (redacted) document, its history and its log entries; every later read
of its data answers Gone (410) naming the day and the reason. One DATA_DESTROYED
entry is logged; its private record holds the counts of what went and the
explanation the requester is given (:func:`destruction_of`).

Three things destroy:

- ``retention.schedule.run_retention``: the records of a request that ended are kept
  ``authority.retention.years`` years, then destroyed (one DESTRUCTION_RUN program
  entry per run that destroyed anything). Open requests are never touched.
- :func:`destroy_improper`: the Inspection Service found a cover improperly
  ordered; it ends at once and its data is destroyed, the requester told why.
- ``retention.emergencies``: an emergency cover without a confirmed order in time,
  or whose order the court refused.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.models import CourtOrder
from covergate.covers.models import Observation
from covergate.errors import Conflict, Forbidden, InvalidInput, LogIntegrityError, RuleViolation
from covergate.lifecycle.access import require_role
from covergate.lifecycle.advance import record_event
from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.states import (
    APPROVED_STATES,
    CloseReason,
    DestructionReason,
    RequestState,
)
from covergate.notices.addressee import forget_addressee, keep_addressee
from covergate.notices.models import DelayOrder, Notice
from covergate.productions.models import Production
from covergate.requests.models import Decision
from covergate.requests.service import end
from covergate.retention.schemas import MIN_EXPLANATION, Destruction
from covergate.transparency.service import read_commitment
from covergate.users.models import User
from covergate.users.schemas import Delegation, Role

__all__ = [
    "ENDED_STATES",
    "IMPROPER_DELEGATIONS",
    "RUNNING_STATES",
    "destroy",
    "destroy_improper",
    "destruction_of",
]

#: A request in one of these has ended: its records are kept, then destroyed.
ENDED_STATES = frozenset(
    {RequestState.DENIED, RequestState.CLOSED, RequestState.PRODUCED, RequestState.ACKNOWLEDGED}
)
#: A cover in one of these is still running (or ran out but is not closed yet).
RUNNING_STATES = frozenset({RequestState.APPROVED, RequestState.ACTIVE, RequestState.EXPIRED})
#: Who may find a cover improperly ordered: the Chief Postal Inspector or a
#: headquarters designee, who also review orders (39 CFR 233.3(h), (j)).
IMPROPER_DELEGATIONS = frozenset(
    {Delegation.CHIEF_POSTAL_INSPECTOR, Delegation.HEADQUARTERS_DESIGNEE}
)
MAX_EXPLANATION = 2000


# --- destruction ---


def _check_destroyable(request: Request) -> None:
    if request.destroyed_on is not None:
        reason = request.destruction_reason.value if request.destruction_reason else "destroyed"
        raise Conflict(
            f"the data of request {request.public_id} was already destroyed on "
            f"{request.destroyed_on.isoformat()} ({reason.replace('_', ' ')})"
        )
    if request.state not in ENDED_STATES:
        raise Conflict(
            f"request {request.public_id} is {request.state.value}: a request's data is "
            "destroyed only once it has ended (close the cover first)"
        )


def _check_explanation(explanation: str, minimum: int = 1) -> str:
    text = explanation.strip()
    if len(text) < minimum:
        raise InvalidInput(
            f"explanation: tell the requester why in at least {minimum} characters",
            field="explanation",
        )
    if len(text) > MAX_EXPLANATION:
        raise InvalidInput(
            f"explanation: at most {MAX_EXPLANATION} characters", field="explanation"
        )
    return text


def _count(session: Session, model: type[Observation | Decision | DelayOrder], rid: int) -> int:
    query = select(func.count()).select_from(model).where(model.request_id == rid)
    return session.scalar(query) or 0


def destroy(
    *,
    session: Session,
    ctx: ServiceContext,
    request: Request,
    reason: DestructionReason,
    actor: User | None,
    explanation: str,
) -> Destruction:
    """Destroy every piece of ``request``'s data and log it; the caller commits.

    Conflict (nothing written) when it was destroyed already (naming the day) or
    has not ended yet. The log entries and their commitments stay: they hold no
    subject data.
    """
    _check_destroyable(request)
    text = _check_explanation(explanation)
    rid = request.id
    production = session.scalar(select(Production).where(Production.request_id == rid))
    order = session.scalar(select(CourtOrder).where(CourtOrder.request_id == rid))
    notice = session.scalar(select(Notice).where(Notice.request_id == rid))
    destroyed = {
        "document": 1,
        "review_note": int(request.review_note_ct is not None or request.review_note is not None),
        "decision_notes": _count(session, Decision, rid),
        "observations": _count(session, Observation, rid),
        "production": int(production is not None),
        "order_document": int(order is not None and order.document_ct is not None),
        "order_reasons": int(order is not None and order.reasons_ct is not None),
        "notice_tracking": int(notice is not None and notice.tracking_ct is not None),
        "delay_order_reasons": _count(session, DelayOrder, rid),
    }
    if reason is DestructionReason.RETENTION_ENDED:
        if notice is not None:
            forget_addressee(notice)
    else:  # destroyed early: the subject is still owed notice, so keep who to tell
        notice = keep_addressee(session=session, ctx=ctx, request=request)
    request.observations_destroyed = (request.observations_destroyed or 0) + destroyed[
        "observations"
    ]
    # The key first: with it gone, nothing left anywhere opens the ciphertexts.
    request.data_key_ct = None
    request.private_ct = b""  # NOT NULL: blank
    request.review_note_ct = None
    request.review_note = None
    # b"" (not NULL): NULL means "legacy, not sealed yet" to requests.notes.
    session.execute(
        update(Decision)
        .where(Decision.request_id == rid)
        .values(notes_ct=b"", reasons=None, justifications={})
    )
    session.execute(delete(Observation).where(Observation.request_id == rid))
    if production is not None:
        production.files_ct = b""
    if order is not None:  # its digest and the seal's salt (under the field key) stay
        order.document_ct = None
        order.reasons_ct = None
    if notice is not None:
        notice.tracking_ct = None
    session.execute(update(DelayOrder).where(DelayOrder.request_id == rid).values(reasons_ct=b""))
    today = ctx.clock.today()
    request.destroyed_on = today
    request.destruction_reason = reason
    request.updated_at = ctx.clock.now()
    index = record_event(
        session=session,
        ctx=ctx,
        request=request,
        event=EventType.DATA_DESTROYED,
        actor=actor,
        day=today,
        outcome=reason.value,
        detail={"reason": reason.value, "destroyed": destroyed, "explanation": text},
    )
    session.flush()
    return Destruction(
        request.public_id, request.agency.name, today, reason, text, destroyed, index
    )


def destruction_of(
    *, session: Session, ctx: ServiceContext, request: Request
) -> Destruction | None:
    """How ``request``'s data was destroyed (from its logged record); None if it was not.

    The explanation is what the requesting agency is told (39 CFR 233.3(h)).
    """
    if request.destroyed_on is None or request.destruction_reason is None:
        return None
    row = session.scalar(
        select(RequestEvent)
        .where(
            RequestEvent.request_id == request.id,
            RequestEvent.event == EventType.DATA_DESTROYED,
        )
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )
    if row is None:
        raise LogIntegrityError(f"request {request.public_id} was destroyed with no log entry")
    _salt, canonical = read_commitment(session=session, index=row.entry_index, cipher=ctx.cipher)
    detail = json.loads(canonical).get("detail") or {}
    counts = detail.get("destroyed") or {}
    return Destruction(
        request_id=request.public_id,
        agency=request.agency.name,
        day=request.destroyed_on,
        reason=request.destruction_reason,
        explanation=str(detail.get("explanation") or ""),
        destroyed={str(k): int(v) for k, v in counts.items()},
        log_index=row.entry_index,
    )


# --- an improper order ---


def destroy_improper(
    *,
    session: Session,
    ctx: ServiceContext,
    actor: User,
    request: Request,
    explanation: str,
) -> Destruction:
    """End an improperly ordered cover and destroy its data; the requester is told why.

    Only an approver holding the Chief Postal Inspector's or a headquarters
    designee's delegation (Forbidden otherwise); only a cover that was ordered
    (RuleViolation for one never approved); the explanation is at least
    :data:`MIN_EXPLANATION` characters. Nothing is written when any check fails.
    """
    citation = ctx.policy.authority.retention.citation
    require_role(actor, Role.APPROVER, doing="destroy an improperly ordered cover's data")
    if actor.delegation not in IMPROPER_DELEGATIONS:
        held = actor.delegation.value if actor.delegation else "none"
        raise Forbidden(
            "only the Chief Postal Inspector or a headquarters designee may find a cover "
            f"improperly ordered ({citation}); your delegation is {held}"
        )
    text = _check_explanation(explanation, MIN_EXPLANATION)
    if request.destroyed_on is not None:
        _check_destroyable(request)  # Conflict naming the day
    if request.state not in APPROVED_STATES:
        raise RuleViolation(
            f"request {request.public_id} is {request.state.value}: only a cover that was "
            f"ordered can be found improperly ordered ({citation})",
            field="state",
        )
    if request.state in RUNNING_STATES:
        end(session=session, ctx=ctx, request=request, reason=CloseReason.IMPROPER, actor=actor)
    return destroy(
        session=session,
        ctx=ctx,
        request=request,
        reason=DestructionReason.IMPROPER,
        actor=actor,
        explanation=f"{text} ({citation})",
    )
