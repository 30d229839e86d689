"""Courts, and the court orders agencies file with their requests.

A court is registered by an admin (``covergate court add NAME``); its users (role
``court``) are the clerks and judges who confirm or refuse the orders that name it.
A :class:`CourtOrder` is the order a request relies on (``legal_process`` of type
``court_order`` or ``search_warrant``): filed by the agency with the request, and,
under a policy whose ``authority.court_confirmation`` is required, confirmed or
refused by a user of that court before anyone may approve the request.

An order may be sealed until a day the court sets. While sealed the public log
carries only a salted commitment to its identifying data (court, docket, judge,
dates): ``seal_salt`` is that salt, kept encrypted until the unsealing entry
publishes it so that anyone can check the commitment.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from covergate.db import Base, UtcDateTime, value_enum
from covergate.lifecycle.states import OrderState
from covergate.vocabulary import ProcessStandard, ProcessType


class Court(Base):
    __tablename__ = "courts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CourtOrder(Base):
    __tablename__ = "court_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"), index=True)
    process_type: Mapped[ProcessType] = mapped_column(value_enum(ProcessType))
    standard: Mapped[ProcessStandard] = mapped_column(value_enum(ProcessStandard))
    docket: Mapped[str] = mapped_column(String(100))
    judge: Mapped[str] = mapped_column(String(200))
    issued: Mapped[date] = mapped_column(Date)
    expires: Mapped[date | None] = mapped_column(Date)
    # The order document, when the agency uploads it: its SHA-256, and the file
    # itself encrypted under the request's data key (destroyed with the request's data).
    document_sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    document_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    state: Mapped[OrderState] = mapped_column(value_enum(OrderState, 20), index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    reasons_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # a refusal's reasons

    sealed_until: Mapped[date | None] = mapped_column(Date, index=True)
    seal_salt_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    unsealed_on: Mapped[date | None] = mapped_column(Date)

    court: Mapped[Court] = relationship(lazy="joined")
