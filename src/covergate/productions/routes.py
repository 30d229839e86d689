"""HTTP routes for production packages and their acknowledgement."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Header, status

from covergate.api_deps import PROBLEM_RESPONSES, ContextDep, RuntimeDep, TokenDep
from covergate.lifecycle import access
from covergate.productions import service
from covergate.productions.responses import Acknowledged, PackageDownload, Produced
from covergate.requests.schemas import AcknowledgeInput

router = APIRouter(prefix="/api/v1", tags=["productions"], responses=PROBLEM_RESPONSES)


@router.post(
    "/requests/{request_id}/production",
    status_code=status.HTTP_201_CREATED,
    summary="Produce the package for the agency (reviewer)",
    response_model=Produced,
)
def produce(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        package = service.produce(session=session, ctx=ctx, actor=user, request=request)
        return {"manifest": package.manifest, "manifest_sha256": package.manifest_sha256}


@router.get(
    "/requests/{request_id}/production",
    summary="Download the package (files base64-encoded; the read is access-logged)",
    response_model=PackageDownload,
)
def download(
    request_id: str,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    reason: Annotated[str | None, Header(alias="X-Access-Reason")] = None,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        package = service.read_package(
            session=session, ctx=ctx, actor=user, request=request, reason=reason or ""
        )
        return {
            "manifest": package.manifest,
            "manifest_sha256": package.manifest_sha256,
            "files": {
                name: base64.b64encode(data).decode() for name, data in package.files.items()
            },
        }


@router.post(
    "/requests/{request_id}/production/acknowledge",
    summary="Acknowledge receipt",
    response_model=Acknowledged,
)
def acknowledge(
    request_id: str, body: AcknowledgeInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        row = service.acknowledge(
            session=session,
            ctx=ctx,
            actor=user,
            request=request,
            manifest_sha256=body.manifest_sha256,
        )
        return {
            "request": request_id,
            "state": request.state.value,
            "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        }
