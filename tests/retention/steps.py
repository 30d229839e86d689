"""Steps of the retention tests: covers that ran, ended, and were produced.

Records requests under a subpoena need no court order (safeguards-2026 gates only
orders), so they run the whole flow without a court; emergency mail covers start
before their order, whose due day the approval gate sets (``courts.gate``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from covergate.courts.models import Court, CourtOrder
from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation, RecordsItem
from covergate.document import ProcessStandard, ProcessType
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.states import CloseReason, OrderState
from covergate.productions import service as productions
from covergate.requests import service as requests
from tests.factories import mail_cover_data, records_data
from tests.world import World

START = date(2026, 1, 5)
RECEIVED = START - timedelta(days=3)  # the factories' received date
COURT = "U.S. District Court, C.D. Ill."
EMERGENCY = {"kind": "physical_harm", "description": "Threat letters name a date next week."}


def emergency_data(**changes: Any) -> dict[str, Any]:
    """An emergency mail cover with no order yet (it must follow within 3 days)."""
    return mail_cover_data(legal_process=None, emergency=EMERGENCY, **changes)


def record(world: World, rid: str, day: date) -> None:
    """One accepted item: a records item, or a mail exterior for a mail cover."""
    with world.tx() as s:
        request = world.request(s, rid)
        item: MailObservation | RecordsItem
        if request.kind.value == "records":
            item = RecordsItem.model_validate(
                {"category": "subscriber", "record_date": day.isoformat(),
                 "fields": {"name": "Jordan Example", "account": "A-100"}}
            )  # fmt: skip
        else:
            subject = mail_cover_data()["subject"]
            item = MailObservation.model_validate(
                {"mail_date": day.isoformat(), "mail_class": "first_class",
                 "sender": {"name": "Pat Sender", "address": {"line1": "9 Far Road",
                            "city": "Peoria", "state": "IL", "zip": "61602"}},
                 "addressee": {"name": subject["name"], "address": subject["address"]}}
            )  # fmt: skip
        result = covers.observe(
            session=s, ctx=world.ctx, actor=world.user(s, "observer"), request=request, item=item
        )
    if not result.accepted:
        raise AssertionError(f"observation refused: {result.message}")


def close(world: World, rid: str, who: str = "fbi") -> None:
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )


def produce(world: World, rid: str) -> None:
    with world.tx() as s:
        productions.produce(
            session=s, ctx=world.ctx, actor=world.user(s, "reviewer"), request=world.request(s, rid)
        )


def running_records(world: World) -> str:
    """An active records request with one item recorded (the clock on its start day)."""
    rid = world.active_cover(records_data())
    world.clock.set_date(START)
    record(world, rid, START)
    return rid


def produced_records(world: World) -> str:
    """A records request that ran, closed on START and was produced: all its data exists."""
    rid = running_records(world)
    close(world, rid)
    produce(world, rid)
    return rid


def emergency_cover(world: World) -> str:
    """An approved emergency mail cover, started, with one mail piece recorded."""
    rid = world.submit(emergency_data())
    world.review(rid)
    world.approve(rid)
    world.clock.set_date(START)
    record(world, rid, START)
    return rid


def put_order(world: World, rid: str, state: OrderState, decided_on: date | None) -> None:
    """The request's court order, written directly (courts.service files it at intake
    for a request that names one; an emergency without process has none on file)."""
    with world.tx() as s:
        request = world.request(s, rid)
        court = s.scalar(select(Court).where(Court.name == COURT))
        if court is None:
            court = Court(name=COURT, created_at=world.clock.now())
            s.add(court)
            s.flush()
        request.court_id = court.id
        cipher = request_cipher(world.ctx, request)
        s.add(
            CourtOrder(
                request_id=request.id,
                court_id=court.id,
                process_type=ProcessType.COURT_ORDER,
                standard=ProcessStandard.SPECIFIC_AND_ARTICULABLE_FACTS,
                docket="26-mj-0099",
                judge="Hon. A. Judge",
                issued=RECEIVED,
                expires=None,
                state=state,
                filed_on=RECEIVED,
                decided_on=decided_on,
                document_sha256=b"\x01" * 32,
                document_ct=cipher.encrypt(b"%PDF order", label=b"court_order.document"),
                reasons_ct=(
                    cipher.encrypt(b"no facts shown", label=b"court_order.reasons")
                    if state is OrderState.REFUSED
                    else None
                ),
            )
        )
