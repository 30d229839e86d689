"""HTTP route for the access log (auditors only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from covergate.api_deps import PROBLEM_RESPONSES, ContextDep, RuntimeDep, TokenDep
from covergate.audit import service
from covergate.lifecycle import access

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("/audit/access-log", summary="Who read subject data, when, for which request, why")
def access_log(
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    request: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        service.require_auditor(user)
        request_id = None
        if request is not None:
            request_id = access.get_visible(
                session=session, ctx=ctx, actor=user, public_id=request, refresh=False
            ).id
        rows = service.list_access(session=session, request_id=request_id, limit=limit)
        return {"access": [service.as_dict(r) for r in rows]}
