"""The notice owed to a subject, and the court orders that delay it.

A :class:`Notice` exists for every request whose policy requires notice
(``authority.notice``), from the day its cover ends or its records are produced:
``due_on`` is that day plus the policy's days, moved by each delay order. A
:class:`DelayOrder` is issued by a user of the court (at most
``authority.notice_delay`` days each; a renewal is a new order); when it ends the
clock re-arms. ``overdue_logged_for`` is the due day whose lapse has already been
published, so an overdue notice becomes one public event, not one per sweep.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from covergate.db import Base, UtcDateTime, value_enum
from covergate.lifecycle.states import NoticeState


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    state: Mapped[NoticeState] = mapped_column(value_enum(NoticeState, 20), index=True)
    owed_from: Mapped[date] = mapped_column(Date)  # the cover ended / records produced
    due_on: Mapped[date] = mapped_column(Date, index=True)
    delayed_until: Mapped[date | None] = mapped_column(Date)
    overdue_logged_for: Mapped[date | None] = mapped_column(Date)
    mailed_on: Mapped[date | None] = mapped_column(Date)
    tracking_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # tracking number, sealed
    mailed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    letter_sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The addressee (name and covered address), kept under the field key when the
    # request's data is destroyed before the notice is mailed, so that the subject
    # can still be told; cleared once the notice is mailed (notices.service).
    addressee_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DelayOrder(Base):
    __tablename__ = "delay_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    docket: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)
    delays_until: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    reasons_ct: Mapped[bytes] = mapped_column(LargeBinary)
    entry_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
