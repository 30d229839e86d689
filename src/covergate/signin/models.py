"""Credentials and browser sessions of staff, and the record of every sign-in.

Secrets are never stored: passwords as argon2id hashes, session tokens and link
tokens as SHA-256 digests. A passkey keeps only its public key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from covergate.db import Base, UtcDateTime, value_enum
from covergate.signin.schemas import SessionStage, SignInMethod, SignInOutcome
from covergate.users.models import User


class Password(Base):
    """A user's password, as an argon2id hash (one per user)."""

    __tablename__ = "passwords"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Passkey(Base):
    """A WebAuthn credential (passkey or security key) enrolled by a user."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SignInLink(Base):
    """A one-time sign-in link: usable once, within LINK_LIFETIME."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class WebSession(Base):
    """A browser's session: the cookie holds a random token, this row its digest."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))  # the token every form carries back
    stage: Mapped[SessionStage] = mapped_column(value_enum(SessionStage, 20))
    method: Mapped[SignInMethod] = mapped_column(value_enum(SignInMethod, 20))
    passkey_verified: Mapped[bool]
    challenge: Mapped[bytes | None] = mapped_column(LargeBinary(64))  # WebAuthn, pending
    flash: Mapped[str | None] = mapped_column(String(300))  # shown once on the next page
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SignInEvent(Base):
    """One sign-in attempt, success or failure, or a sign-out: for auditors.

    ``email`` is what was typed (staff addresses, never subject data); ``user_id``
    is set when it named an account. ``address`` is the client's IP address.
    """

    __tablename__ = "sign_in_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(String(300))
    method: Mapped[SignInMethod] = mapped_column(value_enum(SignInMethod, 20))
    outcome: Mapped[SignInOutcome] = mapped_column(value_enum(SignInOutcome, 20))
    address: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(String(300))
