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

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from covergate.document import Ground, ProcessType, RequestKind
from covergate.errors import InvalidInput
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

__all__ = ["REQUEST_EVENTS", "SCHEMAS", "EventType", "ProgramEvent", "PublicEvent"]


class EventType(StrEnum):
    # events of one request
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    DECIDED = "decided"
    STARTED = "started"
    EXTENDED = "extended"
    EXPIRED = "expired"
    CLOSED = "closed"
    PRODUCED = "produced"
    ACKNOWLEDGED = "acknowledged"
    RECORDS_DISCLOSED = "records_disclosed"
    NOTICE_SERVED = "notice_served"
    NOTICE_DELAYED = "notice_delayed"
    DATA_DESTROYED = "data_destroyed"
    # events of the program, about no one request
    DESTRUCTION_RUN = "destruction_run"
    NOTICES_OVERDUE = "notices_overdue"


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


_PROGRAM_KINDS = frozenset({EventType.DESTRUCTION_RUN, EventType.NOTICES_OVERDUE})
#: The kinds whose schema is :class:`PublicEvent` (events of one request).
REQUEST_EVENTS = frozenset(EventType) - _PROGRAM_KINDS

#: The schema of every event kind.
SCHEMAS: dict[EventType, type[PublicEvent] | type[ProgramEvent]] = {
    kind: ProgramEvent if kind in _PROGRAM_KINDS else PublicEvent for kind in EventType
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
