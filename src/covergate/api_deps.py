"""FastAPI dependencies: the runtime, the service context, the checked token.

Handlers own their transaction through ``runtime.unit_of_work(token)``
(:meth:`covergate.runtime.Runtime.unit_of_work`): it commits the request's state
change together with its log entries, then, if the log grew, integrates it (tiles
and a new signed checkpoint) in a second transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import BaseModel, Field

from covergate.context import ServiceContext, Via
from covergate.runtime import Runtime
from covergate.users.service import authenticate


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_context(runtime: RuntimeDep) -> ServiceContext:
    return runtime.context(Via.API)


ContextDep = Annotated[ServiceContext, Depends(get_context)]


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticated_token(
    runtime: RuntimeDep, token: Annotated[str | None, Depends(bearer_token)]
) -> str:
    """Check the bearer token before anything else about the request.

    FastAPI solves dependencies before it validates the body, so a caller
    without a valid token gets 401, never a description of the request schema.
    The handler's unit of work authenticates again inside its transaction.
    """
    with runtime.transaction() as session:
        authenticate(session=session, token=token)
    return token or ""


TokenDep = Annotated[str, Depends(authenticated_token)]


class Problem(BaseModel):
    """An RFC 9457 problem detail, as every error of this API is returned."""

    type: str = Field(examples=["https://covergate.example/problems/rule-violation"])
    title: str = Field(examples=["Rule violation"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["days: an approval can narrow but never widen: 40 > 30"])
    field: str | None = Field(default=None, examples=["days"])


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


#: Error responses every authenticated API route can give (documented at /docs).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("No token, or a token that matches no active user."),
    403: _problem("Your role or delegation does not allow this."),
    404: _problem("No such request, or one you may not see (another agency's)."),
    409: _problem("Invalid state transition, idempotency conflict, or concurrent change."),
    422: _problem("Invalid input (names the field) or a rule the software enforces."),
}
