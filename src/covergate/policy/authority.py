"""The ``authority`` section: who may order a cover, for how long, and what it owes.

The lifecycle enforces these where decisions and extensions are taken
(``covergate.requests``), reading them from the policy in force, so a policy file
changes them. Delegations are plain strings here (the values of
``covergate.users.schemas.Delegation``): the policy engine imports no domain.

Example (usps-2017)::

    authority:
      order: {delegations: [chief_postal_inspector, ...], citation: 39 CFR 233.3(d), (g)(4)}
      national_security: {delegations: [...], citation: 39 CFR 233.3(d)(1)-(2)}
      emergency_only: {delegations: [inspector_in_charge], citation: 39 CFR 233.3(d)(3)}
      extension: {max_days: 30, unless: {use: exempt_from_30_days}, citation: ...}
      continuous: {max_days: 120, exceeded_by: [...], citation: 39 CFR 233.3(g)(6)}
      court_confirmation: {required: false, citation: ...}
      emergency_order: {required: false, max_days: 3, citation: 39 CFR 233.3(c)(10)}
      notice: {required: false, max_days: 90, citation: ...}
      notice_delay: {required: false, max_days: 90, citation: ...}
      retention: {years: 8, citation: 39 CFR 233.3(h)}

The last five are the accountability duties (:class:`Duty`, :class:`Retention`): a
court confirms the order before approval, an emergency cover's order follows within
``max_days``, the subject is notified within ``max_days`` (delays ``max_days`` at a
time), and records are kept ``years``. A child policy inherits each entry it does not
give; an entry it gives replaces the parent's whole entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from covergate.errors import InvalidInput
from covergate.policy.conditions import Condition, ConditionCompiler

__all__ = [
    "AUTHORITY_KEYS",
    "Authority",
    "DayLimit",
    "Delegations",
    "Duty",
    "Retention",
    "authority_constants",
    "compile_authority",
]

_DELEGATION_KEYS = ("order", "national_security", "emergency_only")
_LIMIT_KEYS = ("extension", "continuous")
# The keys each duty entry allows; those with max_days give a constant.
_DUTY_KEYS: dict[str, frozenset[str]] = {
    "court_confirmation": frozenset({"required", "citation"}),
    "emergency_order": frozenset({"required", "max_days", "citation"}),
    "notice": frozenset({"required", "max_days", "citation"}),
    "notice_delay": frozenset({"required", "max_days", "citation"}),
}
_RETENTION_KEYS = frozenset({"years", "citation"})
AUTHORITY_KEYS = frozenset((*_DELEGATION_KEYS, *_LIMIT_KEYS, *_DUTY_KEYS, "retention"))
_MAX_DUTY_DAYS = 3650
_MAX_YEARS = 100
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Delegations:
    """The written delegations allowed to do something, and the rule that says so."""

    allowed: tuple[str, ...]
    citation: str


@dataclass(frozen=True, slots=True)
class DayLimit:
    """At most ``days`` days, unless ``exempt`` holds or one of ``exceeded_by`` decides."""

    days: int
    citation: str
    exceeded_by: tuple[str, ...] = ()
    exempt: Condition | None = None


@dataclass(frozen=True, slots=True)
class Duty:
    """A duty the lifecycle enforces when ``required``, within ``days`` where it has a term.

    ``days`` is None for a duty without a term (``court_confirmation``).
    """

    required: bool
    days: int | None
    citation: str


@dataclass(frozen=True, slots=True)
class Retention:
    """Cover records are kept ``years`` years (39 CFR 233.3(h)).

    The same paragraph has data from an improperly ordered cover destroyed, and the
    requester told why, whatever ``years`` says.
    """

    years: int
    citation: str


@dataclass(frozen=True, slots=True)
class Authority:
    """Who may order ((d), (g)(4)), the limits ((g)), and the accountability duties.

    ``court_confirmation``: an approval needs the court order confirmed by a user of
    the issuing court. ``emergency_order``: an emergency cover may start without an
    order; a confirmed order must follow within ``days`` of ``received.date``, else the
    cover ends and its data is destroyed. ``notice``: the subject is notified within
    ``days`` after the cover ends. ``notice_delay``: a court may delay notice ``days``
    at a time, each delay a new order. ``retention``: how long records are kept.
    """

    order: Delegations
    national_security: Delegations
    emergency_only: Delegations
    extension: DayLimit
    continuous: DayLimit
    court_confirmation: Duty
    emergency_order: Duty
    notice: Duty
    notice_delay: Duty
    retention: Retention


def _error(source: str, where: str, message: str) -> InvalidInput:
    return InvalidInput(f"policy {source}: {where}: {message}", field=where)


def authority_constants(raw: object, source: str) -> dict[str, int]:
    """The day counts conditions may name: ``authority.extension.max_days``, ...

    Also ``authority.emergency_order.max_days``, ``authority.notice.max_days`` and
    ``authority.notice_delay.max_days`` (1 to 3650 days).
    """
    if not isinstance(raw, dict):
        raise _error(source, "authority", "required: a mapping (see docs/POLICY.md)")
    unknown = sorted(set(raw) - AUTHORITY_KEYS)
    if unknown:
        known = ", ".join(sorted(AUTHORITY_KEYS))
        raise _error(source, f"authority.{unknown[0]}", f"unknown key (known: {known})")
    out: dict[str, int] = {}
    for key in _LIMIT_KEYS:
        entry = _entry(raw, key, source)
        days = entry.get("max_days")
        where = f"authority.{key}.max_days"
        if days is None:
            raise _error(source, where, "required field is missing")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise _error(source, where, "must be a whole number of days, at least 1")
        out[where] = days
    for key, allowed in _DUTY_KEYS.items():
        entry = _entry(raw, key, source)
        if "max_days" not in allowed:
            continue
        days = entry.get("max_days")
        where = f"authority.{key}.max_days"
        if days is None:
            raise _error(source, where, "required field is missing")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= _MAX_DUTY_DAYS:
            raise _error(
                source, where, f"must be a whole number of days, from 1 to {_MAX_DUTY_DAYS}"
            )
        out[where] = days
    return out


def compile_authority(cc: ConditionCompiler, raw: object) -> Authority:
    """Compile a merged ``authority`` section; InvalidInput names the field."""
    days = authority_constants(raw, cc.source)
    if not isinstance(raw, dict):  # checked by authority_constants; narrows the type
        raise cc.error("authority", "required: a mapping")
    order = _delegations(cc, raw, "order")
    national_security = _delegations(cc, raw, "national_security")
    emergency_only = _delegations(cc, raw, "emergency_only")
    _within(cc, "authority.national_security.delegations", national_security.allowed, order)
    _within(cc, "authority.emergency_only.delegations", emergency_only.allowed, order)
    _keys(cc, raw, "extension", {"max_days", "unless", "citation"})
    extension = raw["extension"]
    exempt = None
    if "unless" in extension:
        exempt = cc.compile(extension["unless"], "authority.extension.unless")
    _keys(cc, raw, "continuous", {"max_days", "exceeded_by", "citation"})
    exceeded_by = _names(cc, raw["continuous"], "authority.continuous.exceeded_by")
    _within(cc, "authority.continuous.exceeded_by", exceeded_by, order)
    duties = {key: _duty(cc, raw, key, days) for key in _DUTY_KEYS}
    if duties["notice_delay"].required and not duties["notice"].required:
        raise cc.error(
            "authority.notice_delay.required",
            "cannot be true when authority.notice.required is false (a delay is of a notice)",
        )
    return Authority(
        order=order,
        national_security=national_security,
        emergency_only=emergency_only,
        extension=DayLimit(
            days=days["authority.extension.max_days"],
            citation=_citation(cc, raw, "extension"),
            exempt=exempt,
        ),
        continuous=DayLimit(
            days=days["authority.continuous.max_days"],
            citation=_citation(cc, raw, "continuous"),
            exceeded_by=exceeded_by,
        ),
        court_confirmation=duties["court_confirmation"],
        emergency_order=duties["emergency_order"],
        notice=duties["notice"],
        notice_delay=duties["notice_delay"],
        retention=_retention(cc, raw),
    )


def _duty(cc: ConditionCompiler, raw: dict[str, Any], key: str, days: dict[str, int]) -> Duty:
    _keys(cc, raw, key, set(_DUTY_KEYS[key]))
    required = raw[key].get("required")
    where = f"authority.{key}.required"
    if required is None:
        raise cc.error(where, "required field is missing")
    if not isinstance(required, bool):
        raise cc.error(where, "must be true or false")
    return Duty(required, days.get(f"authority.{key}.max_days"), _citation(cc, raw, key))


def _retention(cc: ConditionCompiler, raw: dict[str, Any]) -> Retention:
    _keys(cc, raw, "retention", set(_RETENTION_KEYS))
    years = raw["retention"].get("years")
    where = "authority.retention.years"
    if years is None:
        raise cc.error(where, "required field is missing")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= _MAX_YEARS:
        raise cc.error(where, f"must be a whole number of years, from 1 to {_MAX_YEARS}")
    return Retention(years, _citation(cc, raw, "retention"))


def _entry(raw: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    entry = raw.get(key)
    if entry is None:
        raise _error(source, f"authority.{key}", "required field is missing")
    if not isinstance(entry, dict):
        raise _error(source, f"authority.{key}", "must be a mapping")
    return entry


def _keys(cc: ConditionCompiler, raw: dict[str, Any], key: str, allowed: set[str]) -> None:
    unknown = sorted(set(_entry(raw, key, cc.source)) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise cc.error(f"authority.{key}.{unknown[0]}", f"unknown key (known: {known})")


def _citation(cc: ConditionCompiler, raw: dict[str, Any], key: str) -> str:
    value = raw[key].get("citation")
    if value is None:
        raise cc.error(f"authority.{key}.citation", "required field is missing")
    if not isinstance(value, str) or not value.strip():
        raise cc.error(f"authority.{key}.citation", "must be a non-empty string")
    return " ".join(value.split())


def _names(cc: ConditionCompiler, entry: dict[str, Any], where: str) -> tuple[str, ...]:
    value = entry.get(where.rsplit(".", 1)[1])
    if value is None:
        raise cc.error(where, "required field is missing")
    if not isinstance(value, list) or not all(isinstance(v, str) and _NAME.match(v) for v in value):
        raise cc.error(where, "must be a list of delegation names (lower_case_with_underscores)")
    if len(set(value)) != len(value):
        raise cc.error(where, "a delegation is listed twice")
    return tuple(value)


def _delegations(cc: ConditionCompiler, raw: dict[str, Any], key: str) -> Delegations:
    _keys(cc, raw, key, {"delegations", "citation"})
    allowed = _names(cc, raw[key], f"authority.{key}.delegations")
    if key == "order" and not allowed:
        raise cc.error(f"authority.{key}.delegations", "must name at least one delegation")
    return Delegations(allowed, _citation(cc, raw, key))


def _within(cc: ConditionCompiler, where: str, names: tuple[str, ...], order: Delegations) -> None:
    """A typo in a delegation name is an error, never a silent refusal."""
    stray = [n for n in names if n not in order.allowed]
    if stray:
        known = ", ".join(order.allowed)
        raise cc.error(where, f"{stray[0]!r} is not in authority.order.delegations ({known})")
