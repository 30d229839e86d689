"""Judge first: no approval before the court confirmed the order (safeguards-2026)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from covergate.courts import filing, gate
from covergate.document import LegalProcess
from covergate.errors import Conflict, InvalidInput, NotFound, RuleViolation
from covergate.lifecycle.states import OrderState, RequestState
from covergate.policy import load_policy
from covergate.requests.schemas import DecisionOutcome
from tests.courts.common import unchanged
from tests.factories import mail_cover_data
from tests.world import COURT, World

EMERGENCY = {"kind": "loss_of_evidence", "description": "The packages are due to move tonight."}


def in_review(world: World, data: dict[str, Any] | None = None) -> str:
    rid = world.submit(data, confirm=False)
    world.review(rid)
    return rid


def state(world: World, rid: str) -> RequestState:
    with world.tx() as s:
        return world.request(s, rid).state


def order_due(world: World, rid: str) -> date | None:
    with world.tx() as s:
        return world.request(s, rid).order_due


@pytest.mark.parametrize("outcome", [DecisionOutcome.APPROVE, DecisionOutcome.MODIFY])
def test_a_filed_order_blocks_approval_until_confirmed(
    world: World, outcome: DecisionOutcome
) -> None:
    rid = in_review(world)
    days = {"days": 10} if outcome is DecisionOutcome.MODIFY else {}
    message = f"approval needs the court order confirmed by {COURT}: it is filed, safeguards-2026"
    with unchanged(world, RuleViolation, message):
        world.approve(rid, confirm=False, outcome=outcome, **days)
    world.confirm(rid)
    world.approve(rid, confirm=False, outcome=outcome, **days)
    assert state(world, rid) is RequestState.APPROVED
    assert order_due(world, rid) is None


def test_a_refused_order_blocks_approval_but_not_denial(world: World) -> None:
    rid = in_review(world)
    world.refuse(rid)
    with unchanged(world, RuleViolation, "the court refused it on 2026-01-02"):
        world.approve(rid)
    world.approve(rid, outcome=DecisionOutcome.DENY, reasons="The court refused the order.")
    assert state(world, rid) is RequestState.DENIED


def test_a_filed_order_does_not_block_denial(world: World) -> None:
    rid = in_review(world)
    world.approve(rid, confirm=False, outcome=DecisionOutcome.DENY, reasons="Not needed now.")
    assert state(world, rid) is RequestState.DENIED


def test_other_checks_come_first(world: World) -> None:
    rid = in_review(world)
    with unchanged(world, RuleViolation, "never widen"):
        world.approve(rid, confirm=False, outcome=DecisionOutcome.MODIFY, days=40)


def test_an_emergency_is_approved_first_and_its_order_falls_due(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY))
    world.approve(rid)  # the world confirms no emergency's order
    assert state(world, rid) is RequestState.APPROVED
    received = date(2026, 1, 2)
    assert order_due(world, rid) == received + timedelta(days=3)
    with world.tx() as s:
        assert not gate.order_in_time(session=s, request=world.request(s, rid))
    world.clock.set_date(received + timedelta(days=3))
    world.confirm(rid)  # on the last day: in time
    with world.tx() as s:
        assert gate.order_in_time(session=s, request=world.request(s, rid))


def test_an_emergency_order_confirmed_late_is_not_in_time(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY))
    world.approve(rid)
    world.clock.set_date(date(2026, 1, 6))
    world.confirm(rid)
    with world.tx() as s:
        assert not gate.order_in_time(session=s, request=world.request(s, rid))


def test_an_emergency_without_any_order_owes_one(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY, legal_process=None))
    world.approve(rid)
    assert order_due(world, rid) == date(2026, 1, 5)


def test_an_emergency_whose_order_is_confirmed_owes_nothing(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY))
    world.confirm(rid)
    world.approve(rid)
    assert order_due(world, rid) is None


def test_an_emergency_whose_order_was_refused_is_not_approved(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY))
    world.refuse(rid)
    with unchanged(world, RuleViolation, "refused"):
        world.approve(rid)


def test_under_usps_2017_nothing_waits_for_the_court(world: World) -> None:
    world.ctx = world.ctx.with_policy(load_policy("usps-2017"))
    rid = in_review(world)
    assert world.order_state(rid) is not None  # filed: the court is registered
    world.approve(rid, confirm=False)
    assert state(world, rid) is RequestState.APPROVED
    emergency = in_review(world, mail_cover_data(emergency=EMERGENCY))
    world.approve(emergency)
    assert order_due(world, emergency) is None


def file_late(world: World, rid: str, who: str = "fbi", **changes: Any) -> None:
    process = LegalProcess.model_validate({**mail_cover_data()["legal_process"], **changes})
    with world.tx() as s:
        filing.file_late(
            session=s, ctx=world.ctx, actor=world.user(s, who), request=world.request(s, rid),
            process=process,
        )  # fmt: skip


def test_an_emergencys_order_is_filed_late_and_confirmed_in_time(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY, legal_process=None))
    world.approve(rid)
    assert world.order_state(rid) is None
    world.clock.set_date(date(2026, 1, 4))
    with unchanged(world, NotFound):
        file_late(world, rid, who="dea")
    with unchanged(world, InvalidInput, "only a court_order or a search_warrant"):
        file_late(world, rid, type="subpoena")
    with unchanged(world, InvalidInput, "not a registered court"):
        file_late(world, rid, court="Court of Nowhere")
    file_late(world, rid)
    assert world.order_state(rid) is OrderState.FILED
    with unchanged(world, Conflict, "already on file"):
        file_late(world, rid)
    world.confirm(rid)
    with world.tx() as s:
        assert gate.order_in_time(session=s, request=world.request(s, rid))


def test_a_denied_request_takes_no_order(world: World) -> None:
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY, legal_process=None))
    world.approve(rid, outcome=DecisionOutcome.DENY, reasons="No emergency at all.")
    with unchanged(world, RuleViolation, "denied takes no court order"):
        file_late(world, rid)


def test_an_emergency_past_its_order_deadline_is_no_longer_approved_first(world: World) -> None:
    """The exception lets a cover start before its order only until the order is due."""
    rid = in_review(world, mail_cover_data(emergency=EMERGENCY))
    world.clock.set_date(date(2026, 1, 6))  # received 2 January: the order was due on the 5th
    with unchanged(world, RuleViolation, match=r"only until its order is due, 2026-01-05"):
        world.approve(rid, confirm=False)
    assert state(world, rid) is RequestState.IN_REVIEW
    world.confirm(rid)  # once the court confirms, it is an ordinary approval
    world.approve(rid)
    assert state(world, rid) is RequestState.ACTIVE  # 6 January is past its start
    assert order_due(world, rid) is None
