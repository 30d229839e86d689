"""The compliance audit (``audit.compliance.check``), on SQLite and PostgreSQL.

A clean world (requests through the real lifecycle: submit, review, the court's
confirmation, approval, observations, close, expiry) reports 0 in every class. Then
each class's fault is planted directly in the database, as a defect or a tamperer
would leave it, and exactly that class reports it (with the others still 0 where
they are independent). Then the interfaces: ``GET /api/v1/audit/compliance`` on the
live server, and ``covergate audit compliance`` with its exit codes.

The world's clock starts on 2026-01-02; the factory's covers are approved that day
and run from 2026-01-05 to 2026-02-03.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.pool import NullPool

from covergate.audit import compliance
from covergate.audit.findings import ComplianceReport, FindingClass
from covergate.courts.models import CourtOrder
from covergate.covers import service as covers
from covergate.covers.models import Observation
from covergate.covers.schemas import MailObservation
from covergate.db import make_engine
from covergate.document import DataCategory
from covergate.errors import Forbidden
from covergate.lifecycle import documents, period
from covergate.lifecycle.events import EventType
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import AccessKind, AccessRecord, Request, RequestEvent
from covergate.lifecycle.states import (
    CloseReason,
    DestructionReason,
    NoticeState,
    OrderState,
    RequestState,
)
from covergate.notices.models import Notice
from covergate.requests import service as requests
from covergate.requests.models import Decision
from covergate.requests.schemas import DecisionOutcome
from covergate.retention import schedule
from covergate.tlog.keys import Ed25519Signer, generate_signer
from covergate.transparency import service as log
from covergate.transparency.models import LogEntry, LogTile
from covergate.transparency.tree import tile_interior
from covergate.users.models import User
from covergate.users.schemas import Delegation
from tests.api_server import LiveServer
from tests.cli_runner import Cli, Zygote, assert_one_error_line
from tests.conftest import cli_on
from tests.factories import mail_cover_data, records_data
from tests.test_api import active_cover, assert_problem
from tests.world import World

C = FindingClass
START = date(2026, 1, 5)
LAST = date(2026, 2, 3)  # the last authorised day of the factory's covers
SWEPT = LAST + timedelta(days=1)  # the day the expiry sweep runs: the clean world's today
SUBJECT = mail_cover_data()["subject"]
ELSEWHERE = {"line1": "1 Other St", "city": "Peoria", "state": "IL", "zip": "61602"}
ORIGIN = "covergate.test/log"


def mail(day: date, address: dict[str, Any] | None = None) -> MailObservation:
    return MailObservation.model_validate(
        {
            "mail_date": day.isoformat(),
            "mail_class": "first_class",
            "sender": {"name": "Pat Sender", "address": ELSEWHERE},
            "addressee": {"name": SUBJECT["name"], "address": address or SUBJECT["address"]},
        }
    )


@dataclass
class Clean:
    """The clean world's requests, by what happened to them."""

    closed: str  # observed, closed early on 7 January by the agency
    expired: str  # observed, expired by the sweep on the day after its last day
    records: str  # a records request under a subpoena, expired
    denied: str
    submitted: str
    signer: Ed25519Signer

    def report(self, world: World, *, verify: bool = True) -> ComplianceReport:
        with world.tx() as s:
            verifier = self.signer.verifier() if verify else None
            return compliance.check(s, world.ctx, verifier=verifier)

    def integrate(self, world: World) -> None:
        log.integrate_pending(sessions=world.sessions, signer=self.signer, origin=ORIGIN)


def observe(world: World, rid: str, item: MailObservation) -> None:
    with world.tx() as s:
        actor = world.user(s, "observer")
        request = covers.find_for_recording(session=s, ctx=world.ctx, actor=actor, public_id=rid)
        result = covers.observe(session=s, ctx=world.ctx, actor=actor, request=request, item=item)
    assert result.accepted, result.message


def build_clean(world: World) -> Clean:
    closed, expired = world.active_cover(), world.active_cover()
    records = world.active_cover(records_data())
    denied = world.submit()
    world.review(denied)
    world.approve(denied, outcome=DecisionOutcome.DENY, reasons="The grounds do not hold up.")
    submitted = world.submit()
    world.clock.set_date(START + timedelta(days=1))
    observe(world, closed, mail(START))
    observe(world, expired, mail(START + timedelta(days=1)))
    with world.tx() as s:  # a person's read, with its reason
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, closed),
            reason="Checking the grounds before the close",
        )
    world.clock.set_date(START + timedelta(days=2))
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, closed),
            reason=CloseReason.REQUESTED,
        )
    world.clock.set_date(SWEPT)
    with world.tx() as s:
        period.sweep(session=s, ctx=world.ctx)
    clean = Clean(closed, expired, records, denied, submitted, generate_signer(ORIGIN)[0])
    clean.integrate(world)
    return clean


@pytest.fixture
def clean(world: World) -> Clean:
    return build_clean(world)


def rid_of(world: World, public_id: str) -> int:
    with world.tx() as s:
        return world.request(s, public_id).id


def found(report: ComplianceReport, cls: FindingClass) -> set[str | None]:
    return {f.request for f in report[cls].findings}


def only(report: ComplianceReport, *classes: FindingClass) -> None:
    """Each of ``classes`` found something; every other class found nothing."""
    counts = report.counts()
    assert all(counts[c.value] > 0 for c in classes), counts
    assert all(n == 0 for k, n in counts.items() if C(k) not in classes), counts


# --- a clean world ---


def test_a_clean_world_reports_zero_in_every_class(world: World, clean: Clean) -> None:
    report = clean.report(world)
    assert [c.id for c in report.classes] == list(FindingClass)
    assert report.counts() == {c.value: 0 for c in FindingClass}, [
        f.to_json() for c in report.classes for f in c.findings
    ]
    assert report.clean
    with world.tx() as s:
        assert report.log_entries_checked == log.status(session=s).sequenced > 0
    shown = report.to_json()
    assert shown["clean"] is True
    assert shown["checked_on"] == SWEPT.isoformat()
    assert shown["policy"] == "safeguards-2026"
    assert shown["policy_version"] == world.ctx.policy.version
    for cls in shown["classes"]:
        assert set(cls) == {"id", "title", "rule", "citation", "count", "findings"}
        assert cls["count"] == 0
        assert cls["findings"] == []
        assert cls["citation"]
    by_id = {c["id"]: c for c in shown["classes"]}
    authority = world.ctx.policy.authority
    assert by_id["approval_without_delegation"]["citation"] == authority.order.citation
    assert by_id["retention_overdue"]["citation"] == authority.retention.citation
    assert by_id["notice_overdue"]["citation"] == authority.notice.citation


def test_entries_waiting_for_integration_are_checked_too(world: World, clean: Clean) -> None:
    world.clock.set_date(SWEPT + timedelta(days=1))
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, clean.expired),
            reason=CloseReason.EXPIRED,
        )
    with world.tx() as s:
        status = log.status(session=s)
    assert status.pending == 1
    report = clean.report(world)
    assert report.clean, report.counts()
    assert report.log_entries_checked == status.sequenced


def test_the_report_reads_no_subject_data_and_writes_nothing(world: World, clean: Clean) -> None:
    with world.tx() as s:
        before = s.scalar(select(func.count()).select_from(AccessRecord))
        entries = log.status(session=s).sequenced
    clean.report(world)
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(AccessRecord)) == before
        assert log.status(session=s).sequenced == entries


@pytest.mark.parametrize("who", ["fbi", "reviewer", "osg", "observer", "admin", "court"])
def test_only_auditors_run_it(world: World, who: str) -> None:
    with world.tx() as s, pytest.raises(Forbidden, match="only an auditor may run the compliance"):
        compliance.require_auditor(world.user(s, who))
    with world.tx() as s:
        compliance.require_auditor(world.user(s, "auditor"))


# --- 1. approved without written authority ---


def test_an_approver_whose_delegation_no_longer_allows_it(world: World, clean: Clean) -> None:
    with world.tx() as s:
        s.execute(
            update(User)
            .where(User.id == world.people["osg"].id)
            .values(delegation=Delegation.INSPECTOR_IN_CHARGE)
        )
    report = clean.report(world)
    only(report, C.APPROVAL_WITHOUT_DELEGATION)
    assert found(report, C.APPROVAL_WITHOUT_DELEGATION) == {
        clean.closed,
        clean.expired,
        clean.records,
    }
    message = report[C.APPROVAL_WITHOUT_DELEGATION].findings[0].message
    assert "only in an emergency, 39 CFR 233.3(d)(3)" in message


def test_an_approval_by_the_reviewer_who_is_no_approver(world: World, clean: Clean) -> None:
    with world.tx() as s:
        s.execute(
            update(Decision)
            .where(Decision.request_id == world.request(s, clean.closed).id)
            .values(approver_id=world.people["reviewer"].id)
        )
    report = clean.report(world)
    only(report, C.APPROVAL_WITHOUT_DELEGATION)
    messages = {f.message for f in report[C.APPROVAL_WITHOUT_DELEGATION].findings}
    assert found(report, C.APPROVAL_WITHOUT_DELEGATION) == {clean.closed}
    assert "approved by its own reviewer" in messages
    assert "approved by a user who is reviewer, not an approver" in messages


# --- 2. ran past its authorised period ---


def test_a_cover_set_back_to_active_after_its_expiry(world: World, clean: Clean) -> None:
    with world.tx() as s:
        world.request(s, clean.expired).state = RequestState.ACTIVE
    report = clean.report(world)
    # Also a state change without its log entry: the latest entry says expired.
    only(report, C.COVER_PAST_WINDOW, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    assert found(report, C.COVER_PAST_WINDOW) == {clean.expired}
    assert found(report, C.LOG_ENTRY_MISSING_OR_DIFFERS) == {clean.expired}
    (finding,) = report[C.COVER_PAST_WINDOW].findings
    assert dict(finding.dates) == {"active_until": LAST, "checked_on": SWEPT}


def test_a_cover_still_active_the_sweep_missed(world: World, clean: Clean) -> None:
    late = world.active_cover(mail_cover_data(start=SWEPT))  # runs 4 Feb .. 5 Mar
    clean.integrate(world)
    world.clock.set_date(date(2026, 3, 10))  # nobody read it since, no sweep ran
    report = clean.report(world)
    assert found(report, C.COVER_PAST_WINDOW) == {late}
    assert report.count(C.LOG_ENTRY_MISSING_OR_DIFFERS) == 0


def test_more_days_than_authorised_or_the_policy_allows(world: World, clean: Clean) -> None:
    with world.tx() as s:
        request = world.request(s, clean.expired)
        request.authorised_days = 20  # its window is 30 days long
        world.request(s, clean.records).evaluation = {
            **world.request(s, clean.records).evaluation,
            "max_days": 10,
        }
    report = clean.report(world)
    only(report, C.COVER_PAST_WINDOW)
    assert found(report, C.COVER_PAST_WINDOW) == {clean.expired, clean.records}


# --- 3. observations outside the order ---


def plant_observation(world: World, public_id: str, item: MailObservation, **kw: Any) -> None:
    with world.tx() as s:
        request = world.request(s, public_id)
        s.add(
            Observation(
                request_id=request.id,
                category=kw.get("category", DataCategory.MAIL_EXTERIOR),
                item_date=item.mail_date,
                data_ct=request_cipher(world.ctx, request).encrypt_json(
                    item.model_dump(mode="json"), label=covers.DATA_LABEL
                ),
                recorded_by=world.people["observer"].id,
                recorded_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )


def test_an_observation_dated_after_the_window(world: World, clean: Clean) -> None:
    plant_observation(world, clean.expired, mail(LAST + timedelta(days=1)))
    plant_observation(world, clean.closed, mail(date(2026, 1, 1)))  # before the order
    report = clean.report(world)
    only(report, C.OBSERVATION_OUTSIDE_WINDOW)
    assert found(report, C.OBSERVATION_OUTSIDE_WINDOW) == {clean.expired, clean.closed}
    messages = sorted(f.message for f in report[C.OBSERVATION_OUTSIDE_WINDOW].findings)
    assert "dated before the cover was ordered" in messages[0] + messages[1]
    assert "outside the authorised window" in messages[0] + messages[1]


def test_an_observation_of_a_category_not_authorised(world: World, clean: Clean) -> None:
    item = mail(START + timedelta(days=3))
    plant_observation(world, clean.expired, item, category=DataCategory.UNSEALED_CONTENTS)
    report = clean.report(world)
    only(report, C.OBSERVATION_OUTSIDE_WINDOW)
    assert "unsealed_contents, which was not authorised" in (
        report[C.OBSERVATION_OUTSIDE_WINDOW].findings[0].message
    )


def test_an_observation_for_another_address_names_no_address(world: World, clean: Clean) -> None:
    plant_observation(world, clean.expired, mail(START + timedelta(days=3), ELSEWHERE))
    report = clean.report(world)
    only(report, C.OBSERVATION_WRONG_ADDRESS)
    assert found(report, C.OBSERVATION_WRONG_ADDRESS) == {clean.expired}
    shown = json.dumps(report.to_json())
    for text in ("Elm", "Springfield", "62701", "Other St", "Peoria", SUBJECT["name"]):
        assert text not in shown
    # Once the request's data is destroyed there is nothing left to compare.
    with world.tx() as s:
        request = world.request(s, clean.expired)
        request.destroyed_on = SWEPT
        request.destruction_reason = DestructionReason.RETENTION_ENDED
    assert clean.report(world).count(C.OBSERVATION_WRONG_ADDRESS) == 0


# --- 4. court order not confirmed in time ---


def order_of(world: World, public_id: str) -> Any:
    with world.tx() as s:
        return s.scalar(
            select(CourtOrder).where(CourtOrder.request_id == world.request(s, public_id).id)
        )


def set_order(world: World, public_id: str, **values: Any) -> None:
    with world.tx() as s:
        s.execute(
            update(CourtOrder)
            .where(CourtOrder.request_id == world.request(s, public_id).id)
            .values(**values)
        )


def test_an_order_set_back_to_filed_after_the_approval(world: World, clean: Clean) -> None:
    assert order_of(world, clean.closed).state is OrderState.CONFIRMED
    set_order(world, clean.closed, state=OrderState.FILED, decided_on=None, decided_by=None)
    report = clean.report(world)
    only(report, C.ORDER_NOT_CONFIRMED_IN_TIME)
    assert found(report, C.ORDER_NOT_CONFIRMED_IN_TIME) == {clean.closed}
    assert "court order was filed" in report[C.ORDER_NOT_CONFIRMED_IN_TIME].findings[0].message


def test_an_order_confirmed_after_the_approval(world: World, clean: Clean) -> None:
    set_order(world, clean.expired, decided_on=date(2026, 1, 10))
    report = clean.report(world)
    only(report, C.ORDER_NOT_CONFIRMED_IN_TIME)
    (finding,) = report[C.ORDER_NOT_CONFIRMED_IN_TIME].findings
    assert dict(finding.dates) == {
        "ordered_on": date(2026, 1, 2),
        "confirmed_on": date(2026, 1, 10),
    }


def test_no_order_on_file_for_an_approved_court_order_request(world: World, clean: Clean) -> None:
    with world.tx() as s:
        s.execute(delete(CourtOrder).where(CourtOrder.request_id == rid_of(world, clean.closed)))
    report = clean.report(world)
    assert found(report, C.ORDER_NOT_CONFIRMED_IN_TIME) == {clean.closed}
    assert report[C.ORDER_NOT_CONFIRMED_IN_TIME].findings[0].message == (
        "approved with no court order on file"
    )


def test_an_emergency_whose_order_never_came_and_that_ran_on(world: World, clean: Clean) -> None:
    due = date(2026, 1, 3)
    with world.tx() as s:
        world.request(s, clean.expired).order_due = due
    set_order(world, clean.expired, state=OrderState.FILED, decided_on=None, decided_by=None)
    report = clean.report(world)
    only(report, C.ORDER_NOT_CONFIRMED_IN_TIME)
    (finding,) = report[C.ORDER_NOT_CONFIRMED_IN_TIME].findings
    assert "never confirmed, not by 2026-01-03" in finding.message
    assert dict(finding.dates) == {"order_due": due, "ended_on": SWEPT}
    # Confirmed by the day it was due: in time.
    set_order(world, clean.expired, state=OrderState.CONFIRMED, decided_on=due)
    assert clean.report(world).clean


# --- 5. notice overdue ---


def plant_notice(world: World, public_id: str, **values: Any) -> None:
    with world.tx() as s:
        request_id = world.request(s, public_id).id
        notice = s.scalar(select(Notice).where(Notice.request_id == request_id))
        if notice is None:
            notice = Notice(request_id=request_id, created_at=world.clock.now())
            s.add(notice)
        for key, value in values.items():
            setattr(notice, key, value)


def test_a_pending_notice_past_its_due_day(world: World, clean: Clean) -> None:
    plant_notice(
        world, clean.closed, state=NoticeState.PENDING, owed_from=START, due_on=SWEPT - timedelta(1)
    )
    plant_notice(world, clean.expired, state=NoticeState.PENDING, owed_from=LAST, due_on=SWEPT)
    report = clean.report(world)
    only(report, C.NOTICE_OVERDUE)
    assert found(report, C.NOTICE_OVERDUE) == {clean.closed}  # the other is due today


def test_ended_covers_with_no_notice_after_ninety_days(world: World, clean: Clean) -> None:
    plant_notice(
        world,
        clean.closed,
        state=NoticeState.MAILED,
        owed_from=START,
        due_on=date(2026, 4, 7),
        mailed_on=date(2026, 2, 1),
    )
    world.clock.set_date(LAST + timedelta(days=90))
    assert clean.report(world).clean  # 90 days after, not more
    world.clock.set_date(LAST + timedelta(days=91))
    report = clean.report(world)
    only(report, C.NOTICE_OVERDUE)
    assert found(report, C.NOTICE_OVERDUE) == {clean.expired, clean.records}


# --- 6. unsealing overdue ---


def test_a_sealed_order_past_its_seal(world: World, clean: Clean) -> None:
    set_order(world, clean.closed, sealed_until=SWEPT, unsealed_on=None)
    assert clean.report(world).clean  # sealed until today
    set_order(world, clean.closed, sealed_until=SWEPT - timedelta(days=1))
    report = clean.report(world)
    only(report, C.UNSEALING_OVERDUE)
    assert found(report, C.UNSEALING_OVERDUE) == {clean.closed}


# --- 7. retention overdue ---


def test_data_kept_past_its_retention_day(world: World, clean: Clean) -> None:
    with world.tx() as s:
        world.request(s, clean.closed).retain_until = SWEPT - timedelta(days=1)
    report = clean.report(world)
    only(report, C.RETENTION_OVERDUE)
    assert found(report, C.RETENTION_OVERDUE) == {clean.closed}


def test_retention_computed_from_the_end_when_not_stored(world: World, clean: Clean) -> None:
    world.clock.set_date(date(2034, 2, 5))  # 8 years and a day after the expiry
    report = clean.report(world)
    assert found(report, C.RETENTION_OVERDUE) == {
        clean.closed,
        clean.expired,
        clean.records,
        clean.denied,
    }


def test_the_retention_run_leaves_the_audit_nothing_to_report(world: World, clean: Clean) -> None:
    """The schedule and the audit count retention alike: an expired cover never closed
    is destroyed 8 years after its last day, and the audit never finds it first."""
    with world.tx() as s:  # the expired covers were never closed
        assert world.request(s, clean.expired).state is RequestState.EXPIRED
        assert world.request(s, clean.records).state is RequestState.EXPIRED
    for day in (date(2034, 2, 2), date(2034, 2, 3), date(2034, 2, 4), date(2034, 2, 10)):
        world.clock.set_date(day)
        with world.tx() as s:
            schedule.run_retention(session=s, ctx=world.ctx, dry_run=False)
        assert found(clean.report(world, verify=False), C.RETENTION_OVERDUE) == set(), day
    with world.tx() as s:
        for rid in (clean.closed, clean.expired, clean.records, clean.denied):
            request = world.request(s, rid)
            assert request.destruction_reason is DestructionReason.RETENTION_ENDED, rid
        assert world.request(s, clean.expired).destroyed_on == date(2034, 2, 3)
        assert world.request(s, clean.expired).close_reason is CloseReason.EXPIRED
        assert world.request(s, clean.submitted).destroyed_on is None


def test_an_improper_cover_not_destroyed_at_once(world: World, clean: Clean) -> None:
    with world.tx() as s:
        world.request(s, clean.closed).close_reason = CloseReason.IMPROPER
    report = clean.report(world)
    only(report, C.RETENTION_OVERDUE)
    assert "closed as improper; its data is not destroyed" in (
        report[C.RETENTION_OVERDUE].findings[0].message
    )
    with world.tx() as s:
        request = world.request(s, clean.closed)
        request.destroyed_on = date(2026, 1, 9)  # two days after the close
        request.destruction_reason = DestructionReason.IMPROPER
    report = clean.report(world)
    only(report, C.RETENTION_OVERDUE)
    (finding,) = report[C.RETENTION_OVERDUE].findings
    assert dict(finding.dates) == {"closed_on": date(2026, 1, 7), "destroyed_on": date(2026, 1, 9)}


# --- 8. reads without cause ---


@pytest.mark.parametrize(
    ("who", "what", "reason", "message"),
    [
        ("reviewer", AccessKind.SUBJECT, "", "gives no reason"),
        ("auditor", AccessKind.NOTES, " ab ", "gives no reason"),
        ("admin", AccessKind.SUBJECT, "Looking at it", "an admin read subject data"),
        ("observer", AccessKind.NOTES, "Looking at it", "an observer read notes data"),
        ("dea", AccessKind.SUBJECT, "Looking at it", "another agency's request"),
    ],
)
def test_a_read_without_reason_or_by_a_role_that_may_not(
    world: World, clean: Clean, who: str, what: AccessKind, reason: str, message: str
) -> None:
    with world.tx() as s:
        s.add(
            AccessRecord(
                user_id=world.people[who].id,
                request_id=world.request(s, clean.closed).id,
                what=what,
                reason=reason,
                via=world.ctx.via,
                at=world.clock.now(),
            )
        )
    report = clean.report(world)
    only(report, C.READ_WITHOUT_REASON)
    (finding,) = report[C.READ_WITHOUT_REASON].findings
    assert finding.request == clean.closed
    assert message in finding.message
    assert dict(finding.dates) == {"read_on": SWEPT}


# --- 9. the public log against the records ---


def entry_of(world: World, public_id: str, event: EventType) -> int:
    with world.tx() as s:
        index = s.scalar(
            select(RequestEvent.entry_index).where(
                RequestEvent.request_id == world.request(s, public_id).id,
                RequestEvent.event == event,
            )
        )
    assert index is not None
    return int(index)


def log_findings(report: ComplianceReport) -> set[tuple[str | None, int | None]]:
    return {(f.request, f.entry) for f in report[C.LOG_ENTRY_MISSING_OR_DIFFERS].findings}


def test_a_deleted_commitment_opening(world: World, clean: Clean) -> None:
    index = entry_of(world, clean.closed, EventType.REVIEWED)
    with world.tx() as s:
        s.execute(update(LogEntry).where(LogEntry.idx == index).values(sealed=None))
    report = clean.report(world)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    assert log_findings(report) == {(clean.closed, index)}
    assert (
        "no stored commitment opening" in report[C.LOG_ENTRY_MISSING_OR_DIFFERS].findings[0].message
    )


def test_a_stored_tile_interior_that_differs_from_its_tile(world: World, clean: Clean) -> None:
    # Two full tiles far above this log's own, one whose interior is its
    # tile's and one whose interior lost a byte: only the second is found.
    good, bad = bytes(range(256)) * 32, bytes(reversed(range(256))) * 32
    changed = bytearray(tile_interior(bad))
    changed[100] ^= 1
    with world.tx() as s:
        s.execute(
            insert(LogTile),
            [
                {"level": 6, "idx": 0, "data": good, "interior": tile_interior(good)},
                {"level": 6, "idx": 1, "data": bad, "interior": bytes(changed)},
            ],
        )
    report = clean.report(world)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    assert [f.message for f in report[C.LOG_ENTRY_MISSING_OR_DIFFERS].findings] == [
        "tile 6/1's stored interior differs from the hashes of the tile "
        "(inclusion proofs read from it would not verify)"
    ]


@pytest.mark.parametrize("verify", [True, False])
def test_a_changed_byte_in_a_signed_entry(world: World, clean: Clean, verify: bool) -> None:
    index = entry_of(world, clean.expired, EventType.STARTED)
    with world.tx() as s:
        data = bytes(s.get_one(LogEntry, index).data)
        changed = data.replace(b'"started"', b'"startex"')
        assert changed != data
        s.execute(update(LogEntry).where(LogEntry.idx == index).values(data=changed))
    report = clean.report(world, verify=verify)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    messages = {f.message for f in report[C.LOG_ENTRY_MISSING_OR_DIFFERS].findings}
    assert f"log entry {index} differs from the hash the log published" in messages
    assert (clean.expired, index) in log_findings(report)
    assert any(m.startswith("the signed log does not verify") for m in messages) is verify


def test_a_changed_event_in_the_history(world: World, clean: Clean) -> None:
    index = entry_of(world, clean.closed, EventType.REVIEWED)
    with world.tx() as s:
        s.execute(
            update(RequestEvent)
            .where(RequestEvent.entry_index == index)
            .values(event=EventType.DECIDED)
        )
    report = clean.report(world)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    assert log_findings(report) == {(clean.closed, index)}
    messages = {f.message for f in report[C.LOG_ENTRY_MISSING_OR_DIFFERS].findings}
    assert f"log entry {index} gives another event than its decided event" in messages
    assert f"log entry {index} commits to a record of another request, event or state" in messages


def test_an_entry_no_history_row_points_at(world: World, clean: Clean) -> None:
    index = entry_of(world, clean.submitted, EventType.SUBMITTED)
    with world.tx() as s:
        s.execute(delete(RequestEvent).where(RequestEvent.entry_index == index))
    report = clean.report(world)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    assert log_findings(report) == {(clean.submitted, index)}


def test_a_state_change_without_its_entry(world: World, clean: Clean) -> None:
    with world.tx() as s:
        world.request(s, clean.submitted).state = RequestState.IN_REVIEW
    report = clean.report(world)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    (finding,) = report[C.LOG_ENTRY_MISSING_OR_DIFFERS].findings
    assert finding.request == clean.submitted
    assert finding.message.startswith("it is in_review, but its latest logged event (")
    assert finding.message.endswith(") left it submitted")


def test_a_history_row_naming_an_entry_the_log_lacks(world: World, clean: Clean) -> None:
    index = entry_of(world, clean.denied, EventType.REVIEWED)
    with world.tx() as s:
        beyond = log.status(session=s).sequenced + 5
        s.execute(
            update(RequestEvent).where(RequestEvent.entry_index == index).values(entry_index=beyond)
        )
    report = clean.report(world)
    only(report, C.LOG_ENTRY_MISSING_OR_DIFFERS)
    assert (clean.denied, beyond) in log_findings(report)


# --- the API ---


def test_the_api_gives_auditors_the_report(api: LiveServer) -> None:
    rid = active_cover(api)
    response = api.get("/api/v1/audit/compliance", "auditor")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "checked_on",
        "policy",
        "policy_version",
        "clean",
        "log_entries_checked",
        "classes",
    }
    assert body["clean"] is True, body
    assert [c["id"] for c in body["classes"]] == [c.value for c in FindingClass]
    assert all(c["count"] == 0 for c in body["classes"])
    with api.runtime.transaction() as s:  # the fault, planted behind the server's back
        s.execute(update(Request).where(Request.public_id == rid).values(state=RequestState.CLOSED))
    body = api.get("/api/v1/audit/compliance", "auditor").json()
    assert body["clean"] is False
    (log_class,) = [c for c in body["classes"] if c["id"] == "log_entry_missing_or_differs"]
    assert log_class["count"] == 1
    assert set(log_class["findings"][0]) == {"request", "message", "dates", "entry"}
    assert log_class["findings"][0]["request"] == rid


@pytest.mark.parametrize("who", ["fbi", "reviewer", "osg", "observer", "admin"])
def test_the_api_refuses_everyone_else(api: LiveServer, who: str) -> None:
    assert_problem(
        api.get("/api/v1/audit/compliance", who), 403, "forbidden", mentions="only an auditor"
    )
    assert_problem(api.get("/api/v1/audit/compliance"), 401, "unauthenticated")


# --- the CLI ---


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"compliance-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init")
        for key in ("auditor", "admin"):
            added = runner.json("user", "add", f"{key}@test.example", "--name", key, "--role", key)
            runner.tokens[key] = added["token"]
        yield runner


def test_the_cli_exits_0_when_clean_and_1_on_a_finding(cli: Cli) -> None:
    table = cli.ok("audit", "compliance", token="auditor")
    assert "clean" in table
    assert "approval_without_delegation" in table
    assert cli.json("audit", "compliance", token="auditor")["clean"] is True
    # The access log is still `covergate audit` with no subcommand, options and all.
    assert cli.json("audit", "--limit", "5", token="auditor") == {"access": []}
    # An entry in the log that no record explains.
    engine = make_engine(cli.url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            last = conn.execute(select(func.max(LogEntry.idx))).scalar_one_or_none()
            index = 0 if last is None else int(last) + 1
            entry = json.dumps({"event": "submitted", "request": "ab" * 16}).encode()
            conn.execute(insert(LogEntry).values(idx=index, data=entry))
    finally:
        engine.dispose()
    done = cli.run("audit", "compliance", "--json", token="auditor")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["clean"] is False
    counts = {c["id"]: c["count"] for c in report["classes"]}
    assert counts.pop("log_entry_missing_or_differs") == 2  # unexplained; no opening
    assert set(counts.values()) == {0}
    table = cli.run("audit", "compliance", token="auditor")
    assert table.returncode == 1
    assert "log_entry_missing_or_differs" in table.stdout
    assert "Public log does not match the records (2)" in " ".join(table.stdout.split())


def test_the_cli_refuses_everyone_else(cli: Cli) -> None:
    done = cli.run("audit", "compliance", token="admin")
    assert_one_error_line(done, "only an auditor may run the compliance audit; you are an admin")
    assert_one_error_line(
        cli.run("audit", token="admin"), "only an auditor may read the access log"
    )


def test_an_emergency_approved_only_once_its_late_order_was_confirmed_is_no_finding(
    world: World, clean: Clean
) -> None:
    """The exception was not used: nothing ran before the order, so nothing was late."""
    world.clock.set_date(date(2026, 1, 2))
    emergency = {"kind": "physical_harm", "description": "A threat to a witness was reported."}
    rid = world.submit(mail_cover_data(emergency=emergency), confirm=False)
    world.review(rid)
    world.clock.set_date(date(2026, 1, 9))  # received on the 2nd: an order was due by the 5th
    world.confirm(rid)
    world.approve(rid)
    report = clean.report(world)
    assert report.count(FindingClass.ORDER_NOT_CONFIRMED_IN_TIME) == 0, report.to_json()
