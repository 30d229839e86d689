"""Destroying a request's data: real, complete, logged, and final (39 CFR 233.3(h))."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from covergate.courts.models import CourtOrder
from covergate.covers import service as covers
from covergate.covers.models import Observation, RefusedObservation
from covergate.crypto import DecryptionFailed
from covergate.errors import Conflict, Forbidden, Gone, InvalidInput, RuleViolation
from covergate.lifecycle import documents
from covergate.lifecycle.keys import request_cipher, unwrap_key
from covergate.lifecycle.models import AccessRecord, Request, RequestEvent
from covergate.lifecycle.states import CloseReason, DestructionReason, OrderState, RequestState
from covergate.productions import service as productions
from covergate.productions.models import Production
from covergate.requests import notes
from covergate.requests import service as requests
from covergate.requests.models import Decision
from covergate.retention import service
from covergate.transparency.models import LogEntry
from covergate.transparency.service import read_commitment
from tests.log_entries import entry_fields
from tests.retention.steps import START, produced_records, put_order, running_records
from tests.world import World

REASON = "checking the destruction"


def destroy(world: World, rid: str, explanation: str = "kept long enough") -> service.Destruction:
    with world.tx() as s:
        return service.destroy(
            session=s,
            ctx=world.ctx,
            request=world.request(s, rid),
            reason=DestructionReason.RETENTION_ENDED,
            actor=None,
            explanation=explanation,
        )


def improper(world: World, rid: str, who: str, explanation: str) -> service.Destruction:
    with world.tx() as s:
        return service.destroy_improper(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            explanation=explanation,
        )


def counts(world: World) -> tuple[object, ...]:
    """Every table a refused destruction could touch, and each request's columns."""
    with world.tx() as s:
        rows = s.execute(
            select(
                Request.public_id, Request.state, Request.version, Request.data_key_ct,
                Request.private_ct, Request.destroyed_on,
            ).order_by(Request.id)
        ).all()  # fmt: skip
        tallies = tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (LogEntry, RequestEvent, AccessRecord, Observation, RefusedObservation)
        )
    return tuple(rows), tallies


def test_destruction_makes_every_read_gone_and_keeps_the_log(world: World) -> None:
    rid = produced_records(world)
    with world.tx() as s:
        request = world.request(s, rid)
        old_key, old_private = request.data_key_ct, request.private_ct
        log_before = s.scalar(select(func.count()).select_from(LogEntry))
        events_before = s.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .where(RequestEvent.request_id == request.id)
        )
    done = destroy(world, rid)
    assert done.reason is DestructionReason.RETENTION_ENDED
    assert done.day == START
    assert done.destroyed["observations"] == 1
    assert done.destroyed["production"] == 1
    assert done.destroyed["decision_notes"] == 1
    assert done.destroyed["review_note"] == 1

    with world.tx() as s:
        request = world.request(s, rid)
        assert request.data_key_ct is None
        assert request.private_ct == b""
        assert request.review_note_ct is None
        assert request.destroyed_on == START
        assert request.destruction_reason is DestructionReason.RETENTION_ENDED
        assert request.state is RequestState.PRODUCED  # destruction is not a state
        assert s.scalar(select(func.count()).select_from(Observation)) == 0
        assert [d.notes_ct for d in s.scalars(select(Decision))] == [b""]
        assert s.scalars(select(Production)).one().files_ct == b""
        assert s.scalar(select(func.count()).select_from(LogEntry)) == log_before + 1
        assert (
            s.scalar(
                select(func.count())
                .select_from(RequestEvent)
                .where(RequestEvent.request_id == request.id)
            )
            == events_before + 1
        )
        auditor, fbi = world.user(s, "auditor"), world.user(s, "fbi")
        for read in (
            lambda: documents.full_document(
                session=s, ctx=world.ctx, actor=auditor, request=request, reason=REASON
            ),
            lambda: covers.read_observations(
                session=s, ctx=world.ctx, actor=auditor, request=request, reason=REASON
            ),
            lambda: productions.read_package(
                session=s, ctx=world.ctx, actor=fbi, request=request, reason=REASON
            ),
            lambda: notes.read_notes(
                session=s, ctx=world.ctx, actor=auditor, request=request, reason=REASON
            ),
        ):
            gone = f"destroyed on {START.isoformat()} \\(retention ended\\)"
            with pytest.raises(Gone, match=gone):
                read()
        # The old ciphertext (as a backup would hold it) opens with the old wrapped key
        # only; without it, the field key opens nothing, and the wrapped key is gone.
        assert old_key is not None
        opened = unwrap_key(world.ctx.cipher, rid, old_key).decrypt(
            old_private, label=documents.PRIVATE_LABEL
        )
        assert b"Jordan Example" in opened  # the wrapped key was the one way in ...
        with pytest.raises(DecryptionFailed):  # ... the field key alone opens nothing
            world.ctx.cipher.decrypt(old_private, label=documents.PRIVATE_LABEL)
        assert s.scalar(select(func.count()).select_from(Request).where(
            Request.data_key_ct == old_key)) == 0  # fmt: skip


def test_destruction_leaves_every_log_entry_and_opening_as_it_was(world: World) -> None:
    # The log holds no subject data: destroying a request's data changes none of
    # its entries or their sealed openings (log_entries.sealed), and each still
    # opens its commitment with the field key (for the notice and the courts).
    rid = produced_records(world)
    with world.tx() as s:
        request = world.request(s, rid)
        before = s.execute(select(LogEntry.idx, LogEntry.data, LogEntry.sealed)).all()
        mine = list(
            s.scalars(select(RequestEvent.entry_index).where(RequestEvent.request_id == request.id))
        )
    assert all(sealed is not None for _, _, sealed in before)
    destroy(world, rid)
    with world.tx() as s:
        after = s.execute(select(LogEntry.idx, LogEntry.data, LogEntry.sealed)).all()
        assert sorted(after)[: len(before)] == sorted(before)
        for index in mine:
            _salt, canonical = read_commitment(session=s, index=index, cipher=world.ctx.cipher)
            assert json.loads(canonical)["request"] == rid


def test_the_destruction_entry_names_no_subject_and_tells_the_requester_why(
    world: World,
) -> None:
    rid = produced_records(world)
    done = destroy(world, rid, "the records were kept eight years")
    with world.tx() as s:
        entry = entry_fields(s, s.get_one(LogEntry, done.log_index).data)
        shown = service.destruction_of(session=s, ctx=world.ctx, request=world.request(s, rid))
    assert entry["event"] == "data_destroyed"
    assert entry["outcome"] == "retention_ended"
    text = json.dumps(entry)
    for secret in ("Jordan", "Elm", "kept eight", "A-100"):
        assert secret not in text
    assert shown == done
    assert shown is not None
    assert shown.explanation == "the records were kept eight years"


def test_order_document_and_reasons_are_destroyed_but_the_digest_stays(world: World) -> None:
    rid = running_records(world)
    put_order(world, rid, OrderState.CONFIRMED, START)
    with world.tx() as s:
        order = s.scalars(select(CourtOrder)).one()
        order.seal_salt_ct = world.ctx.cipher.encrypt(b"s" * 32, label=b"salt")
    with world.tx() as s:
        requests.end(
            session=s, ctx=world.ctx, request=world.request(s, rid),
            reason=CloseReason.REQUESTED, actor=None,
        )  # fmt: skip
    done = destroy(world, rid)
    assert done.destroyed["order_document"] == 1
    with world.tx() as s:
        order = s.scalars(select(CourtOrder)).one()
        assert (order.document_ct, order.reasons_ct) == (None, None)
        assert order.document_sha256 == b"\x01" * 32
        assert order.seal_salt_ct is not None  # under the field key: opens the commitment


def test_destroying_twice_is_a_conflict_naming_the_day(world: World) -> None:
    rid = produced_records(world)
    destroy(world, rid)
    world.clock.set_date(START + timedelta(days=3))
    before = counts(world)
    with pytest.raises(Conflict, match=f"already destroyed on {START.isoformat()}"):
        destroy(world, rid)
    assert counts(world) == before


def test_a_running_cover_is_not_destroyed_without_ending_it(world: World) -> None:
    rid = running_records(world)
    before = counts(world)
    with pytest.raises(Conflict, match="active: a request's data is destroyed only once"):
        destroy(world, rid)
    assert counts(world) == before


@pytest.mark.parametrize("who", ["chief", "hq"])
def test_improper_cover_is_closed_then_destroyed_by_the_chief_or_hq(world: World, who: str) -> None:
    rid = running_records(world)
    why = "The order was signed by an inspector without written authority."
    done = improper(world, rid, who, why)
    assert done.reason is DestructionReason.IMPROPER
    assert done.explanation.startswith(why)
    assert "39 CFR 233.3(h)" in done.explanation
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.state is RequestState.CLOSED
        assert request.close_reason is CloseReason.IMPROPER
        assert request.closed_on == START
        events = [e.event.value for e in s.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.id))]  # fmt: skip
        entry = entry_fields(s, s.get_one(LogEntry, done.log_index - 1).data)
        with pytest.raises(Gone):
            request_cipher(world.ctx, request)
    assert events[-2:] == ["closed", "data_destroyed"]
    assert (entry["event"], entry["outcome"]) == ("closed", "improper")


@pytest.mark.parametrize(
    ("who", "error", "match"),
    [
        ("osg", Forbidden, "Chief Postal Inspector or a headquarters designee"),
        ("iic", Forbidden, "your delegation is inspector_in_charge"),
        ("reviewer", Forbidden, "only an approver may"),
        ("auditor", Forbidden, "only an approver may"),
        ("fbi", Forbidden, "only an approver may"),
    ],
)
def test_improper_destruction_by_anyone_else_is_refused_and_writes_nothing(
    world: World, who: str, error: type[Exception], match: str
) -> None:
    rid = running_records(world)
    before = counts(world)
    with pytest.raises(error, match=match):
        improper(world, rid, who, "The order was signed without written authority.")
    assert counts(world) == before


def test_improper_needs_an_explanation_and_an_ordered_cover(world: World) -> None:
    rid = running_records(world)
    before = counts(world)
    with pytest.raises(InvalidInput, match="at least 20 characters"):
        improper(world, rid, "chief", "   too short       ")
    assert counts(world) == before
    pending = world.submit()
    before = counts(world)
    with pytest.raises(RuleViolation, match="submitted: only a cover that was ordered"):
        improper(world, pending, "chief", "The order was signed without written authority.")
    assert counts(world) == before
    improper(world, rid, "chief", "The order was signed without written authority.")
    before = counts(world)
    with pytest.raises(Conflict, match="already destroyed"):
        improper(world, rid, "hq", "The order was signed without written authority.")
    assert counts(world) == before
