"""HTTP routes of the courts workflow.

- ``GET /courts`` (anyone signed in) and ``POST /admin/courts`` (admins): the registry;
- ``/court/orders...`` (users of role court, each for the orders naming their court):
  list, show (with the request's document: access-logged, ``X-Access-Reason``), the
  uploaded order document, and the confirmation, refusal and unsealing;
- ``/requests/{id}/order``: the order as the request's readers see it; the agency
  files one late (an emergency's) and uploads its document (raw body, up to 10 MiB).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status

from covergate.api_deps import (
    PROBLEM_RESPONSES,
    ContextDep,
    LimitQuery,
    OffsetQuery,
    RuntimeDep,
    TokenDep,
)
from covergate.courts import filing, registry, service, views
from covergate.courts.responses import (
    CourtList,
    CourtView,
    OrderList,
    OrderView,
    OrderWithDocument,
)
from covergate.courts.schemas import ConfirmInput, CourtInput, RefuseInput
from covergate.document import LegalProcess
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle import access
from covergate.lifecycle.states import OrderState
from covergate.users.schemas import Role

router = APIRouter(prefix="/api/v1", tags=["courts"], responses=PROBLEM_RESPONSES)

ReasonHeader = Annotated[
    str | None,
    Header(alias="X-Access-Reason", description="Why you read subject data (access-logged)."),
]


async def order_document_body(request: Request) -> bytes:
    """The raw body, refused past :data:`filing.MAX_DOCUMENT_BYTES` without reading on."""
    limit = filing.MAX_DOCUMENT_BYTES
    too_big = InvalidInput(f"the order's document is larger than {limit >> 20} MiB", field="body")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


DocumentBody = Annotated[bytes, Depends(order_document_body)]


@router.get("/courts", summary="The registered courts (anyone signed in)", response_model=CourtList)
def list_courts(runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, _user):
        return {"courts": [views.court_as_dict(c) for c in registry.list_courts(session=session)]}


@router.post(
    "/admin/courts",
    status_code=status.HTTP_201_CREATED,
    summary="Register a court",
    response_model=CourtView,
)
def add_court(body: CourtInput, runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, actor):
        access.require_role(actor, Role.ADMIN, doing="register courts")
        court = registry.add_court(session=session, clock=runtime.clock, name=body.name)
        return views.court_as_dict(court)


@router.get(
    "/court/orders",
    summary="The orders that name your court (court users)",
    response_model=OrderList,
)
def list_orders(
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    state: OrderState | None = None,
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        rows = service.court_orders(
            session=session, actor=user, state=state, limit=limit, offset=offset
        )
        return {
            "orders": [views.order_as_dict(ctx, r, o) for o, r in rows],
            "limit": limit,
            "offset": offset,
        }


@router.get(
    "/court/orders/{request_id}",
    summary="One order with its request's whole document (access-logged)",
    response_model=OrderWithDocument,
)
def show_order(
    request_id: str,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    reason: ReasonHeader = None,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request, order = service.find_order(
            session=session, ctx=ctx, actor=user, public_id=request_id
        )
        document = service.show_order(
            session=session, ctx=ctx, actor=user, request=request, reason=reason or ""
        )
        return {
            "order": views.order_as_dict(ctx, request, order),
            "document": document.model_dump(mode="json"),
        }


@router.get(
    "/court/orders/{request_id}/document",
    summary="The order's uploaded document (access-logged)",
    response_class=Response,
    responses={
        200: {
            "description": "The document as uploaded: PDF, or any other bytes.",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def order_document(
    request_id: str,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    reason: ReasonHeader = None,
) -> Response:
    with runtime.unit_of_work(token) as (session, user):
        request, _order = service.find_order(
            session=session, ctx=ctx, actor=user, public_id=request_id
        )
        data = service.read_document(
            session=session, ctx=ctx, actor=user, request=request, reason=reason or ""
        )
    media = "application/pdf" if data.startswith(b"%PDF-") else "application/octet-stream"
    return Response(content=data, media_type=media)


@router.post(
    "/court/orders/{request_id}/confirmation",
    summary="Confirm an order",
    response_model=OrderView,
)
def confirm_order(
    request_id: str, body: ConfirmInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request, _ = service.find_order(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = service.confirm(
            session=session, ctx=ctx, actor=user, request=request, sealed_until=body.sealed_until
        )
        return views.order_as_dict(ctx, request, order)


@router.post(
    "/court/orders/{request_id}/refusal",
    summary="Refuse an order, with reasons",
    response_model=OrderView,
)
def refuse_order(
    request_id: str, body: RefuseInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request, _ = service.find_order(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = service.refuse(
            session=session,
            ctx=ctx,
            actor=user,
            request=request,
            reasons=body.reasons,
            sealed_until=body.sealed_until,
        )
        return views.order_as_dict(ctx, request, order)


@router.post(
    "/court/orders/{request_id}/unsealing",
    summary="Unseal an order before its day",
    response_model=OrderView,
)
def unseal_order(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request, _ = service.find_order(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = service.unseal(session=session, ctx=ctx, actor=user, request=request)
        return views.order_as_dict(ctx, request, order)


@router.get(
    "/requests/{request_id}/order",
    summary="The court order a request relies on",
    response_model=OrderView,
)
def request_order(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = filing.order_of(session=session, request=request)
        if order is None or user.role is Role.OBSERVER:
            raise NotFound(f"request {request_id} has no court order on file")
        return views.order_as_dict(ctx, request, order)


@router.post(
    "/requests/{request_id}/order",
    status_code=status.HTTP_201_CREATED,
    summary="File the order of a request that had none (an emergency's, following it)",
    response_model=OrderView,
)
def file_order(
    request_id: str, body: LegalProcess, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = filing.file_late(
            session=session, ctx=ctx, actor=user, request=request, process=body
        )
        return views.order_as_dict(ctx, request, order)


@router.put(
    "/requests/{request_id}/order/document",
    summary="Upload the order's document (the requesting agency; raw body, up to 10 MiB)",
    response_model=OrderView,
)
def upload_order_document(
    request_id: str,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    data: DocumentBody,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = filing.attach_document(
            session=session, ctx=ctx, actor=user, request=request, data=data
        )
        return views.order_as_dict(ctx, request, order)
