"""Production packages and their acknowledgement, on SQLite and PostgreSQL.

Each step that changes a request's state appends exactly one transparency-log
entry; every refusal leaves the database as it was (:func:`unchanged`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from contextlib import AbstractContextManager
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation, RecordsItem
from covergate.document import RequestKind
from covergate.errors import (
    Conflict,
    CovergateError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from covergate.lifecycle.models import AccessKind, AccessRecord, Request, RequestEvent
from covergate.lifecycle.states import CloseReason, RequestState
from covergate.productions import service as productions
from covergate.productions.models import Production
from covergate.requests import service as requests
from covergate.transparency.models import LogEntry
from tests.factories import mail_cover_data, records_data
from tests.world import FBI, World

START = date(2026, 1, 5)
SUBJECT = mail_cover_data()["subject"]


def _production_rows(s: Session) -> tuple[Any, ...]:
    return tuple(
        s.execute(
            select(Production.id, Production.acknowledged_by, Production.acknowledged_at)
        ).all()
    )


def unchanged(
    world: World, error: type[CovergateError], match: str
) -> AbstractContextManager[pytest.ExceptionInfo[CovergateError]]:
    return world.unchanged(error, match, extra=(_production_rows,))


def log_size(world: World) -> int:
    with world.tx() as s:
        return s.scalar(select(func.count()).select_from(LogEntry)) or 0


def mail(day: date, sender: str = "Pat Sender") -> dict[str, Any]:
    return {
        "mail_date": day.isoformat(),
        "mail_class": "priority",
        "sender": {
            "name": sender,
            "address": {"line1": "9 Far Road", "city": "Peoria", "state": "IL", "zip": "61602"},
        },
        "addressee": {"name": SUBJECT["name"], "address": SUBJECT["address"]},
        "postmark": "Peoria IL",
    }


def observe(world: World, rid: str, item: dict[str, Any]) -> None:
    model = RecordsItem if "category" in item else MailObservation
    with world.tx() as s:
        actor = world.user(s, "observer")
        request = covers.find_for_recording(session=s, ctx=world.ctx, actor=actor, public_id=rid)
        result = covers.observe(
            session=s, ctx=world.ctx, actor=actor, request=request, item=model.model_validate(item)
        )
    assert result.accepted, result.message


def close(world: World, rid: str) -> None:
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )


def closed_cover(world: World, data: dict[str, Any] | None = None) -> str:
    """A cover that ran two days with two observations (or records), then closed."""
    world.clock.set_date(START)
    rid = world.active_cover(data)
    world.clock.set_date(START + timedelta(days=1))
    if data is not None and data["kind"] == "records":
        observe(
            world,
            rid,
            {"category": "subscriber", "record_date": "2026-01-05", "fields": {"acct": "A1"}},
        )
    else:
        observe(world, rid, mail(START))
        observe(world, rid, mail(START + timedelta(days=1), sender='Lee, Quote "Q"'))
    close(world, rid)
    return rid


def produce(world: World, rid: str, who: str = "reviewer") -> productions.Package:
    with world.tx() as s:
        return productions.produce(
            session=s, ctx=world.ctx, actor=world.user(s, who), request=world.request(s, rid)
        )


def read(world: World, rid: str, who: str = "fbi", reason: str = "case intake") -> Any:
    with world.tx() as s:
        return productions.read_package(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            reason=reason,
        )


def acknowledge(world: World, rid: str, digest: str, who: str = "fbi") -> Production:
    with world.tx() as s:
        return productions.acknowledge(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            manifest_sha256=digest,
        )


def state_of(world: World, rid: str) -> RequestState:
    with world.tx() as s:
        return world.request(s, rid).state


# --- producing ---


def test_produce_only_from_closed(world: World) -> None:
    rid = world.active_cover()
    with unchanged(world, InvalidTransition, "approved"):  # approved, not started
        produce(world, rid)
    world.clock.set_date(START)
    observe(world, rid, mail(START))
    with unchanged(world, InvalidTransition, "active"):
        produce(world, rid)
    world.clock.set_date(START + timedelta(days=40))
    assert state_of(world, rid) is RequestState.EXPIRED
    with unchanged(world, InvalidTransition, "expired"):
        produce(world, rid)
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(Production)) == 0


def test_produce_twice_is_refused(world: World) -> None:
    rid = closed_cover(world)
    produce(world, rid)
    with unchanged(world, InvalidTransition, "produced"):
        produce(world, rid)


@pytest.mark.parametrize(("who", "role"), [("fbi", "a requester"), ("osg", "an approver")])
def test_only_reviewers_produce(world: World, who: str, role: str) -> None:
    rid = closed_cover(world)
    with unchanged(world, Forbidden, f"only a reviewer may produce a package; you are {role}"):
        produce(world, rid, who=who)


def test_manifest_lists_the_sha256_of_each_file(world: World) -> None:
    rid = closed_cover(world)
    package = produce(world, rid)
    assert set(package.files) == {"observations.json", "observations.csv", "manifest.json"}
    manifest = json.loads(package.files["manifest.json"])
    assert manifest == package.manifest
    assert [f["name"] for f in manifest["files"]] == ["observations.csv", "observations.json"]
    for entry in manifest["files"]:
        data = package.files[entry["name"]]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    assert package.manifest_sha256 == hashlib.sha256(package.files["manifest.json"]).hexdigest()
    assert manifest["request"] == rid
    assert manifest["kind"] == "mail_cover"
    assert manifest["agency"] == FBI
    assert manifest["items"] == 2
    assert manifest["produced_at"] == "2026-01-06T09:00:00+00:00"
    assert manifest["authorised"] == {
        "from": "2026-01-05",
        "until": "2026-01-06",  # closed early: the window ends on the close day
        "categories": ["mail_exterior"],
    }
    with world.tx() as s:
        row = s.scalar(select(Production))
        assert row is not None
        assert row.manifest_sha256 == package.manifest_sha256
        assert b"Jordan" not in row.files_ct
        assert b"Pat Sender" not in row.files_ct


def test_json_and_csv_agree(world: World) -> None:
    package = produce(world, closed_cover(world))
    items = json.loads(package.files["observations.json"])
    rows = list(csv.DictReader(io.StringIO(package.files["observations.csv"].decode())))
    assert len(items) == len(rows) == 2
    for item, row in zip(items, rows, strict=True):
        assert row["id"] == str(item["id"])
        assert row["category"] == item["category"] == "mail_exterior"
        assert row["date"] == item["date"]
        assert row["sender.name"] == item["data"]["sender"]["name"]
        assert row["addressee.address.zip"] == item["data"]["addressee"]["address"]["zip"]
        assert row["mail_class"] == item["data"]["mail_class"] == "priority"
    assert [r["sender.name"] for r in rows] == ["Pat Sender", 'Lee, Quote "Q"']
    assert [r["date"] for r in rows] == ["2026-01-05", "2026-01-06"]


def test_a_records_package_is_named_for_records_and_logged_as_a_disclosure(
    world: World,
) -> None:
    rid = closed_cover(world, records_data())
    package = produce(world, rid)
    assert set(package.files) == {"records.json", "records.csv", "manifest.json"}
    assert package.manifest["kind"] == RequestKind.RECORDS.value
    assert package.manifest["items"] == 1
    with world.tx() as s:
        events = [e.event.value for e in requests.history(session=s, request=world.request(s, rid))]
    assert events[-1] == "records_disclosed"
    assert state_of(world, rid) is RequestState.PRODUCED


def test_build_package_is_deterministic_and_handles_no_items() -> None:
    request = Request(
        public_id="ab" * 16,
        kind=RequestKind.MAIL_COVER,
        agency=Agency(name="Test Agency"),
        authorised_categories=["mail_exterior"],
    )
    one = productions.build_package(request, [], "2026-01-01T00:00:00+00:00")
    two = productions.build_package(request, [], "2026-01-01T00:00:00+00:00")
    later = productions.build_package(request, [], "2026-01-02T00:00:00+00:00")
    assert one == two
    assert one.files["observations.csv"] == b"id\n"
    assert json.loads(one.files["observations.json"]) == []
    assert one.manifest["items"] == 0
    assert one.manifest["authorised"] == {
        "from": None,
        "until": None,
        "categories": ["mail_exterior"],
    }
    assert later.manifest_sha256 != one.manifest_sha256
    assert later.manifest["files"] == one.manifest["files"]


# --- reading the package: access-logged, and not for everyone ---


def test_read_package_returns_the_produced_files_and_logs_the_read(world: World) -> None:
    rid = closed_cover(world)
    package = produce(world, rid)
    with world.tx() as s:
        produced = list(s.scalars(select(AccessRecord)))
    # Producing reads the observations once, for the package.
    assert [(r.what, r.user_id) for r in produced] == [
        (AccessKind.OBSERVATIONS, world.people["reviewer"].id)
    ]
    for who in ("fbi", "reviewer", "auditor"):
        got = read(world, rid, who=who, reason=f"read by {who}")
        assert got.files == package.files
        assert got.manifest_sha256 == package.manifest_sha256
    with world.tx() as s:
        reads = list(
            s.scalars(
                select(AccessRecord)
                .where(AccessRecord.what == AccessKind.PRODUCTION)
                .order_by(AccessRecord.id)
            )
        )
    assert [(r.user_id, r.reason) for r in reads] == [
        (world.people[w].id, f"read by {w}") for w in ("fbi", "reviewer", "auditor")
    ]


@pytest.mark.parametrize(
    ("who", "role"), [("observer", "an observer"), ("osg", "an approver"), ("admin", "an admin")]
)
def test_read_package_is_forbidden_to_other_roles(world: World, who: str, role: str) -> None:
    rid = closed_cover(world)
    produce(world, rid)
    with world.tx() as s:
        request = world.request(s, rid)
        actor = world.user(s, who)
        with pytest.raises(Forbidden, match=f"may read production packages; you are {role}"):
            productions.read_package(
                session=s, ctx=world.ctx, actor=actor, request=request, reason="just looking"
            )
        assert s.scalar(select(func.count()).select_from(AccessRecord)) == 1  # produce's own


def test_read_package_needs_a_production_and_a_reason(world: World) -> None:
    rid = closed_cover(world)
    with unchanged(world, NotFound, f"request {rid} has no production yet"):
        read(world, rid)
    produce(world, rid)
    with unchanged(world, InvalidInput, "at least 5 characters"):
        read(world, rid, reason="   ")


# --- acknowledging ---


def test_acknowledge_with_a_wrong_digest_changes_nothing(world: World) -> None:
    rid = closed_cover(world)
    package = produce(world, rid)
    wrong = hashlib.sha256(package.files["observations.json"]).hexdigest()
    with unchanged(world, InvalidInput, "manifest_sha256 does not match"):
        acknowledge(world, rid, wrong)
    with unchanged(world, InvalidInput, "manifest_sha256 does not match"):
        acknowledge(world, rid, package.manifest_sha256.upper())
    assert state_of(world, rid) is RequestState.PRODUCED
    with world.tx() as s:
        row = s.scalar(select(Production))
        assert row is not None
        assert (row.acknowledged_by, row.acknowledged_at) == (None, None)


def test_acknowledge_records_who_and_when_and_twice_is_a_conflict(world: World) -> None:
    rid = closed_cover(world)
    package = produce(world, rid)
    world.clock.set_date(START + timedelta(days=3))
    row = acknowledge(world, rid, package.manifest_sha256, who="fbi2")  # same agency
    assert row.acknowledged_by == world.people["fbi2"].id
    assert row.acknowledged_at is not None
    assert row.acknowledged_at.date() == START + timedelta(days=3)
    assert state_of(world, rid) is RequestState.ACKNOWLEDGED
    with unchanged(world, Conflict, f"request {rid} is already acknowledged"):
        acknowledge(world, rid, package.manifest_sha256)


def test_acknowledge_needs_a_production_and_a_requester(world: World) -> None:
    rid = closed_cover(world)
    with unchanged(world, InvalidTransition, "closed"):
        acknowledge(world, rid, "0" * 64)
    package = produce(world, rid)
    with unchanged(world, Forbidden, "only a requester may acknowledge a package"):
        acknowledge(world, rid, package.manifest_sha256, who="reviewer")


def test_each_step_appends_exactly_one_log_entry(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    observe(world, rid, mail(START))
    steps: list[int] = [log_size(world)]
    close(world, rid)
    steps.append(log_size(world))
    package = produce(world, rid)
    steps.append(log_size(world))
    read(world, rid)  # a read is access-logged, not published
    steps.append(log_size(world))
    acknowledge(world, rid, package.manifest_sha256)
    steps.append(log_size(world))
    assert [b - a for a, b in pairwise(steps)] == [1, 1, 0, 1]
    with world.tx() as s:
        events = [e.event.value for e in requests.history(session=s, request=world.request(s, rid))]
        indexes = list(s.scalars(select(RequestEvent.entry_index).order_by(RequestEvent.id)))
        log = list(s.scalars(select(LogEntry.idx).order_by(LogEntry.idx)))
    assert events[-3:] == ["closed", "produced", "acknowledged"]
    assert indexes == log  # each event names its own entry, in order
