"""What the users routes answer: who a token's holder is, users and tokens (admins).

Kept apart from ``users.schemas`` (imported by every CLI start-up): these models are
built only when the API is.
"""

from __future__ import annotations

from pydantic import Field

from covergate.api_deps import ResponseModel, Timestamp
from covergate.users.schemas import Delegation, Role, TokenStatus

__all__ = ["IssuedToken", "Me", "TokenList", "TokenView", "UserList", "UserView"]


class Me(ResponseModel):
    """The authenticated user: role, and the agency, court or delegation it holds."""

    email: str
    name: str
    role: Role
    delegation: Delegation | None
    agency: str | None
    court: str | None


class UserView(ResponseModel):
    """A user as admins see it; ``tokens`` counts those neither revoked nor expired."""

    email: str
    name: str
    role: Role
    delegation: Delegation | None
    agency: str | None
    court: str | None
    created: Timestamp | None
    disabled: Timestamp | None = Field(description="When the user was disabled; null: enabled.")
    tokens: int | None


class UserList(ResponseModel):
    users: list[UserView]


class TokenView(ResponseModel):
    """A token by its id: never its secret or any part of it."""

    id: str = Field(examples=["3f9a1c0b2d4e"])
    user: str
    label: str
    created: Timestamp | None
    expires: Timestamp | None
    revoked: Timestamp | None
    status: TokenStatus


class TokenList(ResponseModel):
    tokens: list[TokenView]


class IssuedToken(TokenView):
    """A new token: ``token`` is its secret, shown this once (only its digest is kept)."""

    token: str = Field(examples=["cg_..."])
