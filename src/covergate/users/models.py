"""Users and API tokens (stored as SHA-256 digests, never in clear)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from covergate.agencies.models import Agency
from covergate.courts.models import Court
from covergate.db import Base, UtcDateTime, value_enum
from covergate.users.schemas import Delegation, Role


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(value_enum(Role, 20))
    delegation: Mapped[Delegation | None] = mapped_column(value_enum(Delegation, 40))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    court_id: Mapped[int | None] = mapped_column(ForeignKey("courts.id"))  # role court only
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    # Loaded when read (no query for a user without a court): only shown, never joined.
    court: Mapped[Court | None] = relationship(lazy="select")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: never expires

    user: Mapped[User] = relationship(lazy="joined")
