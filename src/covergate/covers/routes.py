"""HTTP route for recording observations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from covergate.api_deps import PROBLEM_RESPONSES, ContextDep, RuntimeDep, TokenDep
from covergate.covers import service
from covergate.covers.responses import ObservationRecorded
from covergate.covers.schemas import ObservationInput
from covergate.errors import RuleViolation

router = APIRouter(prefix="/api/v1", tags=["observations"], responses=PROBLEM_RESPONSES)


def refusal_error(result: service.ObservationResult) -> RuleViolation:
    reason = result.reason.value if result.reason else "refused"
    return RuleViolation(f"observation refused ({reason}): {result.message}", field=reason)


@router.post(
    "/requests/{request_id}/observations",
    status_code=status.HTTP_201_CREATED,
    summary="Record one mail exterior (mail cover) or one records item (records request)",
    response_model=ObservationRecorded,
)
def observe(
    request_id: str,
    item: ObservationInput,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = service.find_for_recording(
            session=session, ctx=ctx, actor=user, public_id=request_id
        )
        result = service.observe(session=session, ctx=ctx, actor=user, request=request, item=item)
    # A refusal is committed (counted) above, and reported as an error here.
    if not result.accepted:
        raise refusal_error(result)
    return {"id": result.observation_id, "request": request_id, "status": "recorded"}
