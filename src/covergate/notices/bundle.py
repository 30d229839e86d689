"""What the subject is handed: the letter, and the bundle that proves it.

The **bundle** (JSON, ``covergate/notice-bundle/v1``) is the subject's own copy of
what the public log says about the request, with what it takes to check it
offline (``covergate notice verify``, :mod:`covergate.notices.verify`):

- ``request``: the request's public id; ``log``: the log's origin and verifier key;
- ``checkpoint``: one signed checkpoint, which every entry is proved against;
- ``entries``: each log entry of the request in order: its index, its bytes
  (base64), its inclusion proof (base64 hashes, leaf side first) and the opening of
  its commitment (salt and canonical private record, base64); the entries of a
  court order that is still sealed withhold their opening (it names the order);
- ``manifest``: the production manifest the log committed to, if records were
  produced (the number of items handed to the agency);
- ``facts``: what the entries prove (:func:`covergate.notices.summary.derive_facts`),
  which the verifier recomputes.

It holds neither the subject's name nor the covered address: the log commits to
neither, so nothing could prove them; the letter carries them. The openings do
hold the private records of the request's events (the decision's reasons among
them), as the log's design gives them to the subject (docs/NOTICES.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.courts.models import CourtOrder
from covergate.courts.service import is_sealed
from covergate.errors import Conflict, LogIntegrityError, NotFound
from covergate.lifecycle.access import can_see, record_access, require_role
from covergate.lifecycle.events import ORDER_EVENTS
from covergate.lifecycle.models import AccessKind, Request, RequestEvent
from covergate.lifecycle.states import NoticeState
from covergate.notices.facts import notice_facts
from covergate.notices.letter import render_letter
from covergate.notices.models import Notice
from covergate.notices.service import notice_of
from covergate.notices.summary import derive_facts
from covergate.notices.verify import BUNDLE_FORMAT, encode_bundle, parse_events, verify_bundle
from covergate.productions.models import Production
from covergate.tlog.inclusion import inclusion_proof
from covergate.tlog.keys import Ed25519Verifier
from covergate.transparency.models import LogEntry
from covergate.transparency.reader import DatabaseHashReader
from covergate.transparency.service import read_commitment, served_size_and_note
from covergate.users.models import User
from covergate.users.schemas import Role

__all__ = ["BUNDLE_REASON", "build_bundle", "print_letter"]

BUNDLE_REASON = "building the notice bundle for the subject"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _not_delayed(ctx: ServiceContext, notice: Notice, request: Request) -> None:
    until = notice.delayed_until
    if notice.state is NoticeState.DELAYED and until is not None and until >= ctx.clock.today():
        raise Conflict(
            f"the notice of request {request.public_id} is delayed by a court order until "
            f"{until}: nothing of it may go to the subject before then"
        )


def _owed(session: Session, ctx: ServiceContext, request: Request) -> Notice:
    notice = notice_of(session=session, request=request)
    if notice is None:
        raise NotFound(f"request {request.public_id} owes no notice (yet)")
    _not_delayed(ctx, notice, request)
    return notice


def print_letter(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, log_key: str
) -> bytes:
    """The letter's PDF, for the reviewer who mails it (the read is access-logged).

    Its SHA-256 is kept with the notice; the mailing's log entry commits to it.
    """
    require_role(actor, Role.REVIEWER, doing="print the notice to the subject")
    notice = _owed(session, ctx, request)
    pdf = render_letter(
        notice_facts(session=session, ctx=ctx, actor=actor, request=request, log_key=log_key)
    )
    if notice.state is not NoticeState.MAILED:
        notice.letter_sha256 = hashlib.sha256(pdf).digest()
    session.flush()
    return pdf


def _manifest(session: Session, request: Request) -> bytes | None:
    row = session.scalar(select(Production).where(Production.request_id == request.id))
    if row is None:
        return None
    data = json.dumps(row.manifest, indent=2, sort_keys=True).encode() + b"\n"
    if hashlib.sha256(data).hexdigest() != row.manifest_sha256:
        raise LogIntegrityError(f"the stored manifest of request {request.public_id} changed")
    return data


def build_bundle(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, log_key: str
) -> dict[str, Any]:
    """The request's notice bundle (see the module), checked before it is returned.

    For reviewers (who send it with the letter) and auditors; the read of the
    private records is access-logged. Conflict while a delay order is in force, or
    when one of the request's entries is not in a signed checkpoint yet
    (integrate the log, ``covergate log integrate``, and try again).
    """
    require_role(actor, Role.REVIEWER, Role.AUDITOR, doing="build a notice bundle")
    if not can_see(actor, request, ctx=ctx):
        raise NotFound(f"no request {request.public_id}")
    _owed(session, ctx, request)
    # The checkpoint the log serves (with witnesses: the newest they cosigned).
    state = served_size_and_note(session=session, quorum=ctx.log_quorum)
    if state is None:
        raise Conflict("the log has no signed checkpoint yet: run `covergate log integrate`")
    indexes = list(
        session.scalars(
            select(RequestEvent.entry_index)
            .where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.entry_index)
        )
    )
    late = [i for i in indexes if i >= state.size]
    if late:
        raise Conflict(
            f"log entry {late[0]} of request {request.public_id} is not in a signed "
            f"checkpoint yet (size {state.size}): run `covergate log integrate` and try again"
            + ("; with witnesses, wait for their cosignatures" if ctx.log_quorum else "")
        )
    stored = {
        int(idx): bytes(data)
        for idx, data in session.execute(
            select(LogEntry.idx, LogEntry.data).where(LogEntry.idx.in_(indexes))
        ).all()
    }
    order = session.scalar(select(CourtOrder).where(CourtOrder.request_id == request.id))
    sealed = order is not None and is_sealed(order)
    reader = DatabaseHashReader(session)
    parsed: list[tuple[int, bytes, bytes | None]] = []
    entries: list[dict[str, Any]] = []
    for index in indexes:
        data = stored.get(index)
        if data is None:
            raise LogIntegrityError(f"log entry {index} is missing")
        kind = json.loads(data).get("event")
        opening = None
        record = None
        if not (sealed and kind in {k.value for k in ORDER_EVENTS}):
            salt, record = read_commitment(session=session, index=index, cipher=ctx.cipher)
            opening = {"salt": b64(salt), "record": b64(record)}
        proof = inclusion_proof(index, state.size, reader)
        entries.append(
            {
                "index": index,
                "entry": b64(data),
                "proof": [b64(h) for h in proof],
                "opening": opening,
            }
        )
        parsed.append((index, data, record))
    manifest = _manifest(session, request)
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.NOTES,
        reason=BUNDLE_REASON,
    )
    details_key = request.details_key
    events = parse_events(request.public_id, parsed, details_key=details_key)
    verifier = Ed25519Verifier.from_key_string(log_key)
    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "request": request.public_id,
        "log": {"origin": verifier.name, "key": verifier.verifier_key()},
        "checkpoint": state.note.decode("utf-8"),
        "entries": entries,
        "manifest": b64(manifest) if manifest is not None else None,
        # Opens the request's sealed entries (lifecycle.sealing): the subject may read
        # what the log will publish about their request when it is disclosed.
        "details_key": details_key.hex() if details_key is not None else None,
        "facts": derive_facts(
            request.public_id, events, json.loads(manifest) if manifest is not None else None
        ),
    }
    # What is handed out must verify; whether the history was lawful is for the
    # subject's verifier to say, not a reason to withhold the bundle.
    verify_bundle(encode_bundle(bundle), log_key, lawful=False)
    session.flush()
    return bundle
