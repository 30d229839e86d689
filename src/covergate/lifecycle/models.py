"""The case file every lifecycle step works on: the request, its history, its reads.

Subject data (name, address, attorneys), the facts statement and other free text
that could identify a subject are kept only in ``private_ct`` (AES-GCM, see
``covergate.crypto``); reviewer notes likewise in ``review_note_ct`` (``requests.notes``).
``public_document`` is the redacted request document the policy engine and
statistics work from.

``RequestEvent`` is one line of a request's history and names its log entry;
``AccessRecord`` is one read of subject data (append-only: nothing updates or
deletes them).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from covergate.agencies.models import Agency
from covergate.context import Via
from covergate.db import Base, UtcDateTime, value_enum
from covergate.lifecycle.events import EventType
from covergate.lifecycle.states import CloseReason, DestructionReason, RequestState
from covergate.users.models import User
from covergate.vocabulary import Ground, ProcessType, RequestKind


class AccessKind(StrEnum):
    SUBJECT = "subject"  # the subject's name, address, attorneys and the facts
    OBSERVATIONS = "observations"  # recorded mail exteriors or records items
    PRODUCTION = "production"  # the package produced for the agency
    NOTES = "notes"  # reviewer notes and decision reasons (they often name the subject)


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (UniqueConstraint("agency_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[RequestKind] = mapped_column(value_enum(RequestKind))
    state: Mapped[RequestState] = mapped_column(value_enum(RequestState), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    ground: Mapped[Ground] = mapped_column(value_enum(Ground))
    legal_process: Mapped[ProcessType | None] = mapped_column(value_enum(ProcessType))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    start: Mapped[date] = mapped_column(Date)
    days_requested: Mapped[int] = mapped_column(Integer)
    public_document: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_ct: Mapped[bytes] = mapped_column(LargeBinary)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))

    policy_name: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(80))
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
    admissible: Mapped[bool] = mapped_column(Boolean)

    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)  # legacy, sealed on open
    review_note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    authorised_days: Mapped[int | None] = mapped_column(Integer)
    authorised_categories: Mapped[list[str] | None] = mapped_column(JSON)
    ordered_on: Mapped[date | None] = mapped_column(Date)  # the day it was approved
    active_from: Mapped[date | None] = mapped_column(Date)
    active_until: Mapped[date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[CloseReason | None] = mapped_column(value_enum(CloseReason))
    refused_observations: Mapped[int] = mapped_column(Integer, default=0)

    # The court the request's order names (courts see only these); see courts/.
    court_id: Mapped[int | None] = mapped_column(ForeignKey("courts.id"), index=True)
    # An emergency start: the day by which a confirmed order must exist (else it ends
    # and its data is destroyed); None when no order is owed.
    order_due: Mapped[date | None] = mapped_column(Date, index=True)
    # The request's own data key, wrapped under the field key (lifecycle.keys):
    # destroying it destroys every ciphertext of the request. None on rows written
    # before per-request keys (their data is under the field key until upgraded).
    data_key_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    retain_until: Mapped[date | None] = mapped_column(Date, index=True)
    destroyed_on: Mapped[date | None] = mapped_column(Date)
    destruction_reason: Mapped[DestructionReason | None] = mapped_column(
        value_enum(DestructionReason)
    )
    # Observations deleted with the request's data: counted, so the public
    # statistics of what was recorded do not shrink when data is destroyed.
    observations_destroyed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The publication rule (lifecycle.sealing): the key the request's sealed log
    # entries are encrypted under, published on ``disclosed_on``. Not secret from
    # the database, which holds the details themselves; None before the first
    # sealed entry (rows from before sealing).
    details_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    disclosed_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The day the sweep last found the request due to be disclosed on (a request that
    # owes no notice: its end plus the hold), so that it is not weighed every day.
    disclosure_due: Mapped[date | None] = mapped_column(Date)

    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    agency: Mapped[Agency] = relationship(lazy="joined")
    submitter: Mapped[User] = relationship(foreign_keys=[submitter_id], lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    parent: Mapped[Request | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RequestEvent(Base):
    """One line of a request's history; ``entry_index`` is its transparency-log entry."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    event: Mapped[EventType] = mapped_column(value_enum(EventType))
    state: Mapped[RequestState] = mapped_column(value_enum(RequestState))
    day: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entry_index: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccessRecord(Base):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    what: Mapped[AccessKind] = mapped_column(value_enum(AccessKind, 20))
    reason: Mapped[str] = mapped_column(Text)
    via: Mapped[Via] = mapped_column(value_enum(Via, 10))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
