"""The access log and the access rules it records, on SQLite and PostgreSQL.

``lifecycle.access`` writes the log (who read what of which request, when, via
what, why) and decides who sees which request; ``audit.service`` reads the log,
for auditors only.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from covergate.audit import service as audit
from covergate.context import Via
from covergate.errors import Forbidden, InvalidInput
from covergate.lifecycle import access, documents
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import RequestState
from covergate.requests.schemas import DecisionOutcome
from covergate.users.schemas import Role
from tests.factories import mail_cover_data
from tests.world import World

TODAY = date(2026, 1, 2)


def read_subject(world: World, rid: str, reason: str, who: str = "reviewer") -> None:
    with world.tx() as s:
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            reason=reason,
        )


# --- who may read the log ---


def test_auditors_read_the_access_log(world: World) -> None:
    with world.tx() as s:
        audit.require_auditor(world.user(s, "auditor"))


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("fbi", "a requester"),
        ("reviewer", "a reviewer"),
        ("chief", "an approver"),
        ("observer", "an observer"),
        ("admin", "an admin"),
    ],
)
def test_no_one_else_reads_the_access_log(world: World, who: str, role: str) -> None:
    with world.tx() as s, pytest.raises(Forbidden) as caught:
        audit.require_auditor(world.user(s, who))
    assert str(caught.value) == f"only an auditor may read the access log; you are {role}"


def test_require_role_names_every_allowed_role(world: World) -> None:
    with world.tx() as s:
        observer = world.user(s, "observer")
        access.require_role(observer, Role.OBSERVER, doing="x")
        with pytest.raises(Forbidden) as caught:
            access.require_role(observer, Role.REQUESTER, Role.AUDITOR, doing="read this")
    assert str(caught.value) == "only a requester or an auditor may read this; you are an observer"


# --- the reason every read must give ---


@pytest.mark.parametrize("reason", [None, "", "    ", "abcd", "  ab  cd  "[:6]])
def test_a_reason_shorter_than_five_characters_is_refused(reason: str | None) -> None:
    with pytest.raises(InvalidInput, match="a reason of at least 5 characters") as caught:
        access.check_reason(reason)
    assert caught.value.field == "reason"


def test_a_reason_is_stripped_and_bounded_at_1000_characters() -> None:
    assert access.check_reason("  abcde \n") == "abcde"
    assert access.check_reason("x" * 1000) == "x" * 1000
    assert access.check_reason("  " + "x" * 1000 + "  ") == "x" * 1000
    with pytest.raises(InvalidInput, match="longer than 1000 characters") as caught:
        access.check_reason("x" * 1001)
    assert caught.value.field == "reason"


# --- what the log holds and how it is listed ---


def test_records_are_listed_newest_first_and_filtered_by_request(world: World) -> None:
    one, two = world.submit(), world.submit()
    read_subject(world, one, "first read")
    world.clock.set_date(TODAY + timedelta(days=1))
    read_subject(world, two, "second read", who="auditor")
    read_subject(world, one, "third read")
    with world.tx() as s:
        everything = audit.list_access(session=s)
        only_one = audit.list_access(session=s, request_id=world.request(s, one).id)
        only_two = audit.list_access(session=s, request_id=world.request(s, two).id)
        newest = audit.list_access(session=s, limit=1)
    assert [r.reason for r in everything] == ["third read", "second read", "first read"]
    assert [r.reason for r in only_one] == ["third read", "first read"]
    assert [r.reason for r in only_two] == ["second read"]
    assert [r.reason for r in newest] == ["third read"]
    assert {r.what for r in everything} == {AccessKind.SUBJECT}


def test_a_refused_read_leaves_no_record(world: World) -> None:
    rid = world.submit()
    with pytest.raises(InvalidInput, match="needs a reason"):
        read_subject(world, rid, "why")
    with world.tx() as s:
        assert audit.list_access(session=s) == []


def test_as_dict_names_the_user_role_request_kind_reason_and_interface(world: World) -> None:
    rid = world.submit()
    read_subject(world, rid, "legal review of grounds")
    with world.tx() as s:
        (record,) = audit.list_access(session=s)
        shown = audit.as_dict(record)
    assert shown == {
        "at": shown["at"],
        "user": "reviewer@test.example",
        "role": "reviewer",
        "request": rid,
        "what": "subject",
        "reason": "legal review of grounds",
        "via": "api",
    }
    at = datetime.fromisoformat(str(shown["at"]))
    assert at.replace(tzinfo=None) == datetime(2026, 1, 2, 9, 0)


def test_as_dict_time_is_the_same_on_both_backends(world: World) -> None:
    rid = world.submit()
    read_subject(world, rid, "legal review of grounds")
    with world.tx() as s:
        (record,) = audit.list_access(session=s)
        assert audit.as_dict(record)["at"] == "2026-01-02T09:00:00+00:00"


def test_as_dict_of_a_detached_record_falls_back_to_ids() -> None:
    record = AccessRecord(
        user_id=7,
        request_id=9,
        what=AccessKind.NOTES,
        reason="checking notes",
        via=Via.CLI,
        at=datetime(2026, 1, 2, 9, 0, 30, 123, tzinfo=UTC),
    )
    assert audit.as_dict(record) == {
        "at": "2026-01-02T09:00:30+00:00",
        "user": 7,
        "role": None,
        "request": 9,
        "what": "notes",
        "reason": "checking notes",
        "via": "cli",
    }


def test_record_access_writes_what_the_context_says(world: World) -> None:
    rid = world.submit()
    cli = dataclasses.replace(world.ctx, via=Via.CLI)
    with world.tx() as s:
        access.record_access(
            session=s,
            ctx=cli,
            actor=world.user(s, "auditor"),
            request=world.request(s, rid),
            what=AccessKind.NOTES,
            reason="  annual audit  ",
        )
    with world.tx() as s:
        (row,) = s.scalars(select(AccessRecord))
        assert (row.user_id, row.what, row.reason, row.via) == (
            world.people["auditor"].id,
            AccessKind.NOTES,
            "annual audit",
            Via.CLI,
        )
        assert row.request_id == world.request(s, rid).id


# --- who sees which request ---


def test_visibility_by_role(world: World) -> None:
    rid = world.submit()
    with world.tx() as s:
        request = world.request(s, rid)
        seen = {
            key: access.can_see(world.user(s, key), request, ctx=world.ctx)
            for key in ("fbi", "fbi2", "dea", "reviewer", "osg", "auditor", "observer", "admin")
        }
    assert seen == {
        "fbi": True,
        "fbi2": True,  # the same agency
        "dea": False,
        "reviewer": True,
        "osg": True,
        "auditor": True,
        "observer": False,  # submitted: nothing for the postal staff to do
        "admin": False,
    }


def test_observers_see_covers_from_seven_days_before_they_start(world: World) -> None:
    soon = world.active_cover(mail_cover_data(start=TODAY + timedelta(days=7)))
    later = world.active_cover(mail_cover_data(start=TODAY + timedelta(days=8)))
    denied = world.submit()
    world.review(denied)
    world.approve(denied, outcome=DecisionOutcome.DENY, reasons="Not enough.")
    with world.tx() as s:
        observer = world.user(s, "observer")
        visible = access.list_visible(session=s, ctx=world.ctx, actor=observer)
        assert [r.public_id for r in visible] == [soon]
        assert access.can_see(observer, world.request(s, later), ctx=world.ctx) is False
    world.clock.set_date(TODAY + timedelta(days=1))
    with world.tx() as s:
        observer = world.user(s, "observer")
        visible = access.list_visible(session=s, ctx=world.ctx, actor=observer)
        assert [r.public_id for r in visible] == [later, soon]  # newest first


def test_list_visible_filters_pages_and_checks_its_bounds(world: World) -> None:
    rids = [world.submit() for _ in range(3)]
    world.review(rids[0])
    with world.tx() as s:
        fbi = world.user(s, "fbi")

        def ids(**kw: object) -> list[str]:
            found = access.list_visible(session=s, ctx=world.ctx, actor=fbi, **kw)  # type: ignore[arg-type]
            return [r.public_id for r in found]

        assert ids() == rids[::-1]
        assert ids(limit=2) == rids[:0:-1]
        assert ids(limit=2, offset=2) == [rids[0]]
        assert ids(state=RequestState.IN_REVIEW) == [rids[0]]
        assert access.list_visible(session=s, ctx=world.ctx, actor=world.user(s, "dea")) == []
        with pytest.raises(InvalidInput, match="limit must be between 1 and 1000"):
            ids(limit=0)
        with pytest.raises(InvalidInput, match="limit must be between 1 and 1000"):
            ids(limit=1001)
        for offset in (-1, 10_000_001, 2**63):
            with pytest.raises(InvalidInput, match="offset must be between 0 and 10000000"):
                ids(offset=offset)
        assert s.scalar(select(func.count()).select_from(AccessRecord)) == 0  # listing is no read
