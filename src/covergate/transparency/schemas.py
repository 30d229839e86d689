"""The public events the lifecycle code hands to the log.

A :class:`PublicEvent` holds the only facts about a request that may ever be
published: each field is a typed enum, a date, or a short string checked
against a narrow pattern, so that no subject name, address, statute text or
free-text fact can reach the log by accident. Everything else about the event
goes into the *private record*, of which only a salted commitment is published
(see :mod:`covergate.transparency.entries`).

>>> from datetime import date
>>> e = PublicEvent(EventType.SUBMITTED, "0" * 32, date(2026, 1, 5), "FBI",
...                 RequestKind.MAIL_COVER, Ground.CRIME, None, "safeguards-2026", None)
>>> e.event.value
'submitted'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from covergate.errors import InvalidInput
from covergate.requests.schemas import Ground, ProcessType, RequestKind

__all__ = ["EventType", "PublicEvent", "is_publishable_agency_name"]


class EventType(StrEnum):
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


# The random public id of a request: 128 bits, lowercase hex.
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# An agency's short name ("FBI", "Springfield PD", "U.S. Marshals Service").
# Letters, digits, spaces and a little punctuation; no newlines, no digits-only
# strings that could be a case number, nothing long enough to hold a narrative.
_AGENCY = re.compile(r"[A-Za-z][A-Za-z0-9 .,&'()/-]{0,79}")
# A policy name ("safeguards-2026") and version ("sha256:<hex>").
_POLICY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_POLICY_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]{0,99}")
# An enum value's string: outcome ("approved") and state ("active").
_SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class PublicEvent:
    """One lifecycle event, as it may be published.

    Raises InvalidInput on construction when a field has the wrong type or does
    not match its pattern.
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
        _check_type("event", self.event, EventType)
        _check_type("kind", self.kind, RequestKind)
        _check_type("ground", self.ground, Ground)
        if self.legal_process is not None:
            _check_type("legal_process", self.legal_process, ProcessType)
        # datetime is a date subclass; a time of day is more than the log may say.
        if type(self.day) is not date:
            raise InvalidInput("day must be a datetime.date (day precision)", field="day")
        _check_pattern("request_id", self.request_id, _REQUEST_ID)
        _check_pattern("agency", self.agency, _AGENCY)
        if self.agency != self.agency.strip() or "  " in self.agency:
            raise InvalidInput("agency has stray spaces", field="agency")
        for name, pattern in (
            ("policy", _POLICY),
            ("policy_version", _POLICY_VERSION),
            ("outcome", _SLUG),
            ("state", _SLUG),
        ):
            value = getattr(self, name)
            if value is not None:
                _check_pattern(name, value, pattern)

    def public_fields(self) -> dict[str, str | None]:
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


def _check_type(name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise InvalidInput(f"{name} must be a {kind.__name__}", field=name)


def _check_pattern(name: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"{name} is not an allowed value for the public log", field=name)


def is_publishable_agency_name(name: str) -> bool:
    """Whether ``name`` can appear as an entry's agency (checked when an agency registers)."""
    return _AGENCY.fullmatch(name) is not None
