"""Agency rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from covergate.db import Base, UtcDateTime, value_enum
from covergate.vocabulary import Jurisdiction


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    jurisdiction: Mapped[Jurisdiction] = mapped_column(value_enum(Jurisdiction, 20))
    # AgencyFunction values; the functions the agency is registered to perform.
    functions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
