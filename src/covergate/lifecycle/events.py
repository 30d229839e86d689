"""The lifecycle's event vocabulary and the public schema of each event kind.

Every event the program logs has a kind (:class:`EventType`) and a schema: the
typed record whose fields are all that the public log may say about it.

- :class:`PublicEvent` is the schema of the events of one request (submitted,
  decided, closed, ...): the request's random id, its agency, kind, ground, legal
  process, policy and the outcome or state. Its entries are byte for byte what
  earlier versions wrote, so old logs and their recounts stay valid.
- :class:`ProgramEvent` is the schema of events about the program rather than one
  request (a destruction run, notices found overdue): a day, a count and the
  policy in force.

:data:`SCHEMAS` says which schema each kind has, and each schema refuses a kind
that is not its own, so an event cannot be logged under the wrong shape. Both
build on the checks of :mod:`covergate.transparency.schemas`.

>>> from datetime import date
>>> from covergate.document import Ground, RequestKind
>>> e = PublicEvent(EventType.SUBMITTED, "0" * 32, date(2026, 1, 5), "FBI",
...                 RequestKind.MAIL_COVER, Ground.CRIME, None, "safeguards-2026", None)
>>> e.public_fields()["event"]
'submitted'
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

from covergate.errors import InvalidInput
from covergate.lifecycle.disclosed import DisclosureEvent
from covergate.lifecycle.event_types import EventType
from covergate.transparency.schemas import (
    AGENCY,
    POLICY,
    POLICY_VERSION,
    REQUEST_ID,
    SLUG,
    PublicValue,
    check_day,
    check_pattern,
    check_type,
)
from covergate.vocabulary import Ground, ProcessStandard, ProcessType, RequestKind

__all__ = [
    "COURT_NAME",
    "DOCKET",
    "JUDGE",
    "ORDER_EVENTS",
    "REQUEST_EVENTS",
    "SCHEMAS",
    "DisclosureEvent",
    "EventType",
    "OrderEvent",
    "OrderIdentity",
    "ProgramEvent",
    "PublicEvent",
    "order_commitment",
]


@dataclass(frozen=True)
class PublicEvent:
    """One event of one request, as it may be published.

    Raises InvalidInput on construction when a field has the wrong type or does
    not match its pattern, or when the kind is not an event of a request.
    """

    event: EventType
    request_id: str
    day: date
    agency: str
    kind: RequestKind
    ground: Ground
    legal_process: ProcessType | None
    policy: str | None
    policy_version: str | None
    outcome: str | None = None
    state: str | None = None

    def __post_init__(self) -> None:
        _check_kind(self.event, PublicEvent)
        check_type("kind", self.kind, RequestKind)
        check_type("ground", self.ground, Ground)
        if self.legal_process is not None:
            check_type("legal_process", self.legal_process, ProcessType)
        check_day("day", self.day)
        check_pattern("request_id", self.request_id, REQUEST_ID)
        check_pattern("agency", self.agency, AGENCY)
        if self.agency != self.agency.strip() or "  " in self.agency:
            raise InvalidInput("agency has stray spaces", field="agency")
        for name, pattern in (
            ("policy", POLICY),
            ("policy_version", POLICY_VERSION),
            ("outcome", SLUG),
            ("state", SLUG),
        ):
            value = getattr(self, name)
            if value is not None:
                check_pattern(name, value, pattern)

    def public_fields(self) -> dict[str, PublicValue]:
        """The event's fields as the log entry writes them (without the commitment)."""
        return {
            "event": self.event.value,
            "request": self.request_id,
            "date": self.day.isoformat(),
            "agency": self.agency,
            "kind": self.kind.value,
            "ground": self.ground.value,
            "legal_process": None if self.legal_process is None else self.legal_process.value,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "outcome": self.outcome,
            "state": self.state,
        }


@dataclass(frozen=True)
class ProgramEvent:
    """An event of the program as a whole: a day, how many, under which policy.

    ``count`` is how many things the event concerns (records destroyed, notices
    overdue); it never names them: the private record does, under commitment.
    """

    event: EventType
    day: date
    count: int
    policy: str
    policy_version: str

    def __post_init__(self) -> None:
        _check_kind(self.event, ProgramEvent)
        check_day("day", self.day)
        if type(self.count) is not int or not 0 <= self.count <= 10_000_000:
            raise InvalidInput("count must be an integer from 0 to 10,000,000", field="count")
        check_pattern("policy", self.policy, POLICY)
        check_pattern("policy_version", self.policy_version, POLICY_VERSION)

    def public_fields(self) -> dict[str, PublicValue]:
        return {
            "event": self.event.value,
            "date": self.day.isoformat(),
            "count": self.count,
            "policy": self.policy,
            "policy_version": self.policy_version,
        }


#: What the public log accepts as a court's name, a docket number and a judge's name
#: (the court registry, the order filing and delay orders check the same patterns).
COURT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 .,&'()/-]{0,99}")
DOCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9 :./()#-]{0,63}")
JUDGE = re.compile(r"[A-Za-z][A-Za-z .,'-]{0,99}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
ORDER_COMMITMENT_TAG = b"covergate/order/v1\n"


@dataclass(frozen=True)
class OrderIdentity:
    """What identifies a court order: published at once, or committed to while sealed."""

    court: str
    docket: str
    judge: str
    issued: date
    expires: date | None

    def __post_init__(self) -> None:
        check_pattern("court", self.court, COURT_NAME)
        check_pattern("docket", self.docket, DOCKET)
        check_pattern("judge", self.judge, JUDGE)
        check_day("issued", self.issued)
        if self.expires is not None:
            check_day("expires", self.expires)

    def canonical(self) -> bytes:
        """The identity as canonical JSON (sorted keys, no spaces): what is committed to."""
        fields = {
            "court": self.court,
            "docket": self.docket,
            "judge": self.judge,
            "issued": self.issued.isoformat(),
            "expires": None if self.expires is None else self.expires.isoformat(),
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def order_commitment(salt: bytes, identity: OrderIdentity) -> str:
    """Hex SHA-256(tag || 32-byte salt || canonical identity): the sealed order's stand-in."""
    if len(salt) != 32:
        raise InvalidInput("an order's commitment salt is 32 bytes", field="order_salt")
    return hashlib.sha256(ORDER_COMMITMENT_TAG + salt + identity.canonical()).hexdigest()


@dataclass(frozen=True)
class OrderEvent:
    """An event of a request's court order.

    ``order_commitment`` is in every one, the same for the order's whole life. An
    event that *opens* it (an unsealed order confirmed or refused, or the
    unsealing) also carries ``identity`` and ``order_salt``, and the schema checks
    that they match; one that does not open it carries neither (a sealed order:
    ``sealed_until`` says until when).
    """

    event: EventType
    request_id: str
    day: date
    agency: str
    order_commitment: str
    standard: ProcessStandard
    identity: OrderIdentity | None = None
    order_salt: bytes | None = None
    sealed_until: date | None = None
    document_sha256: str | None = None
    outcome: str | None = None

    def __post_init__(self) -> None:
        _check_kind(self.event, OrderEvent)
        check_day("day", self.day)
        check_pattern("request_id", self.request_id, REQUEST_ID)
        check_pattern("agency", self.agency, AGENCY)
        check_pattern("order_commitment", self.order_commitment, _HEX64)
        check_type("standard", self.standard, ProcessStandard)
        if self.sealed_until is not None:
            check_day("sealed_until", self.sealed_until)
        if self.document_sha256 is not None:
            check_pattern("document_sha256", self.document_sha256, _HEX64)
        if self.outcome is not None:
            check_pattern("outcome", self.outcome, SLUG)
        if (self.identity is None) != (self.order_salt is None):
            raise InvalidInput("an order is opened with both its identity and its salt")
        if (
            self.identity is not None
            and self.order_salt is not None
            and order_commitment(self.order_salt, self.identity) != self.order_commitment
        ):
            raise InvalidInput(
                "the order's identity and salt do not open its commitment",
                field="order_commitment",
            )

    @property
    def opens(self) -> bool:
        return self.identity is not None

    def public_fields(self) -> dict[str, PublicValue]:
        identity = self.identity
        return {
            "event": self.event.value,
            "request": self.request_id,
            "date": self.day.isoformat(),
            "agency": self.agency,
            "standard": self.standard.value,
            "order_commitment": self.order_commitment,
            "sealed_until": None if self.sealed_until is None else self.sealed_until.isoformat(),
            "court": identity.court if identity else None,
            "docket": identity.docket if identity else None,
            "judge": identity.judge if identity else None,
            "issued": identity.issued.isoformat() if identity else None,
            "expires": (identity.expires.isoformat() if identity and identity.expires else None),
            "order_salt": self.order_salt.hex() if self.order_salt is not None else None,
            "document_sha256": self.document_sha256,
            "outcome": self.outcome,
        }


_PROGRAM_KINDS = frozenset({EventType.DESTRUCTION_RUN, EventType.NOTICES_OVERDUE})
#: The kinds whose schema is :class:`OrderEvent` (a request's court order).
ORDER_EVENTS = frozenset(
    {
        EventType.ORDER_FILED,
        EventType.ORDER_CONFIRMED,
        EventType.ORDER_REFUSED,
        EventType.ORDER_UNSEALED,
    }
)
#: The kinds whose schema is :class:`PublicEvent` (events of one request).
REQUEST_EVENTS = frozenset(EventType) - _PROGRAM_KINDS - ORDER_EVENTS - {EventType.DISCLOSED}

#: The schema of every event kind.
SCHEMAS: dict[
    EventType, type[PublicEvent] | type[ProgramEvent] | type[OrderEvent] | type[DisclosureEvent]
] = {
    kind: (
        DisclosureEvent
        if kind is EventType.DISCLOSED
        else ProgramEvent
        if kind in _PROGRAM_KINDS
        else OrderEvent
        if kind in ORDER_EVENTS
        else PublicEvent
    )
    for kind in EventType
}


def _check_kind(event: object, schema: type) -> None:
    check_type("event", event, EventType)
    expected = SCHEMAS[event]  # type: ignore[index]  # checked just above
    if expected is not schema:
        raise InvalidInput(
            f"event {event.value} is logged as a {expected.__name__}, "  # type: ignore[attr-defined]
            f"not a {schema.__name__}",
            field="event",
        )
