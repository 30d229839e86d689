"""Who a notice goes to, kept past the destruction of the request's data.

An emergency cover with no timely order, a cover whose order the court refused, or
one ordered improperly has its data destroyed at once; its subject is still owed
notice (safeguards-2026, notice). So before the data key goes, :func:`keep_addressee`
makes sure the notice exists and seals its addressee (name and covered address,
nothing else) under the field key. Mailing the notice clears it
(:func:`forget_addressee`), and so does the end of retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.errors import Gone
from covergate.lifecycle.documents import decrypt_document
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import NoticeState
from covergate.notices.models import Notice

# The document's models (pydantic) only as annotations: the documents passed in
# were parsed by the caller.
if TYPE_CHECKING:
    from covergate.document import RequestDocument

__all__ = ["Addressee", "forget_addressee", "keep_addressee", "open_addressee"]

ADDRESSEE_LABEL = b"notice.addressee:"


@dataclass(frozen=True)
class Addressee:
    name: str
    address_lines: tuple[str, ...]

    @classmethod
    def of(cls, document: RequestDocument) -> Addressee:
        address = document.subject.address
        lines = [address.line1, *([address.line2] if address.line2 else [])]
        lines.append(f"{address.city}, {address.state} {address.zip}")
        return cls(document.subject.name, tuple(lines))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "address_lines": list(self.address_lines)}


def _label(request: Request) -> bytes:
    return ADDRESSEE_LABEL + request.public_id.encode()


def keep_addressee(*, session: Session, ctx: ServiceContext, request: Request) -> Notice | None:
    """Before ``request``'s data is destroyed: the notice it owes, with its addressee sealed.

    None when no notice is owed (the policy requires none, or it was never ordered).
    The document is decrypted for the software's own copy, not shown to anyone.
    """
    from covergate.notices.service import owe_notice, owed_from

    owed = owed_from(session=session, request=request) or request.closed_on or ctx.clock.today()
    notice = owe_notice(session=session, ctx=ctx, request=request, owed_from=owed)
    if notice is None or notice.state is NoticeState.MAILED:
        return notice
    addressee = Addressee.of(decrypt_document(ctx, request))
    notice.addressee_ct = ctx.cipher.encrypt_json(addressee.to_json(), label=_label(request))
    return notice


def open_addressee(ctx: ServiceContext, request: Request, notice: Notice) -> Addressee:
    """The kept addressee of a request whose data was destroyed; Gone when none was kept."""
    if notice.addressee_ct is None:
        raise Gone(
            f"the data of request {request.public_id} was destroyed and no addressee was "
            "kept: the notice cannot be addressed"
        )
    value = ctx.cipher.decrypt_json(notice.addressee_ct, label=_label(request))
    if not isinstance(value, dict):
        raise Gone(f"the kept addressee of request {request.public_id} is malformed")
    return Addressee(str(value["name"]), tuple(str(x) for x in value["address_lines"]))


def forget_addressee(notice: Notice) -> None:
    notice.addressee_ct = None
