"""Steps of the notice workflow as the API and CLI call them, on the ``world`` fixture."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation
from covergate.errors import CovergateError
from covergate.lifecycle.models import RequestEvent
from covergate.notices import bundle as bundles
from covergate.notices import service
from covergate.notices.models import Notice
from covergate.tlog.keys import Ed25519Signer, generate_signer
from covergate.transparency.service import integrate
from tests.factories import mail_cover_data
from tests.world import World

START = date(2026, 1, 5)  # the factories' start: a 30-day cover runs to 2026-02-03
LAST_DAY = date(2026, 2, 3)
SUBJECT = mail_cover_data()["subject"]
ORIGIN = "covergate.test/log"


def signer() -> Ed25519Signer:
    return generate_signer(ORIGIN)[0]


def _notice_rows(s: Session) -> tuple[Any, ...]:
    """What a notice step writes beyond row counts: each notice's fields."""
    return tuple(
        sorted(
            s.execute(
                select(
                    Notice.request_id,
                    Notice.state,
                    Notice.due_on,
                    Notice.delayed_until,
                    Notice.mailed_on,
                    Notice.overdue_logged_for,
                    Notice.letter_sha256,
                )
            ).all(),
            key=repr,
        )
    )


def snapshot(world: World) -> tuple[Any, ...]:
    """Row counts of every table, each request's state and each notice's fields."""
    return world.snapshot(_notice_rows)


def unchanged(
    world: World, error: type[CovergateError], match: str | None = None
) -> AbstractContextManager[pytest.ExceptionInfo[CovergateError]]:
    """The block must raise ``error`` and leave every table as it was."""
    return world.unchanged(error, match, extra=(_notice_rows,))


def mail(day: date) -> dict[str, Any]:
    return {
        "mail_date": day.isoformat(),
        "mail_class": "first_class",
        "sender": {
            "name": "Pat Sender",
            "address": {"line1": "9 Far Road", "city": "Peoria", "state": "IL", "zip": "61602"},
        },
        "addressee": {"name": SUBJECT["name"], "address": SUBJECT["address"]},
        "postmark": "Peoria IL",
    }


def observe(world: World, rid: str, day: date) -> None:
    with world.tx() as s:
        actor = world.user(s, "observer")
        request = covers.find_for_recording(session=s, ctx=world.ctx, actor=actor, public_id=rid)
        result = covers.observe(
            session=s,
            ctx=world.ctx,
            actor=actor,
            request=request,
            item=MailObservation.model_validate(mail(day)),
        )
    assert result.accepted, result.message


def sweep(world: World) -> service.SweepResult:
    with world.tx() as s:
        return service.sweep_notices(session=s, ctx=world.ctx)


def ended_cover(world: World, data: dict[str, Any] | None = None, observations: int = 2) -> str:
    """A 30-day cover that ran from START with ``observations`` items and expired; swept."""
    world.clock.set_date(START - timedelta(days=3))
    rid = world.active_cover(data)
    world.clock.set_date(START + timedelta(days=observations))
    for n in range(observations):
        observe(world, rid, START + timedelta(days=n))
    world.clock.set_date(LAST_DAY + timedelta(days=1))
    sweep(world)
    return rid


def notice(world: World, rid: str) -> Notice | None:
    with world.tx() as s:
        row = service.notice_of(session=s, request=world.request(s, rid))
        if row is not None:
            s.expunge(row)
        return row


def delay(
    world: World,
    rid: str,
    until: date,
    who: str = "court",
    docket: str = "26-mc-0007",
    reasons: str = "Notice now would reveal an ongoing investigation.",
) -> int:
    with world.tx() as s:
        order = service.delay(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            until=until,
            docket=docket,
            reasons=reasons,
        )
        return order.entry_index


def letter(world: World, rid: str, log: Ed25519Signer, who: str = "reviewer") -> bytes:
    with world.tx() as s:
        return bundles.print_letter(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            log_key=log.verifier_key(),
        )


TRACKING = "9400111899223344556677"


def mailed(
    world: World, rid: str, on: date, tracking: str = TRACKING, who: str = "reviewer"
) -> Notice:
    with world.tx() as s:
        return service.mark_mailed(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            mailed_on=on,
            tracking=tracking,
        )


def integrate_log(world: World, log: Ed25519Signer) -> None:
    with world.tx() as s:
        integrate(session=s, signer=log, origin=log.name)


def bundle(world: World, rid: str, log: Ed25519Signer, who: str = "reviewer") -> dict[str, Any]:
    integrate_log(world, log)
    with world.tx() as s:
        return bundles.build_bundle(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            log_key=log.verifier_key(),
        )


def events(world: World, rid: str) -> list[str]:
    with world.tx() as s:
        request = world.request(s, rid)
        return [
            e.value
            for e in s.scalars(
                select(RequestEvent.event)
                .where(RequestEvent.request_id == request.id)
                .order_by(RequestEvent.entry_index)
            )
        ]


def extend_for_30_days(world: World, parent: str) -> str:
    """Extend the cover ``parent`` by 30 days from the day after LAST_DAY, asked five days
    before it ends, reviewed and approved; the extension's public id (the clock is left
    at LAST_DAY - 5)."""
    data = mail_cover_data(start=LAST_DAY + timedelta(days=1))
    data["scope"]["prior_days"] = 30
    data["scope"]["extension_benefit"] = "Two senders identified so far; more expected."
    world.clock.set_date(LAST_DAY - timedelta(days=5))
    child = world.extend(parent, data).request.public_id
    world.review(child)
    world.approve(child)
    return child
