"""How courts and court orders are shown to API and CLI clients. No subject data here."""

from __future__ import annotations

from typing import Any

from covergate.context import ServiceContext
from covergate.courts.filing import commitment_of
from covergate.courts.models import Court, CourtOrder
from covergate.courts.service import is_sealed
from covergate.lifecycle.models import Request


def court_as_dict(court: Court) -> dict[str, Any]:
    return {"name": court.name, "created": court.created_at.isoformat(timespec="seconds")}


def _day(value: object) -> str | None:
    return None if value is None else str(value)


def order_as_dict(ctx: ServiceContext, request: Request, order: CourtOrder) -> dict[str, Any]:
    """The order and the few facts of its request a court needs to find it."""
    return {
        "request": request.public_id,
        "state": order.state.value,
        "court": order.court.name,
        "process_type": order.process_type.value,
        "standard": order.standard.value,
        "docket": order.docket,
        "judge": order.judge,
        "issued": _day(order.issued),
        "expires": _day(order.expires),
        "filed_on": _day(order.filed_on),
        "decided_on": _day(order.decided_on),
        "sealed_until": _day(order.sealed_until),
        "sealed": is_sealed(order),
        "unsealed_on": _day(order.unsealed_on),
        "document_sha256": order.document_sha256.hex() if order.document_sha256 else None,
        "order_commitment": commitment_of(ctx, request, order),
        "agency": request.agency.name,
        "kind": request.kind.value,
        "request_state": request.state.value,
        "received": _day(request.received_on),
        "emergency": request.public_document.get("emergency") is not None,
        "order_due": _day(request.order_due),
    }
