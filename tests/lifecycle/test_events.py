"""The event vocabulary: one schema per kind, and the log takes any of them."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from covergate.document import Ground, RequestKind
from covergate.errors import InvalidInput
from covergate.lifecycle import events
from covergate.lifecycle.events import (
    COURT_NAME,
    DOCKET,
    JUDGE,
    REQUEST_EVENTS,
    SCHEMAS,
    EventType,
    ProgramEvent,
    PublicEvent,
)
from covergate.tlog.proof_text import verify_tlog_proof
from covergate.transparency import service
from covergate.transparency.entries import canonical_record, check_commitment, encode_entry
from covergate.transparency.schemas import check_public_fields
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, cipher, event, signer

VERSION = "sha256:" + "0" * 64


def program(kind: EventType = EventType.DESTRUCTION_RUN, **changes: object) -> ProgramEvent:
    fields: dict[str, object] = {
        "event": kind,
        "day": date(2026, 3, 1),
        "count": 12,
        "policy": "safeguards-2026",
        "policy_version": VERSION,
    }
    fields.update(changes)
    return ProgramEvent(**fields)  # type: ignore[arg-type]


def test_every_kind_has_exactly_one_schema() -> None:
    assert set(SCHEMAS) == set(EventType)
    assert {k for k, s in SCHEMAS.items() if s is PublicEvent} == REQUEST_EVENTS
    assert {k for k, s in SCHEMAS.items() if s is ProgramEvent} == {
        EventType.DESTRUCTION_RUN,
        EventType.NOTICES_OVERDUE,
    }


def test_a_kind_cannot_be_logged_in_another_kinds_shape() -> None:
    with pytest.raises(InvalidInput, match="destruction_run is logged as a ProgramEvent"):
        event(event=EventType.DESTRUCTION_RUN)
    with pytest.raises(InvalidInput, match="submitted is logged as a PublicEvent"):
        program(EventType.SUBMITTED)
    with pytest.raises(InvalidInput, match="event must be a EventType"):
        program("destruction_run")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": -1}, "count"),
        ({"count": 10_000_001}, "count"),
        ({"count": True}, "count"),
        ({"count": "12"}, "count"),
        ({"day": datetime(2026, 3, 1, 12, 0)}, "day"),
        ({"policy": "Safeguards 2026"}, "policy"),
        ({"policy_version": "sha256:\n"}, "policy_version"),
    ],
)
def test_a_program_event_checks_its_fields(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        program(**changes)
    assert caught.value.field == field


def test_request_entries_keep_their_bytes() -> None:
    """The entry of a request's event is what earlier versions wrote, byte for byte."""
    e = PublicEvent(
        EventType.SUBMITTED,
        "0" * 32,
        date(2026, 1, 5),
        "FBI",
        RequestKind.MAIL_COVER,
        Ground.CRIME,
        None,
        "safeguards-2026",
        None,
    )
    entry = encode_entry(e, bytes(32))  # type: ignore[arg-type]
    assert entry == (
        b'{"agency":"FBI","commitment":"' + b"0" * 64 + b'","date":"2026-01-05",'
        b'"event":"submitted","ground":"crime","kind":"mail_cover","legal_process":null,'
        b'"outcome":null,"policy":"safeguards-2026","policy_version":null,'
        b'"request":"' + b"0" * 32 + b'","state":null}'
    )


class _Record:
    def __init__(self, fields: dict[str, object]) -> None:
        self.fields = fields

    def public_fields(self) -> dict[str, object]:
        return self.fields


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"count": 1}, "event"),
        ({"event": "Not A Slug"}, "event"),
        ({"event": "x", "Bad-Key": 1}, "field name"),
        ({"event": "x", "commitment": "00"}, "field name"),
        ({"event": "x", "name": "Jörg"}, "allowed value"),
        ({"event": "x", "note": "a\nb"}, "allowed value"),
        ({"event": "x", "text": "x" * 101}, "allowed value"),
        ({"event": "x", "n": 2**53}, "out of range"),
        ({"event": "x", "f": 1.5}, "allowed value"),
        ({"event": "x", "l": ["a"]}, "allowed value"),
    ],
)
def test_the_log_refuses_any_field_no_schema_could_allow(
    fields: dict[str, object], why: str
) -> None:
    with pytest.raises(InvalidInput, match=why):
        check_public_fields(_Record(fields))  # type: ignore[arg-type]


def test_a_program_event_goes_into_the_log_and_verifies(database: Database) -> None:
    key, fc = signer(), cipher()
    record = {"destroyed": ["ab" * 16, "cd" * 16], "retention": "8 years"}
    with database.sessions() as session, session.begin():
        index = service.append_event(
            session=session, event=program(), private_record=record, cipher=fc
        )
    checkpoint = service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    assert checkpoint is not None
    with database.sessions() as session, session.begin():
        entry = service.read_entry(session=session, index=index)
        proof = service.proof_text(session=session, index=index)
        salt, canonical = service.read_commitment(session=session, index=index, cipher=fc)
    assert verify_tlog_proof(entry, proof, key.verifier()) == checkpoint
    fields = json.loads(entry)
    assert fields.pop("commitment")
    assert fields == {
        "event": "destruction_run",
        "date": "2026-03-01",
        "count": 12,
        "policy": "safeguards-2026",
        "policy_version": VERSION,
    }
    assert b"ab" * 16 not in entry  # the ids destroyed are only under commitment
    assert canonical == canonical_record(record)
    assert check_commitment(entry, salt, canonical)


def test_the_order_identity_patterns_are_public_and_shared() -> None:
    """The court registry, the order filing and delay orders check the log's own patterns."""
    from covergate.courts import filing, registry
    from covergate.notices import service as notices

    assert {"COURT_NAME", "DOCKET", "JUDGE"} <= set(events.__all__)
    assert registry.COURT_NAME is COURT_NAME
    assert filing.DOCKET is DOCKET
    assert filing.JUDGE is JUDGE
    assert notices.DOCKET is DOCKET
    assert COURT_NAME.fullmatch("U.S. District Court, D. Mass.")
    assert not DOCKET.fullmatch("-starts-with-a-dash")
    assert not JUDGE.fullmatch("Judge 9")
