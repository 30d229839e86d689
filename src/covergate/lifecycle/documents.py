"""A request document in storage: split into a redacted public part and a sealed one.

The public part (``Request.public_document``) is the document with subject data and
free text redacted: what the policy engine, statistics and simulations read. The
private part is AES-GCM under :data:`PRIVATE_LABEL`. :func:`full_document` is the
one way a person reads the whole document, and it writes the access log;
:func:`decrypt_document` is the software's own use (a check), never shown.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle.access import can_see, record_access
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import AccessKind, Request
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import DataCategory

# The request document's models (pydantic, built on import) are imported by the
# functions that parse one: services import this module for what they store, and
# listing requests reads no document.
if TYPE_CHECKING:
    from covergate.document import Address, RequestDocument

__all__ = [
    "PRIVATE_LABEL",
    "PRIVATE_PATHS",
    "RecordingView",
    "decrypt_document",
    "document_digest",
    "full_document",
    "merge_private",
    "public_document",
    "recording_view",
    "split_private",
]

PRIVATE_LABEL = b"request.private"

#: Free-text fields that could identify a subject or an investigation. They are
#: kept only encrypted; the stored public document has them redacted.
PRIVATE_PATHS: tuple[tuple[str, ...], ...] = (
    ("subject",),
    ("purpose", "reasonable_grounds"),
    ("emergency", "description"),
    ("scope", "longer_period_justification"),
    ("scope", "extension_benefit"),
)


def split_private(
    document: RequestDocument, *, dumped: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(redacted public document, private fields) as JSON-ready dicts.

    ``dumped``: ``document.model_dump(mode="json")`` when the caller has it already
    (intake also digests it: :func:`document_digest`); read, never changed.
    """
    full = document.model_dump(mode="json") if dumped is None else dumped
    private: dict[str, Any] = {}
    for path in PRIVATE_PATHS:
        node: Any = full
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(path[-1]) is not None:
            private[".".join(path)] = node[path[-1]]
    # Here, not at the top: importing covergate.policy.redaction loads the whole
    # policy package (its engine and YAML), which reading a request never needs.
    from covergate.policy.redaction import redact

    public = redact(document).model_dump(mode="json")
    return public, private


def merge_private(public: dict[str, Any], private: dict[str, Any]) -> RequestDocument:
    """The full request document from its two stored parts."""
    full = copy.deepcopy(public)
    for dotted, value in private.items():
        node = full
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    from covergate.document import request_document_from_data

    return request_document_from_data(full)


def document_digest(document: RequestDocument, *, dumped: dict[str, Any] | None = None) -> str:
    """SHA-256 (hex) of the document's canonical JSON; ``dumped`` as for :func:`split_private`."""
    full = document.model_dump(mode="json") if dumped is None else dumped
    canonical = json.dumps(full, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def public_document(request: Request) -> RequestDocument:
    """The redacted document (no subject data): what the policy and statistics use."""
    from covergate.document import request_document_from_data

    return request_document_from_data(request.public_document)


def decrypt_document(ctx: ServiceContext, request: Request) -> RequestDocument:
    """The whole document, for the software's own checks. Never shown to a person."""
    private = request_cipher(ctx, request).decrypt_json(request.private_ct, label=PRIVATE_LABEL)
    if not isinstance(private, dict):
        raise InvalidInput(f"stored private part of request {request.public_id} is malformed")
    return merge_private(request.public_document, private)


def full_document(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> RequestDocument:
    """The whole document including subject data, for staff and the agency.

    Every call is written to the access log. Observers read :func:`recording_view`
    instead: they need where to record, not the facts of the investigation.
    """
    if not can_see(actor, request, ctx=ctx) or actor.role is Role.OBSERVER:
        raise NotFound(f"no request {request.public_id}")
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.SUBJECT,
        reason=reason,
    )
    return decrypt_document(ctx, request)


@dataclass(frozen=True)
class RecordingView:
    """What an observer needs to run a cover, and nothing more.

    The covered address, the addresses of the subject's known attorneys (whose mail
    is never recorded), the authorised window and categories. No name, no facts,
    no grounds.
    """

    request_id: str
    covered_address: Address
    attorney_addresses: tuple[Address, ...]
    active_from: date | None
    active_until: date | None
    categories: tuple[DataCategory, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.request_id,
            "covered_address": self.covered_address.model_dump(mode="json"),
            "attorney_addresses": [a.model_dump(mode="json") for a in self.attorney_addresses],
            "active_from": self.active_from.isoformat() if self.active_from else None,
            "active_until": self.active_until.isoformat() if self.active_until else None,
            "categories": [c.value for c in self.categories],
        }


def recording_view(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> RecordingView:
    """The observer's view of a cover they may see; the read is access-logged."""
    if actor.role is not Role.OBSERVER or not can_see(actor, request, ctx=ctx):
        raise NotFound(f"no request {request.public_id}")
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.SUBJECT,
        reason=reason,
    )
    document = decrypt_document(ctx, request)
    return RecordingView(
        request_id=request.public_id,
        covered_address=document.subject.address,
        attorney_addresses=tuple(a.address for a in document.subject.known_attorneys),
        active_from=request.active_from,
        active_until=request.active_until,
        categories=tuple(DataCategory(c) for c in request.authorised_categories or []),
    )
