"""An approver's decisions on a request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from covergate.db import Base, UtcDateTime, value_enum
from covergate.lifecycle.states import DecisionOutcome
from covergate.users.models import User
from covergate.users.schemas import Delegation


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(value_enum(DecisionOutcome, 20))
    days: Mapped[int | None] = mapped_column(Integer)
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    reasons: Mapped[str | None] = mapped_column(Text)  # legacy, sealed on open
    justifications: Mapped[dict[str, str]] = mapped_column(JSON)  # legacy, sealed on open
    # reasons and justifications, sealed (requests.notes): they often name the subject
    notes_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    delegation: Mapped[Delegation] = mapped_column(value_enum(Delegation))
    policy_version: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)

    approver: Mapped[User] = relationship(lazy="joined")
