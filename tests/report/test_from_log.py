"""Recounting the report's facts from the log's entries (``report.from_log``).

The entries are the real ones: a request run through submit, review, decide,
start and close on the database, then disclosed with ``report.disclosure``; the
facts are read before (sealed: month and level only) and after (opened: days and
the disclosure). Hand-made entries cover what the program never writes: garbage,
repeated keys, a tampered or wrongly keyed sealed entry. Hypothesis seals random
histories and checks the recount reads back exactly what was sealed.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from covergate.errors import CovergateError, InvalidInput, MalformedLogData
from covergate.lifecycle.advance import record_event
from covergate.lifecycle.events import REQUEST_EVENTS, EventType
from covergate.lifecycle.period import refresh_state
from covergate.lifecycle.sealing import seal_fields
from covergate.lifecycle.states import CloseReason
from covergate.report.disclosure import disclose
from covergate.report.from_log import facts_from_entries
from covergate.report.schemas import LogFacts, RequestFacts
from covergate.requests import service as requests
from covergate.transparency.models import LogEntry
from tests.world import FBI, World

START = date(2026, 1, 5)


def log_entries(world: World) -> list[tuple[int, bytes]]:
    with world.tx() as s:
        return [
            (i, bytes(d))
            for i, d in s.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx))
        ]


def facts(entries: list[tuple[int, bytes]]) -> LogFacts:
    return facts_from_entries(entries, len(entries))


def only(found: LogFacts, rid: str) -> RequestFacts:
    (request,) = [r for r in found.requests if r.request == rid]
    return request


def run_and_close(world: World) -> str:
    """A cover submitted, reviewed, approved, started on its first day, then closed."""
    rid = world.active_cover()
    world.clock.set_date(START + timedelta(days=2))
    with world.tx() as s:
        refresh_state(session=s, ctx=world.ctx, request=world.request(s, rid))
    world.clock.set_date(START + timedelta(days=9))
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )
    return rid


def disclose_now(world: World, rid: str) -> int:
    with world.tx() as s:
        return disclose(s, world.ctx, world.request(s, rid))


def with_entry(
    entries: list[tuple[int, bytes]], index: int, data: bytes
) -> list[tuple[int, bytes]]:
    return [(i, data if i == index else d) for i, d in entries]


# --- the real code path ------------------------------------------------------------


def test_a_sealed_request_shows_month_level_and_the_decision_only(world: World) -> None:
    rid = run_and_close(world)
    request = only(facts(log_entries(world)), rid)
    assert request.level == "federal"
    assert request.disclosure is None
    kinds = [e.event for e in request.events]
    assert kinds[0] is EventType.SUBMITTED
    assert {EventType.DECIDED, EventType.STARTED, EventType.CLOSED} <= set(kinds)
    assert all(e.day is None and e.month == "2026-01" for e in request.events)
    (decided,) = [e for e in request.events if e.event is EventType.DECIDED]
    assert decided.outcome is not None
    assert all(e.outcome is None for e in request.events if e.event is not EventType.DECIDED)
    assert [e.index for e in request.events] == sorted(e.index for e in request.events)


def test_a_disclosed_request_is_opened_with_its_key(world: World) -> None:
    rid = run_and_close(world)
    sealed = only(facts(log_entries(world)), rid)
    world.clock.set_date(date(2026, 4, 20))
    at = disclose_now(world, rid)
    entries = log_entries(world)
    request = only(facts(entries), rid)
    disclosure = request.disclosure
    assert disclosure is not None
    assert disclosure.index == at
    assert disclosure.day == date(2026, 4, 20)
    assert (disclosure.agency, disclosure.level) == (FBI, "federal")
    assert (disclosure.kind, disclosure.ground) == ("mail_cover", "crime")
    assert disclosure.outcome == "approved"
    assert disclosure.close_reason == "requested"
    assert disclosure.days_requested > 0
    assert disclosure.categories == tuple(sorted(disclosure.categories))
    assert all(n > 0 for _, n in disclosure.refused)
    # the same events, now with their days; the disclosed entry is not an event
    assert [(e.index, e.event, e.month) for e in request.events] == [
        (e.index, e.event, e.month) for e in sealed.events
    ]
    assert all(e.day is not None and e.day.isoformat()[:7] == e.month for e in request.events)
    days = {e.event: e.day for e in request.events}
    assert days[EventType.STARTED] == START + timedelta(days=2)
    assert days[EventType.CLOSED] == START + timedelta(days=9)
    (decided,) = [e for e in request.events if e.event is EventType.DECIDED]
    assert decided.outcome == next(e.outcome for e in sealed.events if e.event is decided.event)
    assert at not in [e.index for e in request.events]


def test_entries_after_the_disclosure_are_open(world: World) -> None:
    rid = run_and_close(world)
    disclose_now(world, rid)
    world.clock.set_date(date(2026, 8, 3))
    with world.tx() as s:
        after = record_event(
            session=s,
            ctx=world.ctx,
            request=world.request(s, rid),
            event=EventType.DATA_DESTROYED,
            actor=None,
        )
    entries = log_entries(world)
    assert b'"sealed"' not in entries[after][1]
    request = only(facts(entries), rid)
    last = request.events[-1]
    assert (last.index, last.event, last.day, last.month) == (
        after,
        EventType.DATA_DESTROYED,
        date(2026, 8, 3),
        "2026-08",
    )


def test_a_tampered_sealed_entry_fails_the_recount(world: World) -> None:
    rid = run_and_close(world)
    disclose_now(world, rid)
    entries = log_entries(world)
    index, data = next((i, d) for i, d in entries if b'"sealed"' in d)
    fields = json.loads(data)
    blob = fields["sealed"]
    fields["sealed"] = blob[:20] + ("A" if blob[20] != "A" else "B") + blob[21:]
    tampered = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(MalformedLogData, match=f"log entry {index}: .*does not open"):
        facts(with_entry(entries, index, tampered))
    # a visible field changed (the month): the tag covers it
    fields = json.loads(data)
    fields["month"] = "2026-02"
    moved = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(MalformedLogData, match=f"log entry {index}"):
        facts(with_entry(entries, index, moved))


def test_a_wrong_details_key_fails_the_recount(world: World) -> None:
    rid = run_and_close(world)
    at = disclose_now(world, rid)
    entries = log_entries(world)
    fields = json.loads(entries[at][1])
    fields["details_key"] = os.urandom(32).hex()
    wrong = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    first = only(facts(entries), rid).events[0].index
    with pytest.raises(MalformedLogData, match=f"log entry {first}: the details key"):
        facts(with_entry(entries, at, wrong))


def test_a_disclosure_naming_another_agency_fails(world: World) -> None:
    rid = run_and_close(world)
    at = disclose_now(world, rid)
    entries = log_entries(world)
    fields = json.loads(entries[at][1])
    fields["agency"] = "Drug Enforcement Administration"
    other = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(MalformedLogData, match="opens to another agency"):
        facts(with_entry(entries, at, other))


# --- hand-made entries ----------------------------------------------------------------

RID = "ab" * 16
KEY = bytes(range(32))


def sealed(event: str, day: str, *, key: bytes = KEY, level: str = "local", **inner: Any) -> bytes:
    fields = {"event": event, "request": RID, "date": day, "agency": "Springfield PD",
              "kind": "mail_cover", "ground": "crime", **inner}  # fmt: skip
    outer = seal_fields(fields, key=key, level=level)
    return json.dumps({**outer, "commitment": "00" * 32}, sort_keys=True).encode()


def disclosed(day: str = "2026-09-01", key: bytes = KEY, **changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "event": "disclosed", "request": RID, "date": day, "details_key": key.hex(),
        "agency": "Springfield PD", "level": "local", "kind": "mail_cover", "ground": "crime",
        "statute_class": "other_law", "legal_process": None, "delegation": "inspector_in_charge",
        "emergency": None, "order_due": None, "outcome": "approved", "days_requested": 30,
        "days_authorised": 20, "extends": None, "pieces_recorded": 4, "refused_vague": 2,
        "refused_late": 0, "categories": "mail_exterior,aaa", "close_reason": "requested",
        "policy": "safeguards-2026", "policy_version": "v1", "commitment": "00" * 32,
    }  # fmt: skip
    fields.update(changes)
    return json.dumps(fields).encode()


def numbered(*raw: bytes) -> list[tuple[int, bytes]]:
    return list(enumerate(raw))


def test_a_disclosure_is_read_whole() -> None:
    found = facts(numbered(sealed("submitted", "2026-03-04"), disclosed()))
    (request,) = found.requests
    d = request.disclosure
    assert d is not None
    assert d.refused == (("vague", 2),)
    assert d.categories == ("aaa", "mail_exterior")
    assert (d.days_requested, d.days_authorised, d.pieces_recorded) == (30, 20, 4)
    assert request.level == "local"
    assert request.events[0].day == date(2026, 3, 4)


def test_program_events_and_entries_older_than_sealing() -> None:
    legacy = {"event": "submitted", "request": "cd" * 16, "date": "2025-11-30", "agency": "FBI",
              "kind": "mail_cover", "ground": "crime", "outcome": None}  # fmt: skip
    program = {"event": "destruction_run", "date": "2026-02-01", "count": 7,
               "policy": "safeguards-2026", "policy_version": "v1"}  # fmt: skip
    found = facts(numbered(json.dumps(legacy).encode(), json.dumps(program).encode()))
    (request,) = found.requests
    assert request.level is None
    assert (request.events[0].day, request.events[0].month) == (date(2025, 11, 30), "2025-11")
    (run,) = found.program
    assert (run.index, run.event, run.day, run.count) == (
        1,
        EventType.DESTRUCTION_RUN,
        date(2026, 2, 1),
        7,
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "log entry 1: not valid JSON"),
        (b"[1, 2]", "log entry 1: not a JSON object"),
        (b'{"event": "submitted", "event": "closed"}', "log entry 1: .*given twice"),
        (b'{"event": "vanished", "request": "x"}', "log entry 1: unknown event"),
        (b'{"event": "closed", "request": 5}', "log entry 1: request is not a string"),
        (b'{"event": "closed", "request": "r", "date": "2026-1-5"}', "log entry 1: date"),
        (b'{"event": "destruction_run", "date": "2026-01-05", "count": -1}', "log entry 1: count"),
        (
            b'{"event": "destruction_run", "date": "2026-01-05", "count": true}',
            "log entry 1: count",
        ),
    ],
)
def test_garbage_names_the_entry(raw: bytes, message: str) -> None:
    with pytest.raises(MalformedLogData, match=message):
        facts(numbered(sealed("submitted", "2026-03-04"), raw))


def test_sealed_after_the_disclosure_and_two_disclosures_are_errors() -> None:
    with pytest.raises(MalformedLogData, match=r"log entry 2: sealed, but .* disclosed at entry 1"):
        facts(
            numbered(sealed("submitted", "2026-03-04"), disclosed(), sealed("closed", "2026-03-09"))
        )
    with pytest.raises(MalformedLogData, match="log entry 2: a second disclosure"):
        facts(numbered(sealed("submitted", "2026-03-04"), disclosed(), disclosed()))


def test_a_request_of_two_levels_or_two_keys_is_an_error() -> None:
    with pytest.raises(MalformedLogData, match="log entry 1: another level"):
        facts(
            numbered(
                sealed("submitted", "2026-03-04"), sealed("closed", "2026-03-05", level="state")
            )
        )
    with pytest.raises(MalformedLogData, match="log entry 1: another details_key_sha256"):
        facts(
            numbered(
                sealed("submitted", "2026-03-04"), sealed("closed", "2026-03-05", key=bytes(32))
            )
        )


def test_the_entries_must_be_the_whole_log_in_order() -> None:
    one = sealed("submitted", "2026-03-04")
    with pytest.raises(InvalidInput, match="log entry 0 is missing"):
        facts_from_entries([(1, one)], 2)
    with pytest.raises(InvalidInput, match="has 2 entries, but 1"):
        facts_from_entries([(0, one)], 2)
    assert facts_from_entries([], 0) == LogFacts(0, ())


# --- properties ------------------------------------------------------------------------

_EVENTS = sorted(e.value for e in REQUEST_EVENTS)
_days = st.dates(date(2020, 1, 1), date(2030, 12, 31))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=st.lists(
        st.tuples(st.sampled_from(_EVENTS), _days, st.sampled_from([None, "x_y"])),
        min_size=1,
        max_size=8,
    ),
    open_it=st.booleans(),
)
def test_the_recount_reads_back_what_was_sealed(
    history: list[tuple[str, date, str | None]], open_it: bool
) -> None:
    raw = [sealed(event, day.isoformat(), outcome=outcome) for event, day, outcome in history]
    if open_it:
        raw.append(disclosed())
    (request,) = facts(numbered(*raw)).requests
    assert [(e.event.value, e.month) for e in request.events] == [
        (event, day.isoformat()[:7]) for event, day, _ in history
    ]
    for fact, (event, day, outcome) in zip(request.events, history, strict=True):
        assert fact.day == (day if open_it else None)
        shown = outcome if open_it or event == "decided" else None
        assert fact.outcome == shown


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode), st.integers(0, 1))
def test_any_bytes_fail_cleanly_or_parse(raw: bytes, where: int) -> None:
    entries = [sealed("submitted", "2026-03-04"), disclosed()]
    entries.insert(where, raw)
    assert recount_error(numbered(*entries)) in {None, f"log entry {where}"}


def recount_error(entries: list[tuple[int, bytes]]) -> str | None:
    """The start of the recount's error message ("log entry N"), None if it succeeds."""
    try:
        facts(entries)
    except CovergateError as exc:
        return exc.message.split(":")[0]
    return None
