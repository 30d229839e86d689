"""HTTP routes of the retention workflow: a destruction's record, improper, the schedule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from covergate.api_deps import PROBLEM_RESPONSES, ContextDep, RuntimeDep, TokenDep
from covergate.lifecycle import access
from covergate.retention import schedule, service
from covergate.retention.inputs import DestroyInput, RetentionRunInput
from covergate.retention.responses import Destroyed, DestructionView, RetentionRunView
from covergate.users.schemas import Role

router = APIRouter(prefix="/api/v1", tags=["retention"], responses=PROBLEM_RESPONSES)


@router.get(
    "/requests/{request_id}/destruction",
    summary="Whether, when and why a request's data was destroyed (no subject data)",
    description=(
        "Anyone who may see the request: the requesting agency reads here why its "
        "request's data was destroyed (39 CFR 233.3(h)). Before destruction it says "
        "until when the records are kept."
    ),
    response_model=DestructionView,
    # A record before destruction has fewer members than one after: leave out the rest.
    response_model_exclude_unset=True,
)
def show_destruction(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        return schedule.destruction_view(session=session, ctx=ctx, request=request)


@router.post(
    "/requests/{request_id}/destroy",
    summary="End an improperly ordered cover and destroy its data (Chief or HQ designee)",
    response_model=Destroyed,
)
def destroy_improper(
    request_id: str, body: DestroyInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        return service.destroy_improper(
            session=session, ctx=ctx, actor=user, request=request, explanation=body.explanation
        ).to_json()


@router.post(
    "/retention/run",
    summary="Run the retention schedule now, or list what it would destroy (admins)",
    response_model=RetentionRunView,
)
def run_retention(
    body: RetentionRunInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        access.require_role(user, Role.ADMIN, doing="run the retention schedule")
        return schedule.run_retention(session=session, ctx=ctx, dry_run=body.dry_run).to_json()
