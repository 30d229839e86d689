"""Observations (encrypted) and refused observations (counted, nothing kept)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from covergate.db import Base, UtcDateTime, value_enum
from covergate.lifecycle.states import RefusalReason
from covergate.vocabulary import DataCategory


class Observation(Base):
    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    category: Mapped[DataCategory] = mapped_column(value_enum(DataCategory))
    item_date: Mapped[date] = mapped_column(Date)
    data_ct: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RefusedObservation(Base):
    """A refused observation: only when, for which request and why; never its data."""

    __tablename__ = "refused_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    reason: Mapped[RefusalReason] = mapped_column(value_enum(RefusalReason, 40))
    refused_on: Mapped[date] = mapped_column(Date)
