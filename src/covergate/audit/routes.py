"""HTTP routes for the access log and the compliance audit (auditors only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from covergate.api_deps import PROBLEM_RESPONSES, ContextDep, RuntimeDep, TokenDep
from covergate.audit import compliance as audit
from covergate.audit import service
from covergate.audit.responses import AccessLog, ComplianceReportView
from covergate.lifecycle import access

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get(
    "/audit/access-log",
    summary="Who read subject data, when, for which request, why",
    response_model=AccessLog,
)
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


@router.get(
    "/audit/compliance",
    summary="The compliance audit: every class of findings, on the records and the public log",
    response_model=ComplianceReportView,
)
def compliance(runtime: RuntimeDep, ctx: ContextDep, token: TokenDep) -> dict[str, Any]:
    """Auditors only. Findings name request ids, dates and log indexes, never subject
    data, so reading the report writes no access record. The log is checked against
    this server's log key too (the checkpoint's signature and the whole tree)."""
    with runtime.unit_of_work(token) as (session, user):
        audit.require_auditor(user)
        report = audit.check(session, ctx, verifier=runtime.log_signer.verifier())
        return report.to_json()
