"""What a compliance audit reports: classes of findings, each with its rule and citation.

The classes are those the USPS Inspector General's audits found (HR-AR-14-001:
covers approved without written authority, run past their period, data kept or read
without cause), and those the safeguards add (orders confirmed by a court, notice,
unsealing, retention, a public log that matches the records). Every class is always
listed, with ``count`` 0 when nothing was found, so a clean report says so class by
class.

A finding names a request by its random public id and gives dates and log indexes
only: never subject data (names, addresses, facts, free text). Reading the report
therefore reads no subject data and writes no access record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from covergate.policy import Policy

__all__ = [
    "CLASSES",
    "ClassResult",
    "ComplianceReport",
    "Finding",
    "FindingClass",
    "Findings",
]


class FindingClass(StrEnum):
    APPROVAL_WITHOUT_DELEGATION = "approval_without_delegation"
    COVER_PAST_WINDOW = "cover_past_window"
    OBSERVATION_OUTSIDE_WINDOW = "observation_outside_window"
    OBSERVATION_WRONG_ADDRESS = "observation_wrong_address"
    ORDER_NOT_CONFIRMED_IN_TIME = "order_not_confirmed_in_time"
    NOTICE_OVERDUE = "notice_overdue"
    UNSEALING_OVERDUE = "unsealing_overdue"
    RETENTION_OVERDUE = "retention_overdue"
    READ_WITHOUT_REASON = "read_without_reason"
    LOG_ENTRY_MISSING_OR_DIFFERS = "log_entry_missing_or_differs"


@dataclass(frozen=True)
class ClassSpec:
    """A class's title, the rule it enforces and where the rule's citation comes from."""

    title: str
    rule: str
    citation: Callable[[Policy], str]


#: Every class, in the order reports list them. Citations come from the policy in
#: force where it has the entry (``authority.<entry>.citation``), else from LAW.md.
CLASSES: dict[FindingClass, ClassSpec] = {
    FindingClass.APPROVAL_WITHOUT_DELEGATION: ClassSpec(
        "Approved without written authority",
        "Every approval is by an approver, never the submitter or reviewer, holding a "
        "written delegation the policy allows for that request",
        lambda p: p.authority.order.citation,
    ),
    FindingClass.COVER_PAST_WINDOW: ClassSpec(
        "Cover ran past its authorised period",
        "A cover ends the day after its last authorised day, and never runs longer than "
        "the days authorised or the policy's most days",
        lambda p: f"39 CFR 233.3(g)(5)-(7); {p.authority.continuous.citation}",
    ),
    FindingClass.OBSERVATION_OUTSIDE_WINDOW: ClassSpec(
        "Observation outside the order",
        "Nothing is recorded before the order, outside the authorised window or in a "
        "category not authorised",
        lambda p: "39 CFR 233.3(d), (g)",
    ),
    FindingClass.OBSERVATION_WRONG_ADDRESS: ClassSpec(
        "Observation of mail not for the covered address",
        "A mail cover records only mail addressed to the covered address",
        lambda p: "39 CFR 233.3(c)(1)",
    ),
    FindingClass.ORDER_NOT_CONFIRMED_IN_TIME: ClassSpec(
        "Court order not confirmed in time",
        "An approval needs its court order confirmed first; an emergency cover's order "
        "follows within the policy's days, else the cover ends and its data is destroyed",
        lambda p: (
            f"{p.authority.court_confirmation.citation}; {p.authority.emergency_order.citation}"
        ),
    ),
    FindingClass.NOTICE_OVERDUE: ClassSpec(
        "Notice to the subject overdue",
        "The subject is notified within the policy's days after the cover ends, unless "
        "a court's delay order is in force",
        lambda p: p.authority.notice.citation,
    ),
    FindingClass.UNSEALING_OVERDUE: ClassSpec(
        "Sealed order past its seal",
        "A sealed order is unsealed (its identity published) when the seal the court set ends",
        lambda p: f"{p.authority.court_confirmation.citation}; the court's sealing order",
    ),
    FindingClass.RETENTION_OVERDUE: ClassSpec(
        "Data kept past its time",
        "Records are destroyed when the retention period ends; data of an improperly "
        "ordered cover, or of an emergency without a timely order, at once",
        lambda p: p.authority.retention.citation,
    ),
    FindingClass.READ_WITHOUT_REASON: ClassSpec(
        "Subject data read without cause",
        "Every read of subject data states a reason, by a role that may read it",
        lambda p: "39 CFR 266.3(d); 39 CFR 233.3(h)",
    ),
    FindingClass.LOG_ENTRY_MISSING_OR_DIFFERS: ClassSpec(
        "Public log does not match the records",
        "Every step of every request has its public log entry, naming the same request, "
        "event, day and state, whose commitment opens to the stored record",
        lambda p: "safeguards-2026, public statistics (published and verifiable)",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One thing wrong: which request (public id), what, and the dates that show it."""

    request: str | None
    message: str
    dates: tuple[tuple[str, date], ...] = ()
    entry: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "message": self.message,
            "dates": {name: day.isoformat() for name, day in self.dates},
            "entry": self.entry,
        }


@dataclass(frozen=True)
class ClassResult:
    id: FindingClass
    title: str
    rule: str
    citation: str
    findings: tuple[Finding, ...]

    @property
    def count(self) -> int:
        return len(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id.value,
            "title": self.title,
            "rule": self.rule,
            "citation": self.citation,
            "count": self.count,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class ComplianceReport:
    checked_on: date
    policy: str
    policy_version: str
    classes: tuple[ClassResult, ...]
    log_entries_checked: int = 0

    @property
    def clean(self) -> bool:
        return all(c.count == 0 for c in self.classes)

    def count(self, cls: FindingClass) -> int:
        return self[cls].count

    def __getitem__(self, cls: FindingClass) -> ClassResult:
        for result in self.classes:
            if result.id is cls:
                return result
        raise KeyError(cls)

    def counts(self) -> dict[str, int]:
        return {c.id.value: c.count for c in self.classes}

    def to_json(self) -> dict[str, Any]:
        return {
            "checked_on": self.checked_on.isoformat(),
            "policy": self.policy,
            "policy_version": self.policy_version,
            "clean": self.clean,
            "log_entries_checked": self.log_entries_checked,
            "classes": [c.to_json() for c in self.classes],
        }


@dataclass
class Findings:
    """The findings gathered so far, by class."""

    by_class: dict[FindingClass, list[Finding]] = field(
        default_factory=lambda: {cls: [] for cls in FindingClass}
    )

    def add(
        self,
        cls: FindingClass,
        request: str | None,
        message: str,
        *,
        entry: int | None = None,
        **dates: date | None,
    ) -> None:
        """Record one finding; dates given as None are left out."""
        kept = tuple((name, day) for name, day in dates.items() if day is not None)
        self.by_class[cls].append(Finding(request, message, kept, entry))

    def report(
        self, *, checked_on: date, policy: Policy, log_entries_checked: int = 0
    ) -> ComplianceReport:
        return ComplianceReport(
            checked_on=checked_on,
            policy=policy.name,
            policy_version=policy.version,
            classes=tuple(_result(cls, policy, self.by_class[cls]) for cls in CLASSES),
            log_entries_checked=log_entries_checked,
        )


def _result(cls: FindingClass, policy: Policy, found: Iterable[Finding]) -> ClassResult:
    spec = CLASSES[cls]
    ordered = sorted(found, key=lambda f: (f.request or "", f.entry or -1, f.message))
    return ClassResult(cls, spec.title, spec.rule, spec.citation(policy), tuple(ordered))
