"""Access log rows. Append-only: nothing in covergate updates or deletes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from covergate.audit.schemas import AccessKind
from covergate.context import Via
from covergate.db import Base, value_enum


class AccessRecord(Base):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    what: Mapped[AccessKind] = mapped_column(value_enum(AccessKind, 20))
    reason: Mapped[str] = mapped_column(Text)
    via: Mapped[Via] = mapped_column(value_enum(Via, 10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
