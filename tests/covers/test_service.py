"""Recording on covers and records requests, through the service, on SQLite and PostgreSQL.

The world's clock starts on 2026-01-02; the factory's cover asks to start on
2026-01-05 (``START``), so a cover approved at once is ordered on 2026-01-02 and
active from 2026-01-05 to 2026-02-03.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from covergate.covers import service as covers
from covergate.covers.models import Observation, RefusedObservation
from covergate.covers.schemas import MailObservation, RecordsItem, RefusalReason
from covergate.document import DataCategory
from covergate.errors import Forbidden, InvalidInput, NotFound
from covergate.lifecycle import access
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import CloseReason, RequestState
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionOutcome
from tests.factories import mail_cover_data, records_data
from tests.world import World

TODAY = date(2026, 1, 2)
START = date(2026, 1, 5)
SUBJECT = mail_cover_data()["subject"]
ATTORNEY = SUBJECT["known_attorneys"][0]
ELSEWHERE = {"line1": "1 Other St", "city": "Peoria", "state": "IL", "zip": "61602"}


def mail(day: date, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "mail_date": day.isoformat(),
        "mail_class": "first_class",
        "sender": {"name": "Pat Sender", "address": {**ELSEWHERE, "line1": "9 Far Road"}},
        "addressee": {"name": SUBJECT["name"], "address": SUBJECT["address"]},
        "postmark": "Peoria IL",
    }
    item.update(changes)
    return item


def record(category: str, day: date) -> dict[str, Any]:
    return {"category": category, "record_date": day.isoformat(), "fields": {"k": "v"}}


def observe(
    world: World, rid: str, item: dict[str, Any], who: str = "observer"
) -> covers.ObservationResult:
    model = RecordsItem if "category" in item else MailObservation
    with world.tx() as s:
        actor = world.user(s, who)
        if who == "observer":
            request = covers.find_for_recording(
                session=s, ctx=world.ctx, actor=actor, public_id=rid
            )
        else:
            request = world.request(s, rid)
        return covers.observe(
            session=s, ctx=world.ctx, actor=actor, request=request, item=model.model_validate(item)
        )


def counts(world: World, rid: str) -> tuple[dict[str, int], int, int]:
    """(refusals by reason, stored observations, the request's refusal counter)."""
    with world.tx() as s:
        request = world.request(s, rid)
        return (
            covers.refusal_counts(session=s, request=request),
            covers.observation_count(session=s, request=request),
            request.refused_observations,
        )


# --- accepted observations ---


def test_an_accepted_observation_is_stored_encrypted(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    result = observe(world, rid, mail(START))
    assert result.accepted
    assert (result.reason, result.message) == (None, "recorded")
    with world.tx() as s:
        row = s.get(Observation, result.observation_id)
        assert row is not None
        assert row.category is DataCategory.MAIL_EXTERIOR
        assert row.item_date == START
        assert row.recorded_by == world.people["observer"].id
        for clear in (b"Jordan Example", b"Elm Street", b"Pat Sender", b"Peoria", b"first_class"):
            assert clear not in row.data_ct
    assert counts(world, rid) == ({}, 1, 0)


def test_read_observations_decrypts_in_order_and_writes_one_access_record(
    world: World,
) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    other = world.active_cover()
    world.clock.set_date(START + timedelta(days=2))
    assert observe(world, rid, mail(START)).accepted
    assert observe(world, other, mail(START)).accepted
    assert observe(world, rid, mail(START + timedelta(days=1), postmark="Chicago IL")).accepted
    with world.tx() as s:
        actor, request = world.user(s, "auditor"), world.request(s, rid)
        before = s.scalar(select(func.count()).select_from(AccessRecord))
        items = covers.read_observations(
            session=s, ctx=world.ctx, actor=actor, request=request, reason="  IG spot check  "
        )
        records = list(s.scalars(select(AccessRecord).order_by(AccessRecord.id)))
    assert before == 0
    assert [(i["category"], i["date"]) for i in items] == [
        ("mail_exterior", START.isoformat()),
        ("mail_exterior", (START + timedelta(days=1)).isoformat()),
    ]
    assert [i["data"]["postmark"] for i in items] == ["Peoria IL", "Chicago IL"]  # type: ignore[index]
    assert items[0]["data"]["addressee"]["name"] == "Jordan Example"  # type: ignore[index]
    assert len(records) == 1
    (rec,) = records
    assert (rec.user_id, rec.what, rec.reason) == (
        world.people["auditor"].id,
        AccessKind.OBSERVATIONS,
        "IG spot check",
    )


def test_read_observations_without_a_reason_is_refused(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    with pytest.raises(InvalidInput, match="at least 5 characters"), world.tx() as s:
        covers.read_observations(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "auditor"),
            request=world.request(s, rid),
            reason="why",
        )
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(AccessRecord)) == 0


# --- refusals: nothing stored, counted by reason ---


def test_not_active_before_the_cover_starts(world: World) -> None:
    rid = world.active_cover()  # approved today, starts in three days
    result = observe(world, rid, mail(TODAY))
    assert not result.accepted
    assert result.observation_id is None
    assert result.reason is RefusalReason.NOT_ACTIVE
    assert result.message == "the request is not active (approved)"
    with world.tx() as s:
        (row,) = s.scalars(select(RefusedObservation))
        assert (row.reason, row.refused_on) == (RefusalReason.NOT_ACTIVE, TODAY)
    assert counts(world, rid) == ({"not_active": 1}, 0, 1)


def test_not_active_once_expired_and_once_closed(world: World) -> None:
    rid = world.active_cover()
    world.clock.set_date(START + timedelta(days=30))  # the day after the 30th day
    expired = observe(world, rid, mail(START + timedelta(days=29)))
    assert expired.reason is RefusalReason.NOT_ACTIVE
    assert expired.message == "the request is not active (expired)"
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.EXPIRED,
        )
    assert observe(world, rid, mail(START)).message == "the request is not active (closed)"
    assert counts(world, rid) == ({"not_active": 2}, 0, 2)


def test_outside_window_before_the_start_and_in_the_future(world: World) -> None:
    rid = world.active_cover()
    world.clock.set_date(START + timedelta(days=5))
    early = observe(world, rid, mail(START - timedelta(days=1)))  # after the order, before start
    future = observe(world, rid, mail(START + timedelta(days=6)))  # inside the window, not yet
    assert early.reason is future.reason is RefusalReason.OUTSIDE_WINDOW
    assert early.message == "2026-01-04 is outside the authorised window 2026-01-05 to 2026-02-03"
    assert observe(world, rid, mail(START + timedelta(days=5))).accepted  # today is fine
    assert counts(world, rid) == ({"outside_window": 2}, 1, 2)


def test_before_order_is_checked_on_the_day_the_cover_was_ordered(world: World) -> None:
    rid = world.submit()
    world.review(rid)
    ordered = START + timedelta(days=4)  # decided after the start asked for
    world.clock.set_date(ordered)
    world.approve(rid)
    with world.tx() as s:
        request = world.request(s, rid)
        assert (request.ordered_on, request.active_from) == (ordered, ordered)
        assert request.state is RequestState.ACTIVE
    world.clock.set_date(ordered + timedelta(days=2))
    refused = observe(world, rid, mail(START))  # the start asked for, but before the order
    assert refused.reason is RefusalReason.BEFORE_ORDER
    assert "before the cover was ordered on 2026-01-09" in refused.message
    assert "39 CFR 233.3(d)" in refused.message
    assert observe(world, rid, mail(ordered - timedelta(days=1))).reason is (
        RefusalReason.BEFORE_ORDER
    )
    assert observe(world, rid, mail(ordered)).accepted
    assert counts(world, rid) == ({"before_order": 2}, 1, 2)


def test_wrong_address_is_refused_and_a_loosely_written_one_is_not(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    elsewhere = {"name": SUBJECT["name"], "address": ELSEWHERE}
    wrong = observe(world, rid, mail(START, addressee=elsewhere))
    assert wrong.reason is RefusalReason.WRONG_ADDRESS
    assert wrong.message == "the mail is not addressed to the covered address"
    other_zip = {**SUBJECT["address"], "zip": "62702"}
    assert observe(
        world, rid, mail(START, addressee={"name": "J", "address": other_zip})
    ).reason is (RefusalReason.WRONG_ADDRESS)
    loose = {"line1": "12 elm  street.", "city": "SPRINGFIELD", "state": "il", "zip": "62701-0001"}
    assert observe(world, rid, mail(START, addressee={"name": "J", "address": loose})).accepted
    assert counts(world, rid) == ({"wrong_address": 2}, 1, 2)


@pytest.mark.parametrize(
    "changes",
    [
        {"sender": ATTORNEY},
        {"sender": {"name": "casey   COUNSEL", "address": ELSEWHERE}},  # by name
        {"sender": {"name": "Front Desk", "address": ATTORNEY["address"]}},  # by address
        {"addressee": {"name": "Casey Counsel", "address": SUBJECT["address"]}},
    ],
    ids=["attorney", "by-name", "by-address", "as-addressee"],
)
def test_attorney_mail_is_never_recorded(world: World, changes: dict[str, Any]) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    result = observe(world, rid, mail(START, **changes))
    assert result.reason is RefusalReason.ATTORNEY_MAIL
    assert "39 CFR 233.3(g)(2)" in result.message
    assert counts(world, rid) == ({"attorney_mail": 1}, 0, 1)


def test_records_outside_the_authorised_categories_are_refused(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover(records_data())
    assert observe(world, rid, record("subscriber", START)).accepted
    refused = observe(world, rid, record("payment", START))
    assert refused.reason is RefusalReason.CATEGORY_NOT_AUTHORISED
    assert refused.message == "category payment was not authorised"
    assert counts(world, rid) == ({"category_not_authorised": 1}, 1, 1)


def test_a_records_item_never_goes_on_a_mail_cover_nor_mail_on_records(world: World) -> None:
    world.clock.set_date(START)
    cover = world.active_cover()
    recs = world.active_cover(records_data())
    with pytest.raises(InvalidInput, match="only be recorded for a records request"):
        observe(world, cover, record("subscriber", START))
    with pytest.raises(InvalidInput, match="only be recorded for a mail cover"):
        observe(world, recs, mail(START))
    assert counts(world, cover) == ({}, 0, 0)
    assert counts(world, recs) == ({}, 0, 0)


def test_counts_are_per_request(world: World) -> None:
    world.clock.set_date(START)
    one, two = world.active_cover(), world.active_cover()
    observe(world, one, mail(START, sender=ATTORNEY))
    observe(world, one, mail(START + timedelta(days=1)))
    observe(world, two, mail(START))
    assert counts(world, one) == ({"attorney_mail": 1, "outside_window": 1}, 0, 2)
    assert counts(world, two) == ({}, 1, 0)


# --- who may record, on what ---


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("fbi", "a requester"),
        ("reviewer", "a reviewer"),
        ("osg", "an approver"),
        ("auditor", "an auditor"),
        ("admin", "an admin"),
    ],
)
def test_only_observers_record(world: World, who: str, role: str) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    message = f"only an observer may record observations; you are {role}"
    with pytest.raises(Forbidden, match=message):
        observe(world, rid, mail(START), who=who)
    with pytest.raises(Forbidden, match=message), world.tx() as s:
        covers.find_for_recording(session=s, ctx=world.ctx, actor=world.user(s, who), public_id=rid)
    assert counts(world, rid) == ({}, 0, 0)


def find(world: World, rid: str) -> RequestState:
    with world.tx() as s:
        return covers.find_for_recording(
            session=s, ctx=world.ctx, actor=world.user(s, "observer"), public_id=rid
        ).state


def test_a_request_never_ordered_is_not_found_for_recording(world: World) -> None:
    submitted = world.submit()
    with pytest.raises(NotFound, match=f"no request {submitted}"):
        find(world, submitted)
    world.review(submitted)
    with pytest.raises(NotFound, match=f"no request {submitted}"):
        find(world, submitted)
    world.approve(submitted, outcome=DecisionOutcome.DENY, reasons="Grounds too thin.")
    with world.tx() as s:
        assert world.request(s, submitted).state is RequestState.DENIED
    with pytest.raises(NotFound, match=f"no request {submitted}"):
        find(world, submitted)
    with pytest.raises(NotFound, match="no request 0123"):
        find(world, "0123")
    with pytest.raises(NotFound), world.tx() as s:  # nor can observe() be handed one
        covers.observe(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "observer"),
            request=world.request(s, submitted),
            item=MailObservation.model_validate(mail(TODAY)),
        )
    assert counts(world, submitted) == ({}, 0, 0)


def test_recording_reaches_ordered_covers_the_observer_cannot_see(world: World) -> None:
    late = mail_cover_data(start=TODAY + timedelta(days=20))
    rid = world.active_cover(late)  # approved, starts beyond the observer's lead days
    with pytest.raises(NotFound), world.tx() as s:
        access.get_visible(session=s, ctx=world.ctx, actor=world.user(s, "observer"), public_id=rid)
    assert find(world, rid) is RequestState.APPROVED
    assert observe(world, rid, mail(TODAY)).reason is RefusalReason.NOT_ACTIVE
    assert counts(world, rid) == ({"not_active": 1}, 0, 1)


def test_finding_a_cover_starts_it_on_its_day(world: World) -> None:
    rid = world.active_cover()
    assert find(world, rid) is RequestState.APPROVED
    world.clock.set_date(START)
    assert find(world, rid) is RequestState.ACTIVE
    world.clock.set_date(START + timedelta(days=30))
    assert find(world, rid) is RequestState.EXPIRED
