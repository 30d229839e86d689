"""The schema of the ``disclosed`` entry (re-exported by :mod:`covergate.lifecycle.events`).

See :mod:`covergate.lifecycle.sealing` for the publication rule and
:mod:`covergate.report.disclosure` for when a request is disclosed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from covergate.errors import InvalidInput
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
from covergate.vocabulary import Ground, ProcessType, RequestKind

__all__ = ["DisclosureEvent", "statute_class"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_USC = re.compile(r"\s*(\d{1,2})\s*U\.?\s*S\.?\s*C\.?", re.IGNORECASE)


def statute_class(statute: str | None) -> str:
    """The class of a request's statute: ``usc_title_18``, ``other_law`` or ``none``.

    >>> statute_class("18 U.S.C. 1341"), statute_class("Ill. Comp. Stat. 5/17"), statute_class("")
    ('usc_title_18', 'other_law', 'none')
    """
    if statute is None or not statute.strip():
        return "none"
    match = _USC.match(statute)
    return f"usc_title_{int(match.group(1))}" if match else "other_law"


@dataclass(frozen=True)
class DisclosureEvent:
    """The entry that opens a request: its details key and the public facts of its life.

    Written once, when the request is disclosed (``lifecycle.disclosure``). With
    ``details_key`` anyone opens the request's sealed entries; the other fields are
    the figures of the report that no single event says (days asked for and
    authorised, pieces recorded, refusals by reason ...).
    """

    event: EventType
    request_id: str
    day: date
    details_key: str
    agency: str
    level: str
    kind: RequestKind
    ground: Ground
    statute_class: str
    legal_process: ProcessType | None
    delegation: str | None
    emergency: str | None
    order_due: date | None
    outcome: str | None
    days_requested: int
    days_authorised: int | None
    extends: str | None
    pieces_recorded: int
    refused: tuple[tuple[str, int], ...]
    categories: str | None
    close_reason: str | None
    policy: str
    policy_version: str

    def __post_init__(self) -> None:
        if self.event is not EventType.DISCLOSED:
            raise InvalidInput("a disclosure is logged as disclosed", field="event")
        check_day("day", self.day)
        check_pattern("request_id", self.request_id, REQUEST_ID)
        check_pattern("details_key", self.details_key, _HEX64)
        check_pattern("agency", self.agency, AGENCY)
        check_type("kind", self.kind, RequestKind)
        check_type("ground", self.ground, Ground)
        if self.legal_process is not None:
            check_type("legal_process", self.legal_process, ProcessType)
        if self.order_due is not None:
            check_day("order_due", self.order_due)
        if self.extends is not None:
            check_pattern("extends", self.extends, REQUEST_ID)
        if self.categories is not None:
            check_pattern("categories", self.categories, _CATEGORIES)
        for name in ("level", "statute_class", "delegation", "emergency", "outcome"):
            value = getattr(self, name)
            if value is not None:
                check_pattern(name, value, SLUG)
        if self.close_reason is not None:
            check_pattern("close_reason", self.close_reason, SLUG)
        check_pattern("policy", self.policy, POLICY)
        check_pattern("policy_version", self.policy_version, POLICY_VERSION)
        counts = [
            ("days_requested", self.days_requested),
            ("pieces_recorded", self.pieces_recorded),
        ]
        counts += [(f"refused_{reason}", n) for reason, n in self.refused]
        if self.days_authorised is not None:
            counts.append(("days_authorised", self.days_authorised))
        for reason, _ in self.refused:
            check_pattern("refused", reason, SLUG)
        for name, value in counts:
            if type(value) is not int or not 0 <= value <= 10_000_000:
                raise InvalidInput(f"{name} must be an integer from 0 to 10,000,000", field=name)

    def public_fields(self) -> dict[str, PublicValue]:
        fields: dict[str, PublicValue] = {
            "event": self.event.value,
            "request": self.request_id,
            "date": self.day.isoformat(),
            "details_key": self.details_key,
            "agency": self.agency,
            "level": self.level,
            "kind": self.kind.value,
            "ground": self.ground.value,
            "statute_class": self.statute_class,
            "legal_process": None if self.legal_process is None else self.legal_process.value,
            "delegation": self.delegation,
            "emergency": self.emergency,
            "order_due": None if self.order_due is None else self.order_due.isoformat(),
            "outcome": self.outcome,
            "days_requested": self.days_requested,
            "days_authorised": self.days_authorised,
            "extends": self.extends,
            "pieces_recorded": self.pieces_recorded,
            "categories": self.categories,
            "close_reason": self.close_reason,
            "policy": self.policy,
            "policy_version": self.policy_version,
        }
        fields.update({f"refused_{reason}": n for reason, n in self.refused})
        return fields


_CATEGORIES = re.compile(r"[a-z_]{1,40}(,[a-z_]{1,40}){0,9}")
