"""HTTP route telling a token's holder who they are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from covergate.api_deps import PROBLEM_RESPONSES, RuntimeDep, TokenDep

router = APIRouter(prefix="/api/v1", tags=["users"], responses=PROBLEM_RESPONSES)


@router.get("/me", summary="The authenticated user")
def me(runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (_session, user):
        return {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "delegation": user.delegation.value if user.delegation else None,
            "agency": user.agency.name if user.agency else None,
        }
