"""The demo's court: it acts on an order even after the request's data is destroyed."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from covergate.courts import filing
from covergate.courts import service as courts
from covergate.demo.agenda import Case, Day
from covergate.demo.duties import REFUSE_SHARE, court_acts
from covergate.errors import Gone
from covergate.lifecycle.states import DestructionReason, OrderState
from covergate.users.models import User
from tests.factories import mail_cover_data
from tests.world import World


@dataclass
class _Clerks:
    """The demo's Staff, as far as court_acts asks it: the clerk of a court."""

    world: World

    def court_user(self, session: object, court_id: int) -> User:
        return self.world.user(session, "court")  # type: ignore[arg-type]


def _refusing_rng() -> random.Random:
    """A generator whose first draw makes the demo's court refuse."""
    for seed in range(1000):
        if random.Random(seed).random() < REFUSE_SHARE:
            return random.Random(seed)
    raise LookupError("no seed")


def test_the_court_confirms_when_the_data_it_would_seal_reasons_with_is_gone(
    world: World,
) -> None:
    rid = world.submit(mail_cover_data(), confirm=False)
    with world.tx() as s:
        request = world.request(s, rid)
        request.destroyed_on = world.clock.today()
        request.destruction_reason = DestructionReason.NO_TIMELY_ORDER
        # What the demo ran into: a refusal's reasons cannot be sealed any more.
        with pytest.raises(Gone), s.begin_nested():
            courts.refuse(
                session=s,
                ctx=world.ctx,
                actor=world.user(s, "court"),
                request=request,
                reasons="The application states no facts for this address.",
            )
        day = Day(session=s, ctx=world.ctx, staff=_Clerks(world), rng=_refusing_rng())  # type: ignore[arg-type]
        case = Case(number=1, agency="FBI", document=None, request_id=request.id)  # type: ignore[arg-type]
        court_acts(day, case)  # refused before: Gone
        order = filing.order_of(session=s, request=request)
        assert order is not None
        assert order.state is OrderState.CONFIRMED
