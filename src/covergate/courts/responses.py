"""What the courts routes answer: the registry, orders, an order with its document."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from covergate.api_deps import Day, Page, ResponseModel, Timestamp
from covergate.lifecycle.states import OrderState, RequestState
from covergate.vocabulary import ProcessStandard, ProcessType, RequestKind

__all__ = ["CourtList", "CourtView", "OrderBrief", "OrderList", "OrderView", "OrderWithDocument"]


class CourtView(ResponseModel):
    name: str
    created: Timestamp


class CourtList(ResponseModel):
    courts: list[CourtView]


class OrderBrief(ResponseModel):
    """A request's court order as its detail shows it (docket and judge: at /order)."""

    court: str
    state: OrderState
    sealed_until: Day | None
    unsealed_on: Day | None


class OrderView(ResponseModel):
    """An order and the few facts of its request a court needs to find it."""

    request: str
    state: OrderState
    court: str
    process_type: ProcessType
    standard: ProcessStandard
    docket: str
    judge: str
    issued: Day
    expires: Day | None
    filed_on: Day
    decided_on: Day | None
    sealed_until: Day | None
    sealed: bool
    unsealed_on: Day | None
    document_sha256: str | None = Field(description="SHA-256 (hex) of the uploaded document.")
    order_commitment: str = Field(description="The commitment every entry of the order carries.")
    agency: str
    kind: RequestKind
    request_state: RequestState
    received: Day
    emergency: bool
    order_due: Day | None


class OrderList(Page):
    orders: list[OrderView]


class OrderWithDocument(ResponseModel):
    """An order with the whole request document it was asked for (access-logged)."""

    order: OrderView
    document: dict[str, Any] = Field(description="The request document (/api/v1/schema/request).")
