"""HTTP routes: who a token's holder is, and account management for admins.

Under ``/api/v1/admin``: list users and tokens, issue a token, revoke one,
disable and enable a user. Every other role gets 403 naming who may.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from covergate.api_deps import PROBLEM_RESPONSES, RuntimeDep, TokenDep
from covergate.lifecycle.access import require_role
from covergate.textchecks import no_control
from covergate.users import service
from covergate.users.models import User
from covergate.users.responses import (
    IssuedToken,
    Me,
    TokenList,
    TokenView,
    UserList,
    UserView,
)
from covergate.users.schemas import Role

router = APIRouter(prefix="/api/v1", tags=["users"], responses=PROBLEM_RESPONSES)

MANAGE = "manage accounts"


class TokenInput(BaseModel):
    """A token to issue: for whom, what for, and when it stops working."""

    model_config = ConfigDict(extra="forbid")

    # One printable line each, like every text field: a NUL or an escape sequence
    # would reach the database and the admins' terminals (`covergate token list`).
    email: Annotated[str, Field(max_length=300), AfterValidator(no_control)]
    label: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(no_control)] = "api"
    expires: int | date | None = Field(
        default=None,
        description="Days from now, or the last day it works (UTC); none: never expires.",
        examples=[30, "2027-01-31"],
    )


def _admin(user: User) -> None:
    require_role(user, Role.ADMIN, doing=MANAGE)


@router.get("/me", summary="The authenticated user", response_model=Me)
def me(runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (_session, user):
        return {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "delegation": user.delegation.value if user.delegation else None,
            "agency": user.agency.name if user.agency else None,
            "court": user.court.name if user.court else None,
        }


@router.get(
    "/admin/users",
    summary="Every user, with whether they are disabled (admins)",
    response_model=UserList,
)
def list_users(runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, actor):
        _admin(actor)
        rows = service.list_users(session=session)
        return {"users": [service.user_as_dict(u, clock=runtime.clock) for u in rows]}


@router.post(
    "/admin/users/{email}/disable",
    summary="Refuse every token of a user (admins)",
    response_model=UserView,
)
def disable_user(email: str, runtime: RuntimeDep, token: TokenDep) -> dict[str, object]:
    with runtime.unit_of_work(token) as (session, actor):
        _admin(actor)
        user = service.get_by_email(session=session, email=email)
        service.disable_user(session=session, clock=runtime.clock, user=user)
        body = service.user_as_dict(user, clock=runtime.clock)
    runtime.token_gate.forget_all()
    return body


@router.post(
    "/admin/users/{email}/enable",
    summary="Accept a disabled user's tokens again",
    response_model=UserView,
)
def enable_user(email: str, runtime: RuntimeDep, token: TokenDep) -> dict[str, object]:
    with runtime.unit_of_work(token) as (session, actor):
        _admin(actor)
        user = service.get_by_email(session=session, email=email)
        service.enable_user(session=session, user=user)
        return service.user_as_dict(user, clock=runtime.clock)


@router.get(
    "/admin/tokens",
    summary="Tokens by id, never their secrets (admins)",
    response_model=TokenList,
)
def list_tokens(
    runtime: RuntimeDep,
    token: TokenDep,
    user: Annotated[str | None, Query(description="Only this user's tokens (email).")] = None,
    active: bool = False,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, actor):
        _admin(actor)
        holder = service.get_by_email(session=session, email=user) if user else None
        rows = service.list_tokens(
            session=session, user=holder, active_only=active, clock=runtime.clock
        )
        return {"tokens": [service.token_as_dict(t, clock=runtime.clock) for t in rows]}


@router.post(
    "/admin/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a token for a user; shown once, stored hashed (admins)",
    response_model=IssuedToken,
)
def create_token(body: TokenInput, runtime: RuntimeDep, token: TokenDep) -> dict[str, object]:
    with runtime.unit_of_work(token) as (session, actor):
        _admin(actor)
        user = service.get_by_email(session=session, email=body.email)
        expires_at = (
            service.expiry(body.expires, clock=runtime.clock) if body.expires is not None else None
        )
        row, secret = service.issue_token(
            session=session, clock=runtime.clock, user=user, label=body.label, expires_at=expires_at
        )
        return {**service.token_as_dict(row, clock=runtime.clock), "token": secret}


@router.post(
    "/admin/tokens/{token_id}/revoke",
    summary="Revoke a token at once (admins)",
    response_model=TokenView,
)
def revoke_token(token_id: str, runtime: RuntimeDep, token: TokenDep) -> dict[str, object]:
    with runtime.unit_of_work(token) as (session, actor):
        _admin(actor)
        row = service.revoke_token(session=session, clock=runtime.clock, token_id=token_id)
        body = service.token_as_dict(row, clock=runtime.clock)
    runtime.token_gate.forget_all()
    return body
