"""What one policy check returns: findings with citations, obligations, a day limit.

The JSON form is the ``policy check`` contract of ARCHITECTURE.md (stable: fields
may be added, never renamed)::

    {"policy": "usps-2017", "policy_version": "sha256:...", "admissible": true,
     "findings": [{"rule": "crime-felony", "outcome": "pass",
                   "citation": "39 CFR 233.3(c)(6)", "message": "..."}],
     "obligations": [{"what": "...", "due": "2026-01-08", "citation": "..."}],
     "max_days": 30}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from covergate.errors import InvalidInput

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = ["Evaluation", "Finding", "Obligation", "Outcome"]


class Outcome(StrEnum):
    """``review`` means a person's judgement is needed; it does not block by itself."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    outcome: Outcome
    citation: str
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "citation": self.citation,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something that must happen by ``due`` (computed from the document's own dates)."""

    what: str
    due: date
    citation: str

    def to_json(self) -> dict[str, object]:
        return {"what": self.what, "due": self.due.isoformat(), "citation": self.citation}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of evaluating one request document under one policy version."""

    policy: str
    policy_version: str
    admissible: bool
    findings: tuple[Finding, ...]
    obligations: tuple[Obligation, ...]
    max_days: int | None

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome is Outcome.FAIL)

    @property
    def to_review(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome is Outcome.REVIEW)

    def to_json(self) -> dict[str, object]:
        """Exactly the ARCHITECTURE.md ``policy check --json`` object."""
        return {
            "policy": self.policy,
            "policy_version": self.policy_version,
            "admissible": self.admissible,
            "findings": [f.to_json() for f in self.findings],
            "obligations": [o.to_json() for o in self.obligations],
            "max_days": self.max_days,
        }

    @classmethod
    def from_json(cls, data: object) -> Evaluation:
        """Read a stored evaluation back; InvalidInput naming the bad field."""
        obj = _object(data, "evaluation")
        findings = tuple(
            Finding(
                rule=_str(f, "rule", f"findings[{i}]"),
                outcome=_outcome(f, f"findings[{i}]"),
                citation=_str(f, "citation", f"findings[{i}]"),
                message=_str(f, "message", f"findings[{i}]"),
            )
            for i, f in enumerate(_objects(obj, "findings"))
        )
        obligations = tuple(
            Obligation(
                what=_str(o, "what", f"obligations[{i}]"),
                due=_date(o, "due", f"obligations[{i}]"),
                citation=_str(o, "citation", f"obligations[{i}]"),
            )
            for i, o in enumerate(_objects(obj, "obligations"))
        )
        admissible = obj.get("admissible")
        if not isinstance(admissible, bool):
            raise _bad("admissible", "must be true or false")
        max_days = obj.get("max_days")
        if max_days is not None and (isinstance(max_days, bool) or not isinstance(max_days, int)):
            raise _bad("max_days", "must be an integer or null")
        return cls(
            policy=_str(obj, "policy", ""),
            policy_version=_str(obj, "policy_version", ""),
            admissible=admissible,
            findings=findings,
            obligations=obligations,
            max_days=max_days,
        )


def _bad(field: str, why: str) -> InvalidInput:
    return InvalidInput(f"evaluation: {field}: {why}", field=field)


def _object(data: object, field: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _bad(field, "must be an object")
    return data


def _objects(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise _bad(key, "must be a list")
    return [_object(item, f"{key}[{i}]") for i, item in enumerate(value)]


def _str(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}" if where else key, "must be a string")
    return value


def _outcome(obj: dict[str, Any], where: str) -> Outcome:
    raw = _str(obj, "outcome", where)
    try:
        return Outcome(raw)
    except ValueError:
        raise _bad(f"{where}.outcome", "must be pass, fail or review") from None


def _date(obj: dict[str, Any], key: str, where: str) -> date:
    raw = _str(obj, key, where)
    try:
        if not _DATE_RE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(f"{where}.{key}", "must be a date written YYYY-MM-DD") from None
