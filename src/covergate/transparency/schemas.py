"""What the log accepts as an entry's public part: a typed record of any event kind.

The log does not know the lifecycle's vocabulary. It takes any
:class:`PublicRecord`: an object naming its event kind and giving the fields that
may be published, each ``None``, a bool, a small integer or a short ASCII string
that its schema has checked against a narrow pattern. Every schema (one per event
kind, see :mod:`covergate.lifecycle.events`) builds on the checks below, so that no
subject name, address, statute text or free-text fact can reach the log by
accident. Everything else about an event goes into the *private record*, of which
only a salted commitment is published (:mod:`covergate.transparency.entries`).

>>> class Ping:
...     event = "ping"
...     def public_fields(self): return {"event": "ping", "count": 3}
>>> check_public_fields(Ping())["count"]
3
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Protocol

from covergate.errors import InvalidInput

__all__ = [
    "AGENCY",
    "POLICY",
    "POLICY_VERSION",
    "REQUEST_ID",
    "SLUG",
    "PublicRecord",
    "PublicValue",
    "check_day",
    "check_pattern",
    "check_public_fields",
    "check_type",
    "is_publishable_agency_name",
]

PublicValue = str | int | bool | None

# The random public id of a request: 128 bits, lowercase hex.
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# An agency's short name ("FBI", "Springfield PD", "U.S. Marshals Service").
# Letters, digits, spaces and a little punctuation; no newlines, no digits-only
# strings that could be a case number, nothing long enough to hold a narrative.
AGENCY = re.compile(r"[A-Za-z][A-Za-z0-9 .,&'()/-]{0,79}")
# A policy name ("safeguards-2026") and version ("sha256:<hex>").
POLICY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
POLICY_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]{0,99}")
# An enum value's string: event kind ("submitted"), outcome ("approved"), state.
SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Integers in an entry stay within IEEE-754's exact range (RFC 8785 numbers).
_MAX_INT = 2**53 - 1
# A string field of any schema: printable ASCII, short (the patterns above are narrower).
_ASCII = re.compile(r"[ -~]{0,100}")
# The one long field: a sealed entry's ciphertext (lifecycle.sealing), base64.
_SEALED = re.compile(r"[A-Za-z0-9+/]{1,8000}={0,2}")


class PublicRecord(Protocol):
    """One event as it may be published: what a schema of :mod:`lifecycle.events` is."""

    def public_fields(self) -> Mapping[str, PublicValue]:
        """The fields the entry writes (``event`` among them), without the commitment."""
        ...


def check_public_fields(record: PublicRecord) -> dict[str, PublicValue]:
    """The record's fields, checked for what any entry may hold; InvalidInput if not.

    Schemas check their own fields narrowly; this is the log's last guard, whatever
    the schema: an ``event`` slug, slug keys, no ``commitment`` key, and values
    that are None, bools, exact integers or short printable ASCII strings.
    """
    fields = dict(record.public_fields())
    check_pattern("event", fields.get("event"), SLUG)
    for key, value in fields.items():
        if not isinstance(key, str) or not SLUG.fullmatch(key) or key == "commitment":
            raise InvalidInput(f"{key!r} is not an allowed field name for the public log")
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, int):
            if not -_MAX_INT <= value <= _MAX_INT:
                raise InvalidInput(f"{key} is out of range for the public log", field=key)
            continue
        if key == "sealed" and isinstance(value, str) and _SEALED.fullmatch(value):
            continue
        if not isinstance(value, str) or not _ASCII.fullmatch(value):
            raise InvalidInput(f"{key} is not an allowed value for the public log", field=key)
    return fields


def check_type(name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise InvalidInput(f"{name} must be a {kind.__name__}", field=name)


def check_day(name: str, value: object) -> None:
    # datetime is a date subclass; a time of day is more than the log may say.
    if type(value) is not date:
        raise InvalidInput(f"{name} must be a datetime.date (day precision)", field=name)


def check_pattern(name: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"{name} is not an allowed value for the public log", field=name)


def is_publishable_agency_name(name: str) -> bool:
    """Whether ``name`` can appear as an entry's agency (checked when an agency registers)."""
    return AGENCY.fullmatch(name) is not None
