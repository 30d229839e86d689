"""The lawful order of a request's log entries, checked offline.

Pure: the entries (already proved to be in the log) and the bundled policy they
name; no database. Each rule says which earlier event an event needs:

- the first entry is the submission;
- a cover starts, and is closed, only after its approval (``decided`` approved or
  modified); it expires only after it started; records are produced only after
  the close, and acknowledged only after they were produced;
- every notice event (delayed, resumed, overdue, served) follows the end of the
  cover (``expired`` or ``closed``); a resumption follows a delay; nothing of the
  notice follows its service;
- under a policy whose ``authority.court_confirmation`` is required, a request
  whose order was filed is approved only after the court confirmed it, never
  after a refusal. An emergency may be approved first (39 CFR 233.3(c)(10);
  ``authority.emergency_order``); its confirmation must then follow within the
  policy's days of the submission (the log's date nearest its receipt), unless
  the software ended the cover for that (closed ``no_timely_order`` or
  ``order_refused``). The log does not say whether a request was an emergency;
  no other request can be approved before its confirmation (``courts.gate``).

Observations are not log entries (they are subject data): that the first
observation follows the start is enforced when it is recorded
(``covers.service``), and cannot be checked here.
"""

from __future__ import annotations

from collections.abc import Sequence

from covergate.errors import CovergateError, VerificationFailed
from covergate.lifecycle.events import EventType
from covergate.notices.summary import PRODUCTION_EVENTS, LoggedEvent

__all__ = ["check_lawful_order"]

E = EventType
_APPROVED = frozenset({"approved", "modified"})
_ENDS = frozenset({E.EXPIRED, E.CLOSED})
_NOTICE = frozenset({E.NOTICE_DELAYED, E.NOTICE_RESUMED, E.NOTICE_OVERDUE, E.NOTICE_SERVED})
_ENDED_FOR_THE_ORDER = frozenset({"no_timely_order", "order_refused"})

#: event -> (the earlier events one of which it needs, what it is when it has none)
_NEEDS: dict[EventType, tuple[frozenset[EventType], str]] = {
    E.EXPIRED: (frozenset({E.STARTED}), "the cover expired before it started"),
    E.PRODUCED: (frozenset({E.CLOSED}), "records were produced before the request was closed"),
    E.RECORDS_DISCLOSED: (
        frozenset({E.CLOSED}),
        "records were disclosed before the request was closed",
    ),
    E.ACKNOWLEDGED: (PRODUCTION_EVENTS, "a receipt was acknowledged before anything was produced"),
    E.NOTICE_RESUMED: (frozenset({E.NOTICE_DELAYED}), "notice resumed without a delay order"),
}
_NEEDS_APPROVAL = {
    E.STARTED: "the cover started before it was approved",
    E.CLOSED: "the request was closed before it was approved",
}


def _is_approval(e: LoggedEvent) -> bool:
    return e.event is E.DECIDED and e.public.get("outcome") in _APPROVED


def check_lawful_order(events: Sequence[LoggedEvent]) -> list[str]:
    """VerificationFailed naming the first entry out of order; notes on what was
    not checked or was lawful only as an exception."""
    if not events or events[0].event is not E.SUBMITTED:
        first = events[0].event.value if events else "nothing"
        raise VerificationFailed(f"the first entry of a request is its submission, not {first}")
    seen: set[EventType] = set()
    approved = served = False
    for e in events:
        where = f"entry {e.index}"
        if e.event in _NEEDS_APPROVAL and not approved:
            raise VerificationFailed(f"{where}: {_NEEDS_APPROVAL[e.event]}")
        needs = _NEEDS.get(e.event)
        if needs is not None and not seen & needs[0]:
            raise VerificationFailed(f"{where}: {needs[1]}")
        if e.event in _NOTICE:
            if served:
                raise VerificationFailed(f"{where}: {e.event.value} after the notice was served")
            if not seen & _ENDS:
                raise VerificationFailed(f"{where}: {e.event.value} before the cover ended")
        if e.event is E.SUBMITTED and seen:
            raise VerificationFailed(f"{where}: a second submission of the same request")
        approved = approved or _is_approval(e)
        served = served or e.event is E.NOTICE_SERVED
        seen.add(e.event)
    return _check_court(events)


def _check_court(events: Sequence[LoggedEvent]) -> list[str]:
    from covergate.policy import load_policy

    name = events[0].public.get("policy")
    try:
        policy = load_policy(str(name))
    except CovergateError:
        return [f"policy {name} is unknown to this verifier: its court rules were not checked"]
    notes = []
    if policy.version != events[0].public.get("policy_version"):
        notes.append(
            f"the request was evaluated under another version of {name} than this "
            "verifier's; its court rules were read from this verifier's copy"
        )
    confirmation = policy.authority.court_confirmation
    if not confirmation.required or not any(e.event is E.ORDER_FILED for e in events):
        return notes
    approval = next((e for e in events if _is_approval(e)), None)
    if approval is None:
        return notes
    before = [e for e in events if e.index < approval.index]
    if any(e.event is E.ORDER_REFUSED for e in before):
        raise VerificationFailed(
            f"entry {approval.index}: approved after the court refused the order "
            f"({confirmation.citation})"
        )
    if any(e.event is E.ORDER_CONFIRMED for e in before):
        return notes
    emergency = policy.authority.emergency_order
    days = emergency.days or 0
    confirmed = next((e for e in events if e.event is E.ORDER_CONFIRMED), None)
    if (
        emergency.required
        and confirmed is not None
        and (confirmed.day - events[0].day).days <= days
    ):
        notes.append(
            f"approved as an emergency before the court confirmed the order (entry "
            f"{confirmed.index}, within {days} days, {emergency.citation})"
        )
        return notes
    closed = next((e for e in events if e.event is E.CLOSED), None)
    if closed is not None and closed.public.get("outcome") in _ENDED_FOR_THE_ORDER:
        notes.append(
            f"the emergency's order came late: the cover was ended at entry {closed.index} "
            f"({closed.public.get('outcome')}), {emergency.citation}"
        )
        return notes
    if confirmed is None:
        raise VerificationFailed(
            f"entry {approval.index}: approved without the court's confirmation of the "
            f"order ({confirmation.citation})"
        )
    raise VerificationFailed(
        f"entry {confirmed.index}: the emergency's order came late: confirmed more than "
        f"{days} days after the request ({emergency.citation})"
    )
