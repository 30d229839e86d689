"""What the log proves about one request, in plain fields: the bundle's ``facts``.

Pure: it reads only log entries (their public fields) and the private records
that open their commitments, never the database. :func:`derive_facts` is called
twice with the same inputs: by :mod:`covergate.notices.bundle` to write the
bundle's ``facts``, and by :mod:`covergate.notices.verify` to check that every
fact there is exactly what the verified entries say. So no byte of ``facts`` is
taken on trust. What the log does not record (the subject's name and address,
the items recorded per category) is in the letter only.

>>> from datetime import date
>>> e = LoggedEvent(0, EventType.SUBMITTED, date(2026, 1, 2),
...                 {"event": "submitted", "kind": "mail_cover"}, None)
>>> derive_facts("0" * 32, [e], None)["submitted_on"]
'2026-01-02'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from covergate.lifecycle.events import ORDER_EVENTS, EventType

__all__ = ["PRODUCTION_EVENTS", "LoggedEvent", "derive_facts", "first_difference"]

#: The events that hand the records to the agency (a cover's package, disclosed records).
PRODUCTION_EVENTS = frozenset({EventType.PRODUCED, EventType.RECORDS_DISCLOSED})
_ORDER_STATE = {
    EventType.ORDER_FILED: "filed",
    EventType.ORDER_CONFIRMED: "confirmed",
    EventType.ORDER_REFUSED: "refused",
}
_DECISIONS = frozenset({EventType.ORDER_CONFIRMED, EventType.ORDER_REFUSED})
_IDENTITY = ("court", "docket", "judge", "issued", "expires")


@dataclass(frozen=True)
class LoggedEvent:
    """One verified log entry of the request, and its opened private record.

    ``record`` is None when the bundle withholds the opening (a sealed order's).
    """

    index: int
    event: EventType
    day: Any  # datetime.date
    public: Mapping[str, Any]
    record: Mapping[str, Any] | None

    @property
    def detail(self) -> Mapping[str, Any]:
        detail = self.record.get("detail") if self.record is not None else None
        return detail if isinstance(detail, dict) else {}

    @property
    def date(self) -> str:
        return str(self.day.isoformat())


def _first(events: Sequence[LoggedEvent], *kinds: EventType) -> LoggedEvent | None:
    return next((e for e in events if e.event in kinds), None)


def _order(events: Sequence[LoggedEvent]) -> dict[str, Any] | None:
    orders = [e for e in events if e.event in ORDER_EVENTS]
    if not orders:
        return None
    state, identity, unsealed_on = "filed", None, None
    for e in orders:
        state = _ORDER_STATE.get(e.event, state)
        if e.public.get("court") is not None:
            identity = {key: e.public.get(key) for key in _IDENTITY}
        if e.event is EventType.ORDER_UNSEALED:
            unsealed_on = e.date
    return {
        "state": state,
        "decided_on": next(
            (e.date for e in orders if e.event in _DECISIONS),
            None,
        ),
        "sealed_until": orders[-1].public.get("sealed_until"),
        "unsealed_on": unsealed_on,
        "identity": identity,
    }


def _decision(events: Sequence[LoggedEvent]) -> dict[str, Any] | None:
    decided = _first(events, EventType.DECIDED)
    if decided is None:
        return None
    return {
        "on": decided.date,
        "outcome": decided.public.get("outcome"),
        "days": decided.detail.get("days"),
        "categories": decided.detail.get("categories"),
    }


def _production(
    events: Sequence[LoggedEvent], manifest: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    produced = _first(events, *PRODUCTION_EVENTS)
    if produced is None:
        return None
    items = manifest.get("items") if manifest is not None else None
    return {
        "on": produced.date,
        "event": produced.event.value,
        "items": items if isinstance(items, int) and not isinstance(items, bool) else None,
        "manifest_sha256": produced.detail.get("manifest_sha256"),
    }


def _notice(events: Sequence[LoggedEvent]) -> dict[str, Any]:
    served = _first(events, EventType.NOTICE_SERVED)
    return {
        "delays": [
            {
                "on": e.date,
                "until": e.detail.get("until"),
                "days": e.detail.get("days"),
                "docket": e.detail.get("docket"),
            }
            for e in events
            if e.event is EventType.NOTICE_DELAYED
        ],
        "resumed_on": [e.date for e in events if e.event is EventType.NOTICE_RESUMED],
        "overdue_on": [e.date for e in events if e.event is EventType.NOTICE_OVERDUE],
        "served_on": served.date if served is not None else None,
    }


def derive_facts(
    request_id: str, events: Sequence[LoggedEvent], manifest: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The facts the entries prove, as JSON-ready values (dates as ``YYYY-MM-DD``)."""
    head = _first(events, *(k for k in EventType if k not in ORDER_EVENTS))
    public = head.public if head is not None else {}
    submitted = _first(events, EventType.SUBMITTED)
    started = _first(events, EventType.STARTED)
    expired = _first(events, EventType.EXPIRED)
    closed = _first(events, EventType.CLOSED)
    destroyed = _first(events, EventType.DATA_DESTROYED)
    return {
        "request": request_id,
        "kind": public.get("kind"),
        "agency": public.get("agency"),
        "ground": public.get("ground"),
        "legal_process": public.get("legal_process"),
        "policy": public.get("policy"),
        "submitted_on": submitted.date if submitted is not None else None,
        "order": _order(events),
        "decision": _decision(events),
        "started_on": started.date if started is not None else None,
        "active_from": started.detail.get("active_from") if started is not None else None,
        "expired_on": expired.date if expired is not None else None,
        "last_day": expired.detail.get("active_until") if expired is not None else None,
        "closed": (
            {"on": closed.date, "reason": closed.public.get("outcome")}
            if closed is not None
            else None
        ),
        "production": _production(events, manifest),
        "notice": _notice(events),
        "destroyed_on": destroyed.date if destroyed is not None else None,
        "timeline": [
            {
                "index": e.index,
                "event": e.event.value,
                "date": e.date,
                "outcome": e.public.get("outcome"),
            }
            for e in events
        ],
    }


def first_difference(expected: Any, found: Any, path: str = "facts") -> str | None:
    """The JSON path of the first place ``found`` differs from ``expected``, or None."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found)):
            if key not in found or key not in expected:
                return f"{path}.{key}"
            inner = first_difference(expected[key], found[key], f"{path}.{key}")
            if inner is not None:
                return inner
        return None
    if isinstance(expected, list) and isinstance(found, list):
        for i, (a, b) in enumerate(zip(expected, found, strict=False)):
            inner = first_difference(a, b, f"{path}[{i}]")
            if inner is not None:
                return inner
        return None if len(expected) == len(found) else path
    same = type(expected) is type(found) and expected == found
    return None if same else path
